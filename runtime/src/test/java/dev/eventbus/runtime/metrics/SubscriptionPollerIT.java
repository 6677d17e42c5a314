package dev.eventbus.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.testkit.RedisExtension;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The poller's gauges against a real Redis, where pending, lag and the rest are set up by hand. */
class SubscriptionPollerIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @BeforeEach
    void flush() {
        REDIS.command("FLUSHALL");
    }

    @Test
    void gaugesFollowRedis() throws Exception {
        REDIS.command("XGROUP", "CREATE", "orders.v2", "h1", "$", "MKSTREAM");
        for (int i = 0; i < 3; i++) {
            REDIS.command("XADD", "orders.v2", "*", "type", "t", "subject", "s" + i);
        }
        REDIS.command("XREADGROUP", "GROUP", "h1", "c1", "COUNT", "2", "STREAMS", "orders.v2", ">");
        REDIS.command("ZADD", "eventbus:retry:h1:orders.v2", "1", "0-1");
        REDIS.command("XADD", "eventbus:dlq:h1", "*", "eventbus-reason", "decode");
        Thread.sleep(30);

        RedisSettings redis = redisAt(REDIS.uri());
        MetricRegistry registry = new MetricRegistry();
        Subscription sub = subscription();
        try (FailFastRedis ops = new FailFastRedis(redis);
                SubscriptionPoller poller = new SubscriptionPoller(
                        registry,
                        new StatusReader(ops, "eventbus:dlq:", Clock.systemUTC()),
                        () -> true,
                        () -> List.of(sub),
                        Duration.ofMinutes(1))) {
            poller.pollOnce();
            String labels = "[handler=h1,stream=orders.v2]";
            assertEquals(2L, gauge(registry, MetricNames.PENDING + labels));
            assertEquals(1.0, gauge(registry, MetricNames.LAG + labels));
            assertEquals(1L, gauge(registry, MetricNames.RETRIES_SCHEDULED + labels));
            assertEquals(1L, gauge(registry, MetricNames.CONSUMERS + labels));
            // the retry was due long ago: lag 1 + all 2 pending are work an instance can take now
            assertEquals(3.0, gauge(registry, MetricNames.WORKABLE + labels));
            assertEquals(1L, gauge(registry, MetricNames.DEAD_LETTERS + "[handler=h1]"));
            double age = (Double) gauge(registry, MetricNames.OLDEST_PENDING_AGE + labels);
            assertTrue(age >= 0.02 && age < 60, "oldest pending age in seconds: " + age);

            REDIS.command("XACK", "orders.v2", "h1", firstPending());
            REDIS.command("DEL", "eventbus:dlq:h1");
            REDIS.command("ZADD", "eventbus:retry:h1:orders.v2", String.valueOf(Long.MAX_VALUE / 2), firstPending());
            poller.pollOnce();
            assertEquals(1L, gauge(registry, MetricNames.PENDING + labels));
            // the one pending entry now waits for a retry due in the far future: only the lag counts
            assertEquals(1.0, gauge(registry, MetricNames.WORKABLE + labels));
            assertEquals(0L, gauge(registry, MetricNames.DEAD_LETTERS + "[handler=h1]"));

            ByteArrayOutputStream text = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create().write(text, new PrometheusExposition(registry).collect());
            String exposition = text.toString(StandardCharsets.UTF_8);
            assertTrue(
                    exposition.contains("eventbus_subscription_pending{handler=\"h1\",stream=\"orders.v2\"} 1.0"),
                    exposition);
            assertTrue(
                    exposition.contains("eventbus_subscription_lag{handler=\"h1\",stream=\"orders.v2\"} 1.0"),
                    exposition);
        }
    }

    /**
     * The gauges beside the subscriptions (where each stream lives, from the client's own view) are
     * updated even when the subscriptions cannot be read: a failover that fails those reads is when
     * they matter. They were skipped with the rest of a failed poll, and froze for the outage.
     */
    @Test
    void theGaugesBesideTheSubscriptionsAreUpdatedWhenTheSubscriptionsCannotBeRead() {
        RedisSettings down = redisAt("redis://127.0.0.1:1");
        Subscription sub = subscription();
        java.util.concurrent.atomic.AtomicInteger besides = new java.util.concurrent.atomic.AtomicInteger();
        try (FailFastRedis ops = new FailFastRedis(down);
                SubscriptionPoller poller = new SubscriptionPoller(
                        new MetricRegistry(),
                        new StatusReader(ops, "eventbus:dlq:", Clock.systemUTC()),
                        () -> true,
                        () -> List.of(sub),
                        Duration.ofMinutes(1),
                        s -> false,
                        key -> Optional.empty(),
                        besides::incrementAndGet)) {
            poller.pollOnce(); // the read fails: logged, counted
            assertEquals(1, besides.get(), "the gauges beside the subscriptions were updated");
        }
    }

    /**
     * After a failover the promoted replica's entries-read counter can trail the stream's count:
     * Redis then reports a lag for a group that read everything (from outside: LAG 94, state
     * behind). Set up here with XGROUP SETID ... ENTRIESREAD; the status says 0 and ok.
     */
    @Test
    void aGroupThatReadEverythingHasNoLagWhateverRedisCountsAndOneThatDidNotKeepsIt() throws Exception {
        REDIS.command("XGROUP", "CREATE", "orders.v2", "h1", "$", "MKSTREAM");
        for (int i = 0; i < 5; i++) {
            REDIS.command("XADD", "orders.v2", "*", "type", "t");
        }
        REDIS.command("XREADGROUP", "GROUP", "h1", "c1", "STREAMS", "orders.v2", ">");
        for (Object entry : (List<?>) REDIS.command("XRANGE", "orders.v2", "-", "+")) {
            REDIS.command("XACK", "orders.v2", "h1", String.valueOf(((List<?>) entry).get(0)));
        }
        String last = String.valueOf(
                ((List<?>) ((List<?>) REDIS.command("XREVRANGE", "orders.v2", "+", "-", "COUNT", "1")).get(0)).get(0));
        REDIS.command("XGROUP", "SETID", "orders.v2", "h1", last, "ENTRIESREAD", "2");
        RedisSettings redis = redisAt(REDIS.uri());
        try (FailFastRedis ops = new FailFastRedis(redis)) {
            StatusReader reader = new StatusReader(ops, "eventbus:dlq:", Clock.systemUTC());
            assertEquals(3L, ((Number) groupField("lag")).longValue(), "Redis counts a lag");
            var status = reader.of("h1", "orders.v2").orElseThrow();
            assertEquals(0, status.lag());
            assertEquals("ok", status.state());

            REDIS.command("XADD", "orders.v2", "*", "type", "t"); // one unread entry now
            status = reader.of("h1", "orders.v2").orElseThrow();
            assertEquals(4, status.lag(), "Redis's figure, high as it may be");
            assertEquals("behind", status.state());
        }
    }

    private static Object groupField(String name) {
        List<?> group = (List<?>) ((List<?>) REDIS.command("XINFO", "GROUPS", "orders.v2")).get(0);
        for (int i = 0; i + 1 < group.size(); i += 2) {
            if (name.equals(String.valueOf(group.get(i)))) {
                return group.get(i + 1);
            }
        }
        throw new AssertionError("no " + name + " in " + group);
    }

    private static String firstPending() {
        Object reply = REDIS.command("XPENDING", "orders.v2", "h1", "-", "+", "1");
        return String.valueOf(((List<?>) ((List<?>) reply).get(0)).get(0));
    }

    private static Object gauge(MetricRegistry registry, String name) {
        Gauge<?> g = registry.getGauges().get(name);
        if (g == null) {
            throw new AssertionError(
                    "no gauge " + name + " in " + registry.getGauges().keySet());
        }
        return g.getValue();
    }

    private static RedisSettings redisAt(String uri) {
        return ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(Map.of("eventbus.redis.uri", uri)))
                .redis();
    }

    /** Handler h1's subscription to orders.v2 (type t). */
    private Subscription subscription() {
        LoadedHandler handler = new LoadedHandler(
                null,
                HandlerSpec.named("h1").consumes("orders.v2", "t"),
                "p1",
                "1.0",
                getClass().getClassLoader(),
                ConfigFactory.empty());
        return new Subscription(handler, "orders.v2", Set.of("t"));
    }
}
