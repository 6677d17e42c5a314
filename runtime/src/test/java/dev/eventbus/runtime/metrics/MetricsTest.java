package dev.eventbus.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.Event;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import io.grpc.Status;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void namesCarryLabelsAndSurviveAnyStreamName() {
        String name = MetricNames.name(MetricNames.HANDLED, "handler", "h.1", "stream", "a,b=c[d]%e");
        assertEquals("eventbus.handler.handled[handler=h.1,stream=a%2Cb%3Dc%5Bd%5D%25e]", name);
        MetricNames.Parsed parsed = MetricNames.parse(name);
        assertEquals(MetricNames.HANDLED, parsed.family());
        assertEquals(Map.of("handler", "h.1", "stream", "a,b=c[d]%e"), parsed.labels());
        assertEquals("eventbus_handler_handled", parsed.prometheusName());
        assertEquals(
                "eventbus_handler_handled_total",
                MetricNames.parse(name + "_total").prometheusName());
        assertEquals(
                "jvm_memory_heap_used",
                MetricNames.parse("jvm.memory.heap.used").prometheusName());
        assertEquals(
                Map.of(), MetricNames.parse("jvm.gc.G1-Young-Generation.count").labels());
    }

    private static Subscription subscription(String handler, String stream) {
        LoadedHandler h = new LoadedHandler(
                null,
                HandlerSpec.named(handler).consumes(stream, "t"),
                "plug",
                "1.0",
                MetricsTest.class.getClassLoader(),
                ConfigFactory.empty());
        return new Subscription(h, stream, Set.of("t"));
    }

    private static Event event(String stream, String entryId) {
        return new Event(stream, entryId, 1, entryId, "t", null, null, null, null, null, new byte[0], Map.of());
    }

    private static String exposition(MetricRegistry registry) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, new PrometheusExposition(registry).collect());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void deliveryOutcomesAreCountedPerSubscriptionAndExportedWithLabels() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        Clock clock = Clock.fixed(Instant.ofEpochMilli(10_000), ZoneOffset.UTC);
        DeliveryMetrics metrics = new DeliveryMetrics(registry, clock);
        Subscription a = subscription("alpha", "s1");
        Subscription b = subscription("beta", "s1");
        for (int i = 0; i < 3; i++) {
            metrics.handled(a, event("s1", "7500-" + i), TimeUnit.MILLISECONDS.toNanos(20));
        }
        metrics.handled(b, event("s1", "9000-0"), 1_000);
        metrics.failed(b, event("s1", "9000-1"), new RuntimeException("x"));
        metrics.retryScheduled(b, null, Duration.ofSeconds(1));
        metrics.deadLettered(
                b, new StreamEntry("s1", "9000-1", Map.of(), 1, StreamEntry.Origin.NEW), DeadLetterReason.DECODE);
        metrics.deadLettered(
                b, new StreamEntry("s1", "9000-2", Map.of(), 1, StreamEntry.Origin.NEW), DeadLetterReason.TRIMMED);
        metrics.skipped(a, event("s1", "9000-3"));

        String text = exposition(registry);
        assertTrue(
                text.contains("eventbus_handler_handled_total{handler=\"alpha\",plugin=\"plug\",stream=\"s1\"} 3.0"),
                text);
        assertTrue(
                text.contains("eventbus_handler_handled_total{handler=\"beta\",plugin=\"plug\",stream=\"s1\"} 1.0"),
                text);
        assertTrue(
                text.contains("eventbus_handler_failed_total{handler=\"beta\",plugin=\"plug\",stream=\"s1\"} 1.0"),
                text);
        assertTrue(
                text.contains("eventbus_handler_retried_total{handler=\"beta\",plugin=\"plug\",stream=\"s1\"} 1.0"),
                text);
        assertTrue(
                text.contains(
                        "eventbus_handler_dead_lettered_total{handler=\"beta\",plugin=\"plug\",reason=\"decode\",stream=\"s1\"} 1.0"),
                text);
        assertTrue(
                text.contains(
                        "eventbus_handler_dead_lettered_total{handler=\"beta\",plugin=\"plug\",reason=\"handler-error\",stream=\"s1\"} 0.0"),
                text);
        assertTrue(
                text.contains("eventbus_handler_trimmed_total{handler=\"beta\",plugin=\"plug\",stream=\"s1\"} 1.0"),
                text);
        assertTrue(
                text.contains("eventbus_handler_skipped_total{handler=\"alpha\",plugin=\"plug\",stream=\"s1\"} 1.0"),
                text);
        assertTrue(
                text.contains(
                        "eventbus_handler_handling_seconds_count{handler=\"alpha\",plugin=\"plug\",stream=\"s1\"} 3"),
                text);
        // One meter counts handled events for all three: each of the three is counted once.
        assertTrue(
                text.contains(
                        "eventbus_handler_event_age_seconds_count{handler=\"alpha\",plugin=\"plug\",stream=\"s1\"} 3"),
                text);
        // Event age: the clock says 10 s, the entries were appended at 7.5 s.
        assertTrue(
                text.contains(
                        "eventbus_handler_event_age_seconds{handler=\"alpha\",plugin=\"plug\",stream=\"s1\",quantile=\"0.5\"} 2.5"),
                text);
        assertEquals(
                1,
                text.lines()
                        .filter(l -> l.startsWith("# TYPE eventbus_handler_handled"))
                        .count(),
                "one family, several series: " + text);
    }

    @Test
    void grpcCallsAreCountedByMethodAndStatus() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        GrpcClientMetrics grpc = new GrpcClientMetrics(registry);
        grpc.record("orders.v1.OrderService/MarkPaid", Status.Code.OK, 1_000_000);
        grpc.record("orders.v1.OrderService/MarkPaid", Status.Code.OK, 3_000_000);
        grpc.record("orders.v1.OrderService/MarkPaid", Status.Code.UNAVAILABLE, 1_000_000);
        String text = exposition(registry);
        assertTrue(
                text.contains(
                        "eventbus_grpc_client_calls_total{method=\"orders.v1.OrderService/MarkPaid\",status=\"OK\"} 2.0"),
                text);
        assertTrue(
                text.contains(
                        "eventbus_grpc_client_calls_total{method=\"orders.v1.OrderService/MarkPaid\",status=\"UNAVAILABLE\"} 1.0"),
                text);
        assertTrue(
                text.contains(
                        "eventbus_grpc_client_latency_seconds_count{method=\"orders.v1.OrderService/MarkPaid\"} 3"),
                text);
    }

    @Test
    void jvmMetricsAreRegistered() throws Exception {
        EventbusMetrics metrics = new EventbusMetrics(
                new dev.eventbus.runtime.config.MetricsSettings(Duration.ofSeconds(1), true, false), Clock.systemUTC());
        String text = exposition(metrics.registry());
        assertTrue(text.contains("jvm_memory_heap_used "), text);
        assertTrue(text.contains("jvm_threads_count "), text);
        assertTrue(List.of(text.split("\n")).stream().anyMatch(l -> l.startsWith("jvm_gc_")), text);
        metrics.close();
    }
}
