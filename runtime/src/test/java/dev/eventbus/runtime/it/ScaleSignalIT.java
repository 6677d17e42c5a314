package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.MetricsSettings;
import dev.eventbus.runtime.fixtures.Flag;
import dev.eventbus.runtime.metrics.EventbusMetrics;
import dev.eventbus.runtime.metrics.MetricNames;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.rpc.Circuit;
import dev.eventbus.testkit.RedisExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scale signal ({@code eventbus_subscription_workable}) on a running runtime: with the service
 * up it counts the backlog; with the service down and its circuit open it stays 0 while the lag
 * grows, so an autoscaler fed it does not add instances that could only wait too.
 */
class ScaleSignalIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private static final PartitionedStream STREAM = new PartitionedStream("it-stream", 2);

    @Test
    void signalCountsTheBacklogWhileTheServiceIsUpAndStaysFlatWhileItsCircuitIsOpen() throws Exception {
        EventbusRuntime runtime = env.start(
                "scale-1",
                Map.of(
                        "eventbus.streams.it-stream.partitions", 2,
                        "eventbus.handler-defaults.max-in-flight", 1,
                        "eventbus.handler-defaults.timeout", "60s",
                        "eventbus.handler-defaults.retry.max-attempts", 1000,
                        "eventbus.handler-defaults.retry.backoff.initial", "50ms",
                        "eventbus.handler-defaults.retry.backoff.max", "200ms",
                        "eventbus.recovery.retry-poll-interval", "20ms",
                        "eventbus.grpc.circuit-breaker.failure-threshold", 3,
                        "eventbus.grpc.circuit-breaker.open-for", "10m",
                        "eventbus.grpc.services.\"orders.v1.OrderService\".deadline", "300ms"));
        EventbusMetrics metrics =
                new EventbusMetrics(new MetricsSettings(Duration.ofMinutes(10), false, false), Clock.systemUTC());
        try (FailFastRedis redis = new FailFastRedis(runtime.config().redis())) {
            metrics.start(runtime.view(), new StatusReader(redis, "eventbus:dlq:", Clock.systemUTC()));

            // Service up, each partition's one worker held by its first event: nothing is acknowledged,
            // so every published event is work that more instances could take.
            Flag hold = env.release("hold");
            int perPartition = 15;
            for (int p = 0; p < 2; p++) {
                String key = STREAM.key(p);
                env.publish(key, Map.of("type", "it.recorded", "subject", "held-" + p, "hold", hold.path()));
                for (int i = 1; i < perPartition; i++) {
                    env.publish(key, Map.of("type", "it.recorded", "subject", "s-" + p + "-" + i));
                }
            }
            Streams.await(
                    "both held events in flight",
                    Duration.ofSeconds(10),
                    () -> env.streams().pending(STREAM.key(0), "recorder") > 0
                            && env.streams().pending(STREAM.key(1), "recorder") > 0);
            metrics.pollNow();
            for (int p = 0; p < 2; p++) {
                assertEquals(
                        (double) perPartition,
                        gauge(metrics, MetricNames.WORKABLE, STREAM.key(p)),
                        "partition " + p + ": lag plus pending, nothing waits on a circuit or a retry");
            }
            assertEquals(2.0 * perPartition, gauge(metrics, MetricNames.LOGICAL_WORKABLE, "it-stream"));
            assertEquals(0, env.orders().appliedCount());

            // Service down: the held events fail, the next ones too, the circuit opens.
            env.orders().stop();
            hold.raise();
            Streams.await(
                    "circuit open",
                    Duration.ofSeconds(20),
                    () -> runtime.view().circuits().stream().anyMatch(c -> c.state() == Circuit.State.OPEN));
            metrics.pollNow();
            double lagBefore = gauge(metrics, MetricNames.LOGICAL_LAG, "it-stream");
            double backlogBefore = lagBefore + gauge(metrics, MetricNames.LOGICAL_PENDING, "it-stream");
            assertEquals(0.0, gauge(metrics, MetricNames.LOGICAL_WORKABLE, "it-stream"));
            for (int i = 0; i < 100; i++) {
                String subject = "late-" + i;
                env.publish(STREAM.keyOf(subject), Map.of("type", "it.recorded", "subject", subject));
            }
            metrics.pollNow();
            double lag = gauge(metrics, MetricNames.LOGICAL_LAG, "it-stream");
            double backlog = lag + gauge(metrics, MetricNames.LOGICAL_PENDING, "it-stream");
            assertEquals(backlogBefore + 100, backlog, "nothing handled while the service is down");
            assertTrue(lag > lagBefore, "the lag grows while the circuit is open: " + lagBefore + " -> " + lag);
            assertEquals(0.0, gauge(metrics, MetricNames.LOGICAL_WORKABLE, "it-stream"), "the signal does not");
            for (int p = 0; p < 2; p++) {
                assertEquals(0.0, gauge(metrics, MetricNames.WORKABLE, STREAM.key(p)));
            }
            assertEquals(0L, env.streams().redis().xlen("eventbus:dlq:recorder"), "nothing dead-lettered meanwhile");
        } finally {
            metrics.close();
        }
    }

    private static double gauge(EventbusMetrics metrics, String family, String stream) {
        String name = MetricNames.name(family, MetricNames.L_HANDLER, "recorder", MetricNames.L_STREAM, stream);
        Gauge<?> g = metrics.registry().getGauges().get(name);
        if (g == null) {
            throw new AssertionError(
                    "no gauge " + name + " in " + metrics.registry().getGauges().keySet());
        }
        return ((Number) g.getValue()).doubleValue();
    }
}
