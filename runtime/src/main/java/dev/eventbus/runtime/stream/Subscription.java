package dev.eventbus.runtime.stream;

import dev.eventbus.runtime.plugin.LoadedHandler;
import java.util.Set;

/**
 * One handler reading one stream: a consumer group named after the handler.
 *
 * @param types the event types the handler takes from this stream; other types are acknowledged
 *     for this group without calling the handler
 * @param name {@code handler@stream}, for logs, thread names and as the key of per-subscription
 *     state (made once: it is looked up for every event)
 */
public record Subscription(LoadedHandler handler, String stream, Set<String> types, String name) {

    public Subscription {
        types = Set.copyOf(types);
        if (!name.equals(handler.name() + "@" + stream)) {
            throw new IllegalArgumentException("subscription name must be handler@stream, was " + name);
        }
    }

    public Subscription(LoadedHandler handler, String stream, Set<String> types) {
        this(handler, stream, types, handler.name() + "@" + stream);
    }

    /** The consumer group: one per handler, so handlers progress and fail independently. */
    public String group() {
        return handler.name();
    }
}
