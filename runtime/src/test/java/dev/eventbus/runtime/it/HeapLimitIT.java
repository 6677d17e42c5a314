package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.SecondRecordingHandler;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reported case, for real: 60 entries of 8 MB on a stream two handlers subscribe to, consumed
 * by a runtime in its own JVM with {@code -Xmx512m} ({@link ChildRuntime}). With the byte budget
 * the runtime never runs out of heap, handles or dead-letters every entry for both handlers, and
 * is still live; without it (read-ahead-bytes unbounded) each reader reads every entry at once.
 */
class HeapLimitIT {

    /** Generous: a wait returns as soon as its condition holds, and CI machines may be slow. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final int ENTRIES = 60;
    private static final int ENTRY_BYTES = 8 << 20;
    private static final List<String> HANDLERS = List.of("recorder", "recorder-2");

    @TempDir
    Path dir;

    private OrderServer orders;
    private Streams streams;
    private Process child;
    private Path output;

    @BeforeEach
    void setUp() throws Exception {
        REDIS.command("FLUSHALL");
        orders = OrderServer.start(0);
        streams = new Streams(REDIS.uri());
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        new PluginJarBuilder("recorder-2")
                .version("1.0.0")
                .addClass(RecordingHandler.class)
                .extension(SecondRecordingHandler.class)
                .build(plugins);
        String data = "x".repeat(ENTRY_BYTES);
        for (int i = 0; i < ENTRIES; i++) {
            streams.publish("it-stream", Map.of("type", "it.recorded", "subject", "big-" + i, "data", data));
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        streams.close();
        orders.close();
    }

    @Test
    void entriesWithinMaxEventBytesAreHandledByBothHandlersInA512MiBHeap() throws Exception {
        startChild("eventbus.consumer.max-event-bytes=16MiB");
        awaitWhileLive(
                "every entry handled by both handlers",
                () -> orders.distinctKeys().size() == 2 * ENTRIES);
        awaitNothingPending();
        assertLiveWithoutOutOfMemory();
        assertEquals(
                0,
                streams.redis().xlen("eventbus:dlq:recorder") + streams.redis().xlen("eventbus:dlq:recorder-2"));
    }

    @Test
    void entriesOverMaxEventBytesAreDeadLetteredTooLargeByBothHandlersInA512MiBHeap() throws Exception {
        startChild("eventbus.consumer.max-event-bytes=1MiB");
        awaitWhileLive(
                "every entry dead-lettered by both handlers",
                () -> HANDLERS.stream().allMatch(h -> streams.redis().xlen("eventbus:dlq:" + h) == ENTRIES));
        awaitNothingPending();
        assertLiveWithoutOutOfMemory();
        assertEquals(0, orders.calls().size());
        for (String h : HANDLERS) {
            for (StreamMessage<String, String> letter :
                    streams.redis().xrange("eventbus:dlq:" + h, Range.create("-", "+"))) {
                assertEquals("too-large", letter.getBody().get("eventbus-reason"));
                assertFalse(letter.getBody().containsKey("data"), "the payload is not copied into the dead letter");
            }
        }
    }

    private void startChild(String... settings) throws IOException {
        output = dir.resolve("child.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                ChildRuntime.class.getName(),
                "eventbus.redis.uri=" + REDIS.uri(),
                "eventbus.plugins-dir=" + dir.resolve("plugins"),
                "eventbus.consumer-name=child-1",
                "eventbus.grpc.services.\"orders.v1.OrderService\".target=" + orders.target()));
        command.addAll(List.of(settings));
        child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
    }

    private void awaitWhileLive(String what, BooleanSupplier condition) throws InterruptedException {
        Streams.await(what, Duration.ofSeconds(180), () -> {
            if (!child.isAlive()) {
                throw new AssertionError(
                        "the runtime exited (" + child.exitValue() + ") before: " + what + "\n" + tail());
            }
            return condition.getAsBoolean();
        });
    }

    private void awaitNothingPending() throws InterruptedException {
        awaitWhileLive("nothing pending", () -> HANDLERS.stream().allMatch(h -> streams.pending("it-stream", h) == 0));
    }

    private void assertLiveWithoutOutOfMemory() throws InterruptedException {
        Streams.await("a status line after the work", WAIT, () -> lastStatus().contains("readers-alive="));
        assertTrue(child.isAlive(), tail());
        assertFalse(log().contains("OutOfMemoryError"), tail());
        assertTrue(lastStatus().contains("readers-alive=true"), lastStatus());
        assertTrue(lastStatus().contains("ready=true"), lastStatus());
    }

    private String lastStatus() {
        List<String> lines = log().lines().filter(l -> l.startsWith("live ")).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private String log() {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String tail() {
        String log = log();
        return log.substring(Math.max(0, log.length() - 4000));
    }
}
