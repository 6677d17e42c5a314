package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.samples.orders.OrderServer;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.time.Duration;
import java.util.Map;
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
    private EventbusRuntime runtime;
    private FaultProducer producer;

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
        runtime = ENV.start("it-1", ClusterFixture.QUICK_RECOVERY);
    }

    @AfterEach
    void tearDown() {
        if (producer != null) {
            producer.close();
        }
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

        afterTheFault(oracle);
        // The old owner answered ASK while the slot was half-moved and MOVED after; the runtime's
        // cluster client followed an ASK (ASKING on the new owner: the producer's plain client never
        // sends it, and the test's own client sent nothing meanwhile).
        String errors =
                connection.getConnection("127.0.0.1", from.port()).sync().info("errorstats");
        String commands =
                connection.getConnection("127.0.0.1", to.port()).sync().info("commandstats");
        System.out.println("reshard: old owner's " + errors.strip().replace("\r\n", ", ")); // TRYAGAIN, if met
        assertTrue(errors.contains("errorstat_ASK"), errors);
        assertTrue(errors.contains("errorstat_MOVED"), errors);
        assertTrue(commands.contains("cmdstat_asking:calls="), commands);
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
