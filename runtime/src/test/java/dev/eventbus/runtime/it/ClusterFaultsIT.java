package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.admin.v1.AdminServiceGrpc;
import dev.eventbus.admin.v1.GetStatusRequest;
import dev.eventbus.admin.v1.StreamStatus;
import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.AdminSurface;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.samples.orders.OrderServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults of a Redis Cluster in which no node dies, while events flow: the slot of the busy stream
 * (with its retry and dead-letter keys, which share its hash tag) moved to another primary, and
 * every client connection of every node closed. The same runtime goes on by itself; the {@link
 * DeliveryOracle} holds every produced event handled or dead-lettered with a reason, a duplicate
 * only with the first delivery's key; the group's pending list and the retries end empty. Some
 * events fail once (through the retry set), some for good (to the dead-letter stream), so the
 * scripts on those keys run while the slot moves. One cluster for the class.
 *
 * <p>The runtime runs with its admin surface: after the reshard, the admin API and {@code /metrics}
 * name the stream's new primary and say that the runtime followed a moved slot, from which node.
 */
class ClusterFaultsIT {

    private static final String STREAM = "it-stream";
    private static final String GROUP = "recorder";
    private static final String RETRIES = "eventbus:retry:{" + STREAM + "}:" + GROUP + ":" + STREAM;
    private static final String DEAD_LETTERS = "eventbus:dlq:{" + STREAM + "}:" + GROUP;
    private static final int AFTER_FAULT = 150;

    @RegisterExtension
    static final ClusterFixture ENV = ClusterFixture.with(GROUP, RecordingHandler.class);

    private static StatefulRedisClusterConnection<String, String> connection;

    private RedisCluster cluster;
    private OrderServer orders;
    private AdminSurface admin;
    private EventbusRuntime runtime;
    private FaultProducer producer;
    private ManagedChannel channel;

    @BeforeAll
    static void connect() {
        connection = ENV.client().connect();
    }

    @AfterAll
    static void disconnect() {
        connection.close();
    }

    @BeforeEach
    void setUp() {
        // Each test starts from no stream, no group, no retry, no dead letter (the cluster is the class's).
        connection.sync().del(STREAM, RETRIES, DEAD_LETTERS);
        cluster = ENV.cluster();
        orders = ENV.orders();
        Map<String, Object> settings = new HashMap<>(ClusterFixture.QUICK_RECOVERY);
        settings.put("eventbus.redis.uri", ENV.uri());
        settings.put("eventbus.plugins-dir", ENV.plugins().toString());
        settings.put("eventbus.consumer-name", "it-1");
        settings.put("eventbus.consumer.shutdown-grace", "5s");
        settings.put("eventbus.grpc.services.\"orders.v1.OrderService\".target", orders.target());
        settings.put("eventbus.admin.http-port", 0);
        settings.put("eventbus.admin.grpc-port", 0);
        settings.put("eventbus.admin.audit-log", ENV.dir().resolve("audit.log").toString());
        settings.put("eventbus.metrics.poll-interval", "1s");
        admin = new AdminSurface(
                ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings)), Clock.systemUTC());
        runtime = admin.newRuntime();
        admin.start(runtime);
        runtime.start();
    }

    @AfterEach
    void tearDown() {
        if (producer != null) {
            producer.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        admin.stopping();
        runtime.stop();
        admin.close();
    }

    @Test
    void movingTheSlotOfABusyStreamToAnotherPrimaryLosesNothing() throws Exception {
        DeliveryOracle oracle = new DeliveryOracle("cluster: reshard of the stream's slot", orders, false);
        producer = startProducer(oracle);
        Streams.await("events flowing before the fault", Duration.ofSeconds(30), () -> orders.appliedCount() >= 100);

        RedisServer from = cluster.primaryOf(STREAM);
        RedisServer to = cluster.primaries().stream()
                .filter(p -> !p.equals(from))
                .findFirst()
                .orElseThrow();
        connection.getConnection("127.0.0.1", to.port()).sync().configResetstat();
        oracle.faultNow();
        // A pause after each step keeps the slot half-moved long enough for ASK and TRYAGAIN.
        cluster.migrateSlot(cluster.slot(STREAM), to, Duration.ofMillis(300));
        assertEquals(to, cluster.primaryOf(STREAM), "the slot moved");
        assertEquals(to, cluster.primaryOf(DEAD_LETTERS), "with the dead letters");
        operatorSeesTheMove(from, to); // within a minute of the move, while `following` says it

        afterTheFault(oracle);
        // The old owner answered ASK while the slot was half-moved and MOVED after; a cluster client
        // of the runtime (its readers', or its admin's, polling the stream) followed an ASK (ASKING
        // on the new owner: the producer's plain client never sends it, and the test's own client
        // sent nothing meanwhile).
        String errors =
                connection.getConnection("127.0.0.1", from.port()).sync().info("errorstats");
        String commands =
                connection.getConnection("127.0.0.1", to.port()).sync().info("commandstats");
        System.out.println("reshard: old owner's " + errors.strip().replace("\r\n", ", ")); // TRYAGAIN, if met
        assertTrue(errors.contains("errorstat_ASK"), errors);
        assertTrue(errors.contains("errorstat_MOVED"), errors);
        assertTrue(commands.contains("cmdstat_asking:calls="), commands);
    }

    /** The admin API and {@code /metrics} name the new primary, and say the slot moved from the old one. */
    private void operatorSeesTheMove(RedisServer from, RedisServer to) throws InterruptedException {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", admin.grpcPort())
                .usePlaintext()
                .build();
        AdminServiceGrpc.AdminServiceBlockingStub api = AdminServiceGrpc.newBlockingStub(channel);
        String now = "127.0.0.1:" + to.port();
        String before = "127.0.0.1:" + from.port();
        Streams.await(
                "the admin API names the stream's new primary",
                Duration.ofSeconds(30),
                () -> status(api).getNode().equals(now + " (master)"));
        StreamStatus followed = status(api);
        assertTrue(
                followed.getFollowing().startsWith("followed a failover or a moved slot ")
                        && followed.getFollowing().endsWith("(was on " + before + ")"),
                followed.toString());
        Streams.await(
                "/metrics names the new primary (1), the old one (0), and the change followed",
                Duration.ofSeconds(30),
                () -> {
                    String body = scrape();
                    return metric(body, "eventbus_stream_node", "node=\"" + now + "\"")
                                    .equals(OptionalDouble.of(1))
                            && metric(body, "eventbus_stream_node", "node=\"" + before + "\"")
                                    .equals(OptionalDouble.of(0))
                            && metric(body, "eventbus_stream_following", "").equals(OptionalDouble.of(1));
                });
    }

    private static StreamStatus status(AdminServiceGrpc.AdminServiceBlockingStub api) {
        return api
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .getStatus(GetStatusRequest.getDefaultInstance())
                .getHandlersList()
                .stream()
                .flatMap(h -> h.getStreamsList().stream())
                .filter(s -> s.getStream().equals(STREAM))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + STREAM + " in the status"));
    }

    private String scrape() {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.httpPort() + "/metrics"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            return response.body();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("GET /metrics failed", e);
        }
    }

    /** The value of the series of {@code family} for this test's stream with the label {@code label}. */
    private static OptionalDouble metric(String body, String family, String label) {
        return body.lines()
                .filter(l -> l.startsWith(family + "{") && l.contains("stream=\"" + STREAM + "\"") && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst();
    }

    @Test
    void closingEveryClientConnectionOfEveryNodeLosesNothing() throws Exception {
        DeliveryOracle oracle = new DeliveryOracle("cluster: CLIENT KILL on all nodes", orders, false);
        producer = startProducer(oracle);
        Streams.await("events flowing before the fault", Duration.ofSeconds(30), () -> orders.appliedCount() >= 100);

        long killed = cluster.killClients();
        oracle.faultNow();
        assertTrue(killed >= 3, "the runtime's connections to every primary closed, " + killed + " in all");

        afterTheFault(oracle);
    }

    /**
     * Every third event fails once (a retry), every tenth for good (a dead letter): while the slot
     * is half-moved, a dead letter's script (the stream and the dead-letter stream) may meet
     * TRYAGAIN, and its entry stays pending until the janitor takes it back.
     */
    private FaultProducer startProducer(DeliveryOracle oracle) {
        return new FaultProducer(STREAM, () -> cluster.primaryOf(STREAM).uri(), 1, oracle, n -> {
                    if (n % 10 == 7) {
                        return Map.of("fail", "never-again");
                    }
                    return n % 3 == 1 ? Map.of("fail", "before-attempt-2") : Map.of();
                })
                .start();
    }

    /** The oracle's verdict once as many events again have flowed after the fault. */
    private void afterTheFault(DeliveryOracle oracle) throws Exception {
        int appliedAtFault = orders.appliedCount();
        Streams.await(
                AFTER_FAULT + " more events handled after the fault",
                Duration.ofSeconds(60),
                () -> orders.appliedCount() >= appliedAtFault + AFTER_FAULT);
        producer.close();

        RedisAdvancedClusterCommands<String, String> redis = connection.sync();
        oracle.awaitSurvivorsHandled(Duration.ofSeconds(60), range -> redis.xrange(DEAD_LETTERS, range));
        Streams.await(
                "the group's pending list empty",
                Duration.ofSeconds(30),
                () -> redis.xpending(STREAM, GROUP).getCount() == 0);
        Streams.await("no retry left", Duration.ofSeconds(30), () -> redis.zcard(RETRIES) == 0);
        oracle.assertVerdict();
        assertTrue(
                runtime.view().isReady() && runtime.view().readersAlive(),
                "the same runtime, never restarted, still reading");
        oracle.printRow(); // for the README's fault table (no assertion on time: the machine may be busy)
    }
}
