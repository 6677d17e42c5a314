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
 * <p>With Logback (this build's), the entry and event ids are written straight into the thread's
 * live context map, and Logback's read-only copy of it (made only when a line is logged) is
 * dropped when there is one: through {@code MDC.put}/{@code remove} each of the four writes was
 * a thread-local lookup and a thread-local write, the largest part of a no-op handler's call.
 * The map and the copy are Logback fields, not API; when they cannot be read (another Logback,
 * another MDC adapter) the step goes through {@code MDC}, reading the keys left through Logback's
 * copy of them, or clears the context after every call.
 */
final class LoggingContextStep implements HandlerCall.Step {

    /** The keys that stay after a call: the same for every event a worker runs. */
    private static final int SUBSCRIPTION_KEYS = 3;

    /** The live map of the calling thread's context, or null when it cannot be read. */
    private final ThreadLocal<Map<String, String>> live;

    /**
     * Logback's read-only copy of the live map, made when a line is logged and kept until the
     * context changes; null when it cannot be read (then {@link #live} is not written directly).
     */
    private final ThreadLocal<Map<String, String>> copy;

    private final MDCAdapter adapter;

    LoggingContextStep() {
        this(MDC.getMDCAdapter());
    }

    LoggingContextStep(MDCAdapter adapter) {
        this.adapter = adapter;
        ThreadLocal<Map<String, String>> liveMap = threadMapOf(adapter, "readWriteThreadLocalMap");
        ThreadLocal<Map<String, String>> copyOfIt = threadMapOf(adapter, "readOnlyThreadLocalMap");
        this.live = liveMap;
        this.copy = liveMap != null ? copyOfIt : null;
    }

    /** Whether the live map is read (true with this build's Logback; a test fails when an upgrade breaks it). */
    boolean readsTheLiveMap() {
        return live != null;
    }

    /** Whether the entry and event ids are written into the live map directly (true with this build's Logback). */
    boolean writesTheLiveMap() {
        return copy != null;
    }

    @Override
    public HandlerCall around(HandlerCall next) {
        return copy != null
                ? invocation -> callWritingTheLiveMap(next, invocation)
                : invocation -> {
                    var handler = invocation.subscription().handler();
                    String stream = invocation.entry().stream();
                    try {
                        if (!named(live == null ? null : live.get(), handler.name(), handler.pluginId(), stream)) {
                            nameSubscription(handler.name(), handler.pluginId(), stream);
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

    /** The same steps as through {@code MDC}, with the per-event writes made to Logback's live map. */
    private void callWritingTheLiveMap(HandlerCall next, Invocation invocation) throws Throwable {
        var handler = invocation.subscription().handler();
        String stream = invocation.entry().stream();
        try {
            Map<String, String> map = live.get();
            if (!named(map, handler.name(), handler.pluginId(), stream)) {
                nameSubscription(handler.name(), handler.pluginId(), stream);
                map = live.get(); // a new worker had none: the puts made it
            }
            map.put("entry", invocation.entry().id());
            map.put("event", invocation.event().id());
            dropStaleCopy();
            next.call(invocation);
        } finally {
            Map<String, String> map = live.get(); // the handler may have cleared or replaced it
            if (map != null) {
                map.remove("entry");
                map.remove("event");
            }
            if (map != null && !(map.size() == SUBSCRIPTION_KEYS && ours(map.keySet()))) {
                MDC.clear(); // the handler left keys of its own: they must not reach the next event
            } else {
                dropStaleCopy(); // a line logged during the call made one, with the entry and event in it
            }
        }
    }

    /** Logback logs from its copy of the live map: one made before a direct write is stale. */
    private void dropStaleCopy() {
        if (copy.get() != null) {
            copy.set(null);
        }
    }

    private static void nameSubscription(String handler, String plugin, String stream) {
        MDC.put("handler", handler);
        MDC.put("plugin", plugin);
        MDC.put("stream", stream);
    }

    /** Whether the thread's context names this subscription already (the worker's previous call). */
    private static boolean named(Map<String, String> map, String handler, String plugin, String stream) {
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

    /** One of Logback's thread-local maps, or null when it cannot be read. */
    @SuppressWarnings("unchecked")
    private static ThreadLocal<Map<String, String>> threadMapOf(MDCAdapter adapter, String field) {
        // The step writes through MDC's own adapter: the maps must be that adapter's.
        if (!(adapter instanceof LogbackMDCAdapter) || adapter != MDC.getMDCAdapter()) {
            return null;
        }
        try {
            Field f = LogbackMDCAdapter.class.getDeclaredField(field);
            f.setAccessible(true);
            return f.get(adapter) instanceof ThreadLocal<?> t ? (ThreadLocal<Map<String, String>>) t : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // through MDC instead
        }
    }
}
