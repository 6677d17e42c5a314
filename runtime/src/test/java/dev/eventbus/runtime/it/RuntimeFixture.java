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
import java.util.List;
import java.util.Map;

/**
 * What one integration test of a runtime stands on: a flushed Redis, a plugins dir, an order
 * service (where the fixture handlers report), a Redis client to publish and inspect with, and the
 * runtimes and flags the test makes. One per test; {@link #close} raises its releases first, so no
 * handler it held outlives the test, then stops the runtimes and the rest.
 */
final class RuntimeFixture implements AutoCloseable {

    final Path plugins;
    final OrderServer orders;
    final Streams streams;
    private final String redisUri;
    private final Path flags;
    private final List<Flag> releases = new ArrayList<>();
    private final List<EventbusRuntime> runtimes = new ArrayList<>();

    private RuntimeFixture(String redisUri, Path dir) throws IOException {
        this.redisUri = redisUri;
        this.plugins = Files.createDirectories(dir.resolve("plugins"));
        this.flags = dir.resolve("flags");
        this.orders = OrderServer.start(0);
        this.streams = new Streams(redisUri);
    }

    /** A fixture on {@code redis}, emptied first, keeping its files in {@code dir} (the test's own). */
    static RuntimeFixture open(RedisExtension redis, Path dir) throws IOException {
        redis.command("FLUSHALL");
        return new RuntimeFixture(redis.uri(), dir);
    }

    /** Installs the recorder plugin ({@link RecordingHandler}, version 1.0.0). */
    RuntimeFixture withRecorder() {
        new PluginJarBuilder("recorder").version("1.0.0").extension(RecordingHandler.class).build(plugins);
        return this;
    }

    /** Starts a runtime consuming as {@code consumer}; {@code extra} overrides the test defaults. */
    EventbusRuntime start(String consumer, Map<String, ?> extra) {
        return start(consumer, extra, DeliveryObserver.NONE);
    }

    EventbusRuntime start(String consumer, Map<String, ?> extra, DeliveryObserver observer) {
        EventbusRuntime runtime = TestRuntimes.start(redisUri, plugins, orders, consumer, extra, observer);
        runtimes.add(runtime);
        return runtime;
    }

    String publish(String stream, Map<String, String> fields) {
        return streams.publish(stream, fields);
    }

    /** A lowered flag of this test's own (see {@link RecordingHandler} for what steers by one). */
    Flag flag(String name) {
        return Flag.in(flags, name);
    }

    /** A flag that keeps handlers held (or hung) until the test raises it, or {@link #close} does. */
    Flag release(String name) {
        Flag release = flag(name);
        releases.add(release);
        return release;
    }

    @Override
    public void close() {
        releases.forEach(Flag::raise);
        runtimes.forEach(EventbusRuntime::stop);
        streams.close();
        orders.close();
    }
}
