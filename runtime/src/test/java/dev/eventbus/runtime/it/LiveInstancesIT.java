package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.admin.v1.AdminServiceGrpc;
import dev.eventbus.admin.v1.GetStatusRequest;
import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.admin.v1.LiveInstance;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.AdminSurface;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.metrics.MetricNames;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.testkit.RedisExtension;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two instances in one JVM on a partitioned stream with an ordered handler: {@code status} (live
 * from the admin API and read from Redis, text and JSON), {@code GetStatus} and the metrics list
 * both instances and the partitions each owns; a consumer of an instance that does not heartbeat
 * is a ghost at once.
 */
class LiveInstancesIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private static final PartitionedStream STREAM = new PartitionedStream("it-stream", 8);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final Map<String, Object> SETTINGS = Map.of(
            "eventbus.streams.it-stream.partitions", 8,
            "eventbus.handlers.recorder.ordered-by-subject", true,
            "eventbus.ownership.lease-ttl", "3s",
            "eventbus.ownership.renew-every", "500ms",
            "eventbus.ownership.safety-margin", "1s",
            "eventbus.consumer.block", "500ms",
            // Readings stale after 1 s: a status asked with Redis frozen must not wait for fresh ones.
            "eventbus.metrics.poll-interval", "500ms",
            // One removal pass as each reader starts, then none: the test's ghost stays to be counted.
            "eventbus.recovery.interval", "1h");

    @Test
    void statusTheAdminApiAndMetricsShowBothInstancesTheirPartitionsAndGhosts() throws Exception {
        Map<String, Object> settings = new HashMap<>(SETTINGS);
        settings.put("eventbus.redis.uri", REDIS.uri());
        settings.put("eventbus.plugins-dir", env.plugins().toString());
        settings.put("eventbus.consumer-name", "inst-a");
        settings.put("eventbus.consumer.shutdown-grace", "5s");
        settings.put(
                "eventbus.grpc.services.\"orders.v1.OrderService\".target",
                env.orders().target());
        settings.put("eventbus.admin.http-port", 0);
        settings.put("eventbus.admin.grpc-port", 0);
        settings.put(
                "eventbus.admin.audit-log",
                env.plugins().resolveSibling("audit.log").toString());
        AdminSurface admin = new AdminSurface(
                ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings)), Clock.systemUTC());
        EventbusRuntime a = admin.newRuntime();
        ManagedChannel channel = null;
        String[] fromRedis = {"status", "--redis", REDIS.uri(), "--admin", "127.0.0.1:1"};
        // A consumer left by an instance that never heartbeats (a version before the registry):
        // while no instance heartbeats, its idle time decides, and it was idle for less than
        // delete-idle-consumers-after.
        String partition = STREAM.key(0);
        REDIS.command("XGROUP", "CREATE", partition, "recorder", "0", "MKSTREAM");
        REDIS.command("XGROUP", "CREATECONSUMER", partition, "recorder", "inst-old");
        JsonNode before = subscription(OpsHarness.cliRaw(append(fromRedis, "--json")), partition);
        assertEquals(1, before.get("consumers").asInt(), before.toString());
        assertEquals(0, before.get("ghostConsumers").asInt(), before.toString());
        try {
            admin.start(a);
            a.start();
            env.start("inst-b", SETTINGS);
            Set<String> all = STREAM.keys().stream().map(k -> "recorder@" + k).collect(Collectors.toSet());
            channel = ManagedChannelBuilder.forAddress("127.0.0.1", admin.grpcPort())
                    .usePlaintext()
                    .build();
            AdminServiceGrpc.AdminServiceBlockingStub api = AdminServiceGrpc.newBlockingStub(channel);
            Streams.await("GetStatus lists both instances, owning all 8 partitions between them", WAIT, () -> {
                GetStatusResponse s = api.getStatus(GetStatusRequest.getDefaultInstance());
                return names(s.getInstancesList()).equals(List.of("inst-a", "inst-b"))
                        && union(s.getInstancesList()).equals(all)
                        && s.getInstancesList().stream().allMatch(i -> i.getPartitionsCount() > 0);
            });
            GetStatusResponse answer = api.getStatus(GetStatusRequest.getDefaultInstance());
            assertTrue(
                    answer.getInstances(0).getSelf() && !answer.getInstances(1).getSelf(), answer.toString());
            assertTrue(answer.getInstances(1).getLastHeartbeatAgeMillis() < 3_000, answer.toString());
            assertEquals(0, answer.getUnownedPartitionsCount(), answer.toString());

            // status, live: both instances and their partitions, text and JSON.
            String live = "127.0.0.1:" + admin.grpcPort();
            OpsHarness.Cli text = OpsHarness.cliRaw("status", "--admin", live);
            assertEquals(0, text.exit(), text.toString());
            for (LiveInstance i : answer.getInstancesList()) {
                assertTrue(
                        text.out()
                                .lines()
                                .anyMatch(l -> l.startsWith(i.getName() + " ") && l.contains(i.getPartitions(0))),
                        text.out());
            }
            assertInstances(OpsHarness.cliRaw("status", "--admin", live, "--json"), all);

            // status from Redis (no runtime answers): the same, the partitions from the lease hashes.
            OpsHarness.Cli redisText = OpsHarness.cliRaw(fromRedis);
            assertTrue(redisText.out().lines().anyMatch(l -> l.startsWith("inst-b ")), redisText.out());
            assertInstances(OpsHarness.cliRaw(append(fromRedis, "--json")), all);

            // Metrics: two live instances, 8 owned partitions between them.
            admin.metrics().pollNow();
            Map<String, Gauge> gauges = admin.metrics().registry().getGauges();
            assertEquals(2L, gauges.get(MetricNames.INSTANCES_LIVE).getValue());
            long owned = 0;
            for (String instance : List.of("inst-a", "inst-b")) {
                owned += (Long)
                        gauges.get(MetricNames.name(MetricNames.OWNED_PARTITIONS, MetricNames.L_INSTANCE, instance))
                                .getValue();
            }
            assertEquals(8, owned);

            // Once instances heartbeat, that consumer is a ghost at once, not after
            // delete-idle-consumers-after; the owner's is not. (The owner's first pass removed it, a
            // ghost with nothing pending; it is made again, and no pass comes for an hour.)
            REDIS.command("XGROUP", "CREATECONSUMER", partition, "recorder", "inst-old");
            JsonNode row = subscription(OpsHarness.cliRaw(append(fromRedis, "--json")), partition);
            assertEquals(1, row.get("ghostConsumers").asInt(), row.toString());
            assertTrue(row.get("consumers").asInt() >= 1, row.toString());

            // Redis frozen: the runtime answers at once that it cannot read the live instances
            // (found from outside: "no live instance", or no answer within the CLI's 10 s at all).
            REDIS.server().pause();
            try {
                Thread.sleep(1500); // the last readings are stale now: the answer asked Redis for fresh ones
                long asked = System.nanoTime();
                GetStatusResponse frozen =
                        api.withDeadlineAfter(9, TimeUnit.SECONDS).getStatus(GetStatusRequest.getDefaultInstance());
                Duration took = Duration.ofNanos(System.nanoTime() - asked);
                assertTrue(took.compareTo(Duration.ofSeconds(6)) < 0, "GetStatus took " + took);
                assertFalse(frozen.getInstancesUnread().isEmpty(), frozen.toString());
                assertEquals(0, frozen.getInstancesCount(), frozen.toString());
                OpsHarness.Cli frozenText = OpsHarness.cliRaw("status", "--admin", live);
                assertTrue(frozenText.out().contains("live instances unknown"), frozenText.toString());
            } finally {
                REDIS.server().resume();
            }
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            admin.stopping();
            a.stop();
            admin.close();
        }
    }

    private static void assertInstances(OpsHarness.Cli json, Set<String> all) throws Exception {
        assertEquals(0, json.exit(), json.toString());
        JsonNode instances = new ObjectMapper().readTree(json.out()).get("instances");
        assertEquals(2, instances.size(), json.out());
        Set<String> union = new TreeSet<>();
        for (JsonNode i : instances) {
            assertTrue(i.get("lastHeartbeatAgeMillis").asLong() >= 0, json.out());
            i.get("partitions").forEach(p -> union.add(p.asText()));
        }
        assertEquals(
                List.of("inst-a", "inst-b"),
                List.of(
                        instances.get(0).get("name").asText(),
                        instances.get(1).get("name").asText()));
        assertEquals(new TreeSet<>(all), union, json.out());
    }

    private static JsonNode subscription(OpsHarness.Cli json, String stream) throws Exception {
        for (JsonNode row : new ObjectMapper().readTree(json.out()).get("subscriptions")) {
            if (row.get("stream").asText().equals(stream)) {
                return row;
            }
        }
        throw new AssertionError("no row for " + stream + ": " + json.out());
    }

    private static List<String> names(List<LiveInstance> instances) {
        return instances.stream().map(LiveInstance::getName).toList();
    }

    private static Set<String> union(List<LiveInstance> instances) {
        return instances.stream().flatMap(i -> i.getPartitionsList().stream()).collect(Collectors.toSet());
    }

    private static String[] append(String[] args, String more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = more;
        return all;
    }
}
