package dev.eventbus.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.RuntimeView;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.consumer.ReaderState;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.runtime.stream.Subscription;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code eventbus_runtime_ready} says what {@code /health/ready} says, but for its PING. Found from
 * outside: with Redis stopped under a running runtime, readiness answered 503 (every subscription
 * failing: "Currently not connected") while the gauge stayed 1, so an alert on it never fired.
 */
class ReadyGaugeTest {

    private static final RuntimeConfig ALL_PLUGINS = ConfigLoader.load(Optional.empty());
    private static final RuntimeConfig ADMITTED_ONES = ConfigLoader.load(
            Optional.empty(), ConfigFactory.parseString("eventbus.admin.ready-requires-all-plugins = false"));

    private static ReaderState reader(String failure) {
        LoadedHandler h = new LoadedHandler(
                null,
                HandlerSpec.named("h").consumes("s", "t"),
                "plug",
                "1.0",
                ReadyGaugeTest.class.getClassLoader(),
                ConfigFactory.empty());
        ReaderState state = new ReaderState(new Subscription(h, "s", Set.of("t")), ReaderState.Phase.READING, 0, 8);
        return failure.isEmpty() ? state : state.failing(failure);
    }

    /** A runtime view answering only what the gauge asks. */
    private static RuntimeView runtime(
            boolean running, List<ReaderState> readers, List<PluginFailure> refused, RuntimeConfig config) {
        return (RuntimeView) Proxy.newProxyInstance(
                RuntimeView.class.getClassLoader(),
                new Class<?>[] {RuntimeView.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isReady" -> running;
                    case "readerStates" -> readers;
                    case "pluginFailures" -> refused;
                    case "config" -> config;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void followsReadinessButForThePing() {
        List<ReaderState> fine = List.of(reader(""), reader(""));
        assertTrue(EventbusMetrics.ready(runtime(true, fine, List.of(), ALL_PLUGINS)));
        assertFalse(EventbusMetrics.ready(runtime(false, fine, List.of(), ALL_PLUGINS)), "starting or stopping");

        List<ReaderState> redisGone =
                List.of(reader("RedisException: Currently not connected. Commands are rejected."), reader(""));
        assertFalse(
                EventbusMetrics.ready(runtime(true, redisGone, List.of(), ALL_PLUGINS)),
                "a failing subscription (Redis stopped) is not ready, as /health/ready says");

        List<PluginFailure> refused = List.of(new PluginFailure("bad.jar", "bad", "no descriptor"));
        assertFalse(EventbusMetrics.ready(runtime(true, fine, refused, ALL_PLUGINS)));
        assertTrue(
                EventbusMetrics.ready(runtime(true, fine, refused, ADMITTED_ONES)),
                "a refused plugin counts only with admin.ready-requires-all-plugins");
    }
}
