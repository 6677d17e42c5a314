package dev.eventbus.runtime.it;

import dev.eventbus.redis.RedisCluster;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What each Redis Cluster integration test stands on, registered as a static field
 * ({@code @RegisterExtension static final ClusterFixture ENV = ClusterFixture.with("recorder",
 * RecordingHandler.class)}): one cluster of 3 primaries and 3 replicas and a cluster client for the
 * class (a class whose test kills a node has one test); before each test a dir of its own with one
 * plugin installed, and an order service. After each test the runtimes it started are stopped (after
 * the test's own {@code @AfterEach}) and the rest closed.
 */
final class ClusterFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    /**
     * Recovery and reconnects quick, for the tests of faults: an acknowledgement lost with a killed
     * connection or primary leaves its entry pending (on the new primary, after a failover), and the
     * janitor takes it back after claim-idle (short here, to keep the test short).
     */
    static final Map<String, String> QUICK_RECOVERY = Map.of(
            "eventbus.recovery.claim-idle", "2s",
            "eventbus.recovery.interval", "200ms",
            "eventbus.handler-defaults.retry.backoff.initial", "50ms",
            "eventbus.handler-defaults.retry.backoff.max", "500ms",
            "eventbus.recovery.retry-poll-interval", "50ms",
            "eventbus.redis.reconnect.max-delay", "500ms");

    private final String plugin;
    private final Class<?> extension;
    private RedisCluster cluster;
    private RedisClusterClient client;
    private Path dir;
    private Path plugins;
    private OrderServer orders;
    private final List<EventbusRuntime> runtimes = new ArrayList<>();

    private ClusterFixture(String plugin, Class<?> extension) {
        this.plugin = plugin;
        this.extension = extension;
    }

    /** Every test starts with the plugin {@code name} (version 1.0.0) of one handler class installed. */
    static ClusterFixture with(String plugin, Class<?> extension) {
        return new ClusterFixture(plugin, extension);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster = RedisCluster.start();
        client = RedisClusterClient.create(
                cluster.seedUris().stream().map(RedisURI::create).toList());
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("eventbus-cluster-it-");
        plugins = Files.createDirectories(dir.resolve("plugins"));
        new PluginJarBuilder(plugin).version("1.0.0").extension(extension).build(plugins);
        orders = OrderServer.start(0);
    }

    RedisCluster cluster() {
        return cluster;
    }

    /** A client of the whole cluster (its seeds), for the test to publish and inspect with. */
    RedisClusterClient client() {
        return client;
    }

    /** The test's own dir (the plugins dir is in it). */
    Path dir() {
        return dir;
    }

    Path plugins() {
        return plugins;
    }

    OrderServer orders() {
        return orders;
    }

    /** The runtime's {@code redis-cluster://} URI of every seed node. */
    String uri() {
        return "redis-cluster://" + seeds();
    }

    /** As {@link #uri()}, as an ACL user. */
    String uri(String user, String password) {
        return "redis-cluster://" + user + ":" + password + "@" + seeds();
    }

    private String seeds() {
        return cluster.seedUris().stream()
                .map(u -> u.substring("redis://".length()))
                .collect(Collectors.joining(","));
    }

    /** Starts a runtime on the cluster consuming as {@code consumer}; {@code extra} overrides the test defaults. */
    EventbusRuntime start(String consumer, Map<String, ?> extra) {
        return start(uri(), consumer, extra, DeliveryObserver.NONE);
    }

    EventbusRuntime start(String consumer, Map<String, ?> extra, DeliveryObserver observer) {
        return start(uri(), consumer, extra, observer);
    }

    /** As {@link #start(String, Map)}, through another URI of the cluster (an ACL user's). */
    EventbusRuntime start(String redisUri, String consumer, Map<String, ?> extra, DeliveryObserver observer) {
        EventbusRuntime runtime = TestRuntimes.start(redisUri, plugins, orders, consumer, extra, observer);
        runtimes.add(runtime);
        return runtime;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        runtimes.forEach(EventbusRuntime::stop);
        runtimes.clear();
        orders.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        client.shutdown();
        cluster.close();
    }
}
