package dev.eventbus.runtime.it;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.Flag;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RedisExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What each integration test of a runtime stands on, registered as an instance field
 * ({@code @RegisterExtension final RuntimeFixture env = RuntimeFixture.on(REDIS)}): before each
 * test a flushed Redis, a plugins dir of its own, an order service (where the fixture handlers
 * report) and a Redis client to publish and inspect with. After it, the releases the test made are
 * raised, so no handler it held outlives it, then its runtimes are stopped and the rest closed.
 */
final class RuntimeFixture implements BeforeEachCallback, AfterEachCallback {

    private final RedisExtension redis;
    private boolean recorder;
    private Path dir;
    private Path plugins;
    private OrderServer orders;
    private Streams streams;
    private final List<Flag> releases = new ArrayList<>();
    private final List<EventbusRuntime> runtimes = new ArrayList<>();

    private RuntimeFixture(RedisExtension redis) {
        this.redis = redis;
    }

    static RuntimeFixture on(RedisExtension redis) {
        return new RuntimeFixture(redis);
    }

    /** Every test starts with the recorder plugin installed. */
    RuntimeFixture withRecorder() {
        recorder = true;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        redis.command("FLUSHALL");
        dir = Files.createTempDirectory("eventbus-it-");
        plugins = Files.createDirectories(dir.resolve("plugins"));
        orders = OrderServer.start(0);
        streams = new Streams(redis.uri());
        if (recorder) {
            installRecorder();
        }
    }

    /** Installs the recorder plugin ({@link RecordingHandler}, version 1.0.0). */
    void installRecorder() {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
    }

    Path plugins() {
        return plugins;
    }

    OrderServer orders() {
        return orders;
    }

    Streams streams() {
        return streams;
    }

    /** Starts a runtime consuming as {@code consumer}; {@code extra} overrides the test defaults. */
    EventbusRuntime start(String consumer, Map<String, ?> extra) {
        return start(consumer, extra, DeliveryObserver.NONE);
    }

    EventbusRuntime start(String consumer, Map<String, ?> extra, DeliveryObserver observer) {
        return startOn(redis.uri(), consumer, extra, observer);
    }

    /** As {@link #start(String, Map)}, connecting with {@code redisUri} (another user, say). */
    EventbusRuntime startOn(String redisUri, String consumer, Map<String, ?> extra) {
        return startOn(redisUri, consumer, extra, DeliveryObserver.NONE);
    }

    private EventbusRuntime startOn(String redisUri, String consumer, Map<String, ?> extra, DeliveryObserver observer) {
        EventbusRuntime runtime = TestRuntimes.start(redisUri, plugins, orders, consumer, extra, observer);
        runtimes.add(runtime);
        return runtime;
    }

    String publish(String stream, Map<String, String> fields) {
        return streams.publish(stream, fields);
    }

    /** A lowered flag of this test's own (see {@link RecordingHandler} for what steers by one). */
    Flag flag(String name) {
        return Flag.in(dir.resolve("flags"), name);
    }

    /** A flag that keeps handlers held (or hung) until the test raises it, or the test ends. */
    Flag release(String name) {
        Flag release = flag(name);
        releases.add(release);
        return release;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        releases.forEach(Flag::raise);
        runtimes.forEach(EventbusRuntime::stop);
        streams.close();
        orders.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
