package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.RuntimeView;
import dev.eventbus.runtime.consumer.ReaderState;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.runtime.stream.Subscription;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code eventbus_runtime_ready} ({@link HealthChecks#readyButForPing}) says what {@code
 * /health/ready} says, but for its PING. Found from outside: with Redis stopped under a running
 * runtime, readiness answered 503 (every subscription failing: "Currently not connected") while the
 * gauge stayed 1, so an alert on it never fired; found in review: it stayed 1 through a shutdown's
 * grace too, while readiness said "stopping".
 */
class ReadyGaugeTest {

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
    private static RuntimeView runtime(boolean running, List<ReaderState> readers, List<PluginFailure> refused) {
        return runtime(running, readers, refused, "");
    }

    private static RuntimeView runtime(
            boolean running, List<ReaderState> readers, List<PluginFailure> refused, String ownership) {
        return (RuntimeView) Proxy.newProxyInstance(
                RuntimeView.class.getClassLoader(),
                new Class<?>[] {RuntimeView.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isReady" -> running;
                    case "readerStates" -> readers;
                    case "pluginFailures" -> refused;
                    case "ownershipFailure" -> ownership;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** Checks that never ask Redis (the gauge must not: it is read at every scrape). */
    private static HealthChecks checks(RuntimeView runtime, boolean requireAllPlugins) {
        return new HealthChecks(runtime, null, requireAllPlugins, () -> true, Duration.ofMinutes(1));
    }

    @Test
    void followsReadinessButForThePing() {
        List<ReaderState> fine = List.of(reader(""), reader(""));
        assertTrue(checks(runtime(true, fine, List.of()), true).readyButForPing());
        assertFalse(checks(runtime(false, fine, List.of()), true).readyButForPing(), "starting");

        HealthChecks stopping = checks(runtime(true, fine, List.of()), true);
        stopping.stopping();
        assertFalse(stopping.readyButForPing(), "in the shutdown's grace, as /health/ready says 'stopping'");

        List<ReaderState> redisGone =
                List.of(reader("RedisException: Currently not connected. Commands are rejected."), reader(""));
        assertFalse(
                checks(runtime(true, redisGone, List.of()), true).readyButForPing(),
                "a failing subscription (Redis stopped) is not ready, as /health/ready says");

        List<PluginFailure> refused = List.of(new PluginFailure("bad.jar", "bad", "no descriptor"));
        assertFalse(checks(runtime(true, fine, refused), true).readyButForPing());
        assertTrue(
                checks(runtime(true, fine, refused), false).readyButForPing(),
                "a refused plugin counts only with admin.ready-requires-all-plugins");
    }

    /**
     * An instance whose heartbeat Redis refuses owns no partition: neither ready nor counted so by
     * the gauge (found from outside: a user without +zadd, nothing handled, 200 UP and gauge 1).
     */
    @Test
    void aFailingHeartbeatIsNotReady() {
        List<ReaderState> fine = List.of(reader(""));
        assertFalse(checks(runtime(true, fine, List.of(), "the heartbeat in eventbus:instances fails"), true)
                .readyButForPing());
        assertTrue(checks(runtime(true, fine, List.of(), ""), true).readyButForPing());
    }

    @Test
    void readinessInTheShutdownAsksRedisNothing() {
        // No Redis at all in these checks: a PING would fail with a NullPointerException. The stop
        // closes the clients a PING connects with; asked then, Netty logged a stack trace per update.
        HealthChecks checks = checks(runtime(true, List.of(reader("")), List.of()), true);
        checks.stopping();
        HealthChecks.Result ready = checks.ready();
        assertFalse(ready.up());
        assertEquals("stopping", ready.checks().get("runtime"));
        assertEquals("not asked while stopping", ready.checks().get("redis"));
    }
}
