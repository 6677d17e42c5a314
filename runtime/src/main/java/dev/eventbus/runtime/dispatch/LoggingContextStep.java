package dev.eventbus.runtime.dispatch;

import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.MDC;
import org.slf4j.spi.MDCAdapter;

/**
 * Puts the handler, plugin, stream, entry and event ids into the logging context (MDC) for the
 * call, so every line the handler logs carries them.
 *
 * <p>Afterwards the entry and event ids go, and so does every key the handler added; handler,
 * plugin and stream stay. A worker runs only its own subscription's events, so they stay true for
 * whatever it logs next, and the next call finds them set and does not put them again.
 *
 * <p>Whether the handler left keys of its own is read from Logback's live map of the thread: its
 * public {@code getKeys()} copies the map (a new map per event: in the no-op drain's profile that
 * copy and the puts around it were a third of the workers' samples). The live map is a Logback
 * field, not API; when it cannot be read (another Logback, another MDC adapter) the step reads
 * the keys through the copy, or clears the context after every call.
 */
final class LoggingContextStep implements HandlerCall.Step {

    /** The keys that stay after a call: the same for every event a worker runs. */
    private static final int SUBSCRIPTION_KEYS = 3;

    /** The live map of the calling thread's context, or null when it cannot be read. */
    private final ThreadLocal<Map<String, String>> live;

    private final MDCAdapter adapter;

    LoggingContextStep() {
        this(MDC.getMDCAdapter());
    }

    LoggingContextStep(MDCAdapter adapter) {
        this.adapter = adapter;
        this.live = liveMapOf(adapter);
    }

    /** Whether the live map is read (true with this build's Logback; a test fails when an upgrade breaks it). */
    boolean readsTheLiveMap() {
        return live != null;
    }

    @Override
    public HandlerCall around(HandlerCall next) {
        return invocation -> {
            var handler = invocation.subscription().handler();
            String stream = invocation.entry().stream();
            try {
                if (!named(handler.name(), handler.pluginId(), stream)) {
                    MDC.put("handler", handler.name());
                    MDC.put("plugin", handler.pluginId());
                    MDC.put("stream", stream);
                }
                MDC.put("entry", invocation.entry().id());
                MDC.put("event", invocation.event().id());
                next.call(invocation);
            } finally {
                MDC.remove("entry");
                MDC.remove("event");
                if (!onlySubscriptionKeys()) {
                    MDC.clear(); // the handler left keys of its own: they must not reach the next event
                }
            }
        };
    }

    /** Whether the thread's context names this subscription already (the worker's previous call). */
    private boolean named(String handler, String plugin, String stream) {
        Map<String, String> map = live == null ? null : live.get();
        return map != null
                && map.size() == SUBSCRIPTION_KEYS
                && handler.equals(map.get("handler"))
                && Objects.equals(plugin, map.get("plugin"))
                && stream.equals(map.get("stream"));
    }

    private boolean onlySubscriptionKeys() {
        if (live != null) {
            Map<String, String> map = live.get();
            return map == null || map.size() == SUBSCRIPTION_KEYS && ours(map.keySet());
        }
        if (adapter instanceof LogbackMDCAdapter logback) {
            Set<String> keys = logback.getKeys(); // a copy
            return keys == null || keys.size() == SUBSCRIPTION_KEYS && ours(keys);
        }
        return false;
    }

    /** Whether three keys are the subscription's: looked up, as walking a hash map's keys costs more. */
    private static boolean ours(Set<String> keys) {
        return keys.contains("handler") && keys.contains("plugin") && keys.contains("stream");
    }

    @SuppressWarnings("unchecked")
    private static ThreadLocal<Map<String, String>> liveMapOf(MDCAdapter adapter) {
        // The step writes through MDC's own adapter: the live map must be that adapter's.
        if (!(adapter instanceof LogbackMDCAdapter) || adapter != MDC.getMDCAdapter()) {
            return null;
        }
        try {
            Field f = LogbackMDCAdapter.class.getDeclaredField("readWriteThreadLocalMap");
            f.setAccessible(true);
            return f.get(adapter) instanceof ThreadLocal<?> t ? (ThreadLocal<Map<String, String>>) t : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // read through the copy instead
        }
    }
}
