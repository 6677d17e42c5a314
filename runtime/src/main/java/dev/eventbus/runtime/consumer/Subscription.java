package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.plugin.LoadedHandler;
import java.util.Set;

/**
 * One handler reading one stream: a consumer group named after the handler.
 *
 * @param types the event types the handler takes from this stream; other types are acknowledged
 *     for this group without calling the handler
 */
public record Subscription(LoadedHandler handler, String stream, Set<String> types) {

    public Subscription {
        types = Set.copyOf(types);
    }

    /** The consumer group: one per handler, so handlers progress and fail independently. */
    public String group() {
        return handler.name();
    }

    /** For logs and thread names: {@code handler@stream}. */
    public String name() {
        return handler.name() + "@" + stream;
    }
}
