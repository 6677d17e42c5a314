package dev.eventbus.runtime.dispatch;

import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.util.Set;
import org.slf4j.MDC;
import org.slf4j.spi.MDCAdapter;

/**
 * Puts the handler, plugin, stream, entry and event ids into the logging context (MDC) for the
 * call, so every line the handler logs carries them.
 *
 * <p>Afterwards the entry and event ids go, and so does every key the handler added; handler,
 * plugin and stream stay. A worker runs only its own subscription's events, so they stay true for
 * whatever it logs next, and the next call finds them set: Logback keeps its map instead of making
 * a fresh one per event (after a clear, five new map nodes, a table and a map each time: a quarter
 * of a no-op worker's samples in a cluster drain's profile). With another MDC adapter than
 * Logback's the context is cleared, as it cannot be read without a copy.
 */
final class LoggingContextStep implements HandlerCall.Step {

    /** The keys that stay after a call: the same for every event a worker runs. */
    private static final Set<String> SUBSCRIPTION_KEYS = Set.of("handler", "plugin", "stream");

    @Override
    public HandlerCall around(HandlerCall next) {
        return invocation -> {
            var handler = invocation.subscription().handler();
            try {
                MDC.put("handler", handler.name());
                MDC.put("plugin", handler.pluginId());
                MDC.put("stream", invocation.entry().stream());
                MDC.put("entry", invocation.entry().id());
                MDC.put("event", invocation.event().id());
                next.call(invocation);
            } finally {
                MDC.remove("entry");
                MDC.remove("event");
                if (!onlySubscriptionKeys(MDC.getMDCAdapter())) {
                    MDC.clear(); // the handler left keys of its own: they must not reach the next event
                }
            }
        };
    }

    private static boolean onlySubscriptionKeys(MDCAdapter adapter) {
        if (!(adapter instanceof LogbackMDCAdapter logback)) {
            return false;
        }
        Set<String> keys = logback.getKeys(); // the live key set, not a copy
        return keys == null || (keys.size() <= SUBSCRIPTION_KEYS.size() && SUBSCRIPTION_KEYS.containsAll(keys));
    }
}
