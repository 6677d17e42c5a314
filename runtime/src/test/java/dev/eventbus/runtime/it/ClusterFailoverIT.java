package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.samples.orders.OrderServer;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The runtime on a Redis Cluster of 3 primaries and 3 replicas: kill -9 of the primary that owns a
 * busy stream's slot, its replica promoted by the cluster, the same runtime follows by itself. The
 * {@link DeliveryOracle}: every event Redis acknowledged with replication ({@code WAIT 1}) is
 * handled, duplicates carry the first delivery's idempotency key; and the group's pending list
 * ends empty.
 */
class ClusterFailoverIT {

    private static final String STREAM = "it-stream";
    private static final String GROUP = "recorder";
    private static final int AFTER_FAILOVER = 150;

    @RegisterExtension
    static final ClusterFixture ENV = ClusterFixture.with(GROUP, RecordingHandler.class);

    private FaultProducer producer;

    @AfterEach
    void tearDown() {
        if (producer != null) {
            producer.close();
        }
    }

    @Test
    void killingThePrimaryOfABusyStreamLosesNothingReplicatedAndTheRuntimeFollows() throws Exception {
        RedisCluster cluster = ENV.cluster();
        OrderServer orders = ENV.orders();
        EventbusRuntime runtime = ENV.start("it-1", ClusterFixture.QUICK_RECOVERY);
        DeliveryOracle oracle = new DeliveryOracle("cluster: primary kill -9", orders, true);
        producer = new FaultProducer(STREAM, () -> cluster.primaryOf(STREAM).uri(), 1, oracle).start();
        Streams.await("events flowing before the fault", Duration.ofSeconds(30), () -> orders.appliedCount() >= 100);

        RedisServer killed = cluster.killPrimaryOf(STREAM);
        oracle.faultNow(); // once the node is dead: what the producer publishes from here waits for the failover
        cluster.awaitFailover(killed, Duration.ofSeconds(60));
        RedisServer promoted = cluster.primaryOf(STREAM);
        assertNotEquals(killed.port(), promoted.port());
        producer.finishOnPromoted(AFTER_FAILOVER, Duration.ofSeconds(60));

        oracle.awaitSurvivorsHandled(Duration.ofSeconds(90), r -> List.of());
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create(promoted.uri()));
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            Streams.await(
                    "the group's pending list empty",
                    Duration.ofSeconds(60),
                    () -> connection.sync().xpending(STREAM, GROUP).getCount() == 0);
            String dlq = "eventbus:dlq:{" + STREAM + "}:" + GROUP;
            assertEquals(0L, connection.sync().exists(dlq), "nothing dead-lettered");
        } finally {
            client.shutdown();
        }

        oracle.assertVerdict();
        assertTrue(
                runtime.view().isReady() && runtime.view().readersAlive(),
                "the same runtime, never restarted, still reading");
        oracle.printRow(); // for the README's fault table (no assertion on time: the machine may be busy)
    }
}
