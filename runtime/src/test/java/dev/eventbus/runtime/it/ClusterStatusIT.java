package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.admin.v1.AdminServiceGrpc;
import dev.eventbus.admin.v1.GetStatusRequest;
import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.admin.v1.StreamStatus;
import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.redis.RespClient;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.AdminSurface;
import dev.eventbus.runtime.admin.HealthChecks;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.fixtures.ClusterRecordingHandler;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.OpsHarness;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * What an operator sees on a Redis Cluster: {@code status} (live from the admin API and read from
 * Redis, as text and JSON), the admin API's {@code GetStatus} and readiness name the primary each
 * stream lives on (and the start-up check names the one primary that evicts); after kill -9 of one primary they name the promoted replica and say that the
 * runtime followed a failover, from which node.
 */
class ClusterStatusIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final ClusterFixture ENV = ClusterFixture.with("clustered", ClusterRecordingHandler.class);

    private AdminSurface admin;
    private EventbusRuntime runtime;
    private ManagedChannel channel;

    @AfterEach
    void tearDown() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (admin != null) {
            admin.stopping();
        }
        if (runtime != null) {
            runtime.stop();
        }
        if (admin != null) {
            admin.close();
        }
    }

    private RuntimeConfig config() {
        Map<String, Object> settings = new HashMap<>();
        settings.put("eventbus.redis.uri", ENV.uri());
        settings.put("eventbus.plugins-dir", ENV.plugins().toString());
        settings.put("eventbus.consumer-name", "status-1");
        settings.put("eventbus.consumer.shutdown-grace", "2s");
        settings.put(
                "eventbus.grpc.services.\"orders.v1.OrderService\".target",
                ENV.orders().target());
        settings.put("eventbus.admin.http-port", 0);
        settings.put("eventbus.admin.grpc-port", 0);
        settings.put("eventbus.admin.audit-log", ENV.dir().resolve("audit.log").toString());
        return ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings));
    }

    private static String node(RedisServer server) {
        return "127.0.0.1:" + server.port() + " (master)";
    }

    @Test
    void statusTheAdminApiAndReadinessNameEachStreamsPrimaryAndAFailoverFollowed() throws Exception {
        RedisCluster cluster = ENV.cluster();
        // One primary evicts: the start-up check names that one, and only that one.
        RedisServer evicting = cluster.primaryOf("cl-b");
        try (RespClient resp = RespClient.connect("127.0.0.1", evicting.port())) {
            resp.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        }
        Logger preflight = (Logger) LoggerFactory.getLogger("dev.eventbus.runtime.RedisPreflight");
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.start();
        preflight.addAppender(warnings);
        RuntimeConfig config = config();
        admin = new AdminSurface(config, Clock.systemUTC());
        runtime = admin.newRuntime();
        admin.start(runtime);
        try {
            runtime.start();
        } finally {
            preflight.detachAppender(warnings);
        }
        List<String> lines =
                warnings.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(
                lines.get(0)
                        .startsWith("Redis primary 127.0.0.1:" + evicting.port()
                                + ": Redis maxmemory-policy is 'allkeys-lru'"),
                lines.toString());
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", admin.grpcPort())
                .usePlaintext()
                .build();
        AdminServiceGrpc.AdminServiceBlockingStub api = AdminServiceGrpc.newBlockingStub(channel);
        try (StatefulRedisClusterConnection<String, String> connection =
                ENV.client().connect()) {
            for (String stream : ClusterRecordingHandler.STREAMS) {
                connection.sync().xadd(stream, Map.of("type", "it.recorded", "subject", stream + "-1"));
            }
        }
        Streams.await("one event per stream handled", WAIT, () -> ENV.orders().appliedCount() == 3);

        // Live, from the admin API, as the CLI prints it and as the API answers.
        String live = "127.0.0.1:" + admin.grpcPort();
        OpsHarness.Cli text = OpsHarness.cliRaw("status", "--admin", live);
        assertEquals(0, text.exit(), text.toString());
        assertTrue(text.out().lines().anyMatch(l -> l.contains("NODE")), text.out());
        OpsHarness.Cli json = OpsHarness.cliRaw("status", "--admin", live, "--json");
        JsonNode liveRows = new ObjectMapper().readTree(json.out()).get("subscriptions");
        GetStatusResponse answer = status(api);
        for (String stream : ClusterRecordingHandler.STREAMS) {
            String node = node(cluster.primaryOf(stream));
            assertTrue(
                    text.out()
                            .lines()
                            .anyMatch(l -> l.matches(
                                    "clustered\\s+" + stream + "\\s+.*\\s" + java.util.regex.Pattern.quote(node))),
                    text.out());
            assertEquals(node, row(liveRows, stream).get("node").asText(), json.out());
            assertEquals(node, stream(answer, stream).getNode(), answer.toString());
            assertEquals("", stream(answer, stream).getFollowing(), answer.toString());
        }

        // Read from Redis (no runtime asked), text and JSON.
        String uri = ENV.uri();
        OpsHarness.Cli fromRedis = OpsHarness.cliRaw("status", "--redis", uri, "--admin", "127.0.0.1:1");
        OpsHarness.Cli fromRedisJson = OpsHarness.cliRaw("status", "--redis", uri, "--admin", "127.0.0.1:1", "--json");
        JsonNode redisRows = new ObjectMapper().readTree(fromRedisJson.out()).get("subscriptions");
        for (String stream : ClusterRecordingHandler.STREAMS) {
            String node = node(cluster.primaryOf(stream));
            assertTrue(
                    fromRedis
                            .out()
                            .lines()
                            .anyMatch(l -> l.matches(
                                    "clustered\\s+" + stream + "\\s+.*\\s" + java.util.regex.Pattern.quote(node))),
                    fromRedis.out());
            assertEquals(node, row(redisRows, stream).get("node").asText(), fromRedisJson.out());
        }

        // Readiness names each stream's node.
        try (FailFastRedis ops = new FailFastRedis(config.redis())) {
            HealthChecks.Result ready =
                    new HealthChecks(runtime.view(), ops, false, () -> true, Duration.ofMinutes(1)).ready();
            for (String stream : ClusterRecordingHandler.STREAMS) {
                assertEquals(
                        "on " + node(cluster.primaryOf(stream)),
                        ready.checks().get("stream " + stream),
                        ready.toString());
            }
        }

        // kill -9 of cl-a's primary: while it does not answer, readiness keeps a check per stream
        // and names it at cl-a's (found from outside: every stream check was left out then), and a
        // stream whose slot has no primary is never ready (it was 200 UP for 4 s, from outside).
        String deadPrimary = "on 127.0.0.1:" + cluster.primaryOf("cl-a").port() + " (master";
        List<HealthChecks.Result> answers = new java.util.ArrayList<>();
        RedisServer dead;
        try (FailFastRedis ops = new FailFastRedis(config.redis())) {
            HealthChecks health = new HealthChecks(runtime.view(), ops, false, () -> true, Duration.ofMinutes(1));
            health.ready();
            dead = cluster.killPrimaryOf("cl-a");
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            boolean down = false;
            while (System.nanoTime() < until && !(down && answers.getLast().up())) {
                answers.add(health.ready());
                down |= !answers.getLast().up();
                Thread.sleep(100);
            }
        }
        assertTrue(
                answers.stream()
                        .anyMatch(r -> !r.up()
                                && r.checks().getOrDefault("stream cl-a", "").startsWith(deadPrimary)
                                && r.checks().get("stream cl-a").endsWith("; its primary does not answer")),
                "readiness named the dead primary at cl-a's stream: " + answers);
        for (HealthChecks.Result r : answers) {
            for (String stream : ClusterRecordingHandler.STREAMS) {
                String check = r.checks().get("stream " + stream);
                assertTrue(check != null, "a check per stream in every answer: " + r);
                assertTrue(!check.startsWith("on ? (?)") || !r.up(), "not ready while a slot has no primary: " + r);
            }
        }
        cluster.awaitFailover(dead, Duration.ofSeconds(30));
        String promoted = node(cluster.primaryOf("cl-a"));
        // Lettuce updates its topology before it publishes the change event the runtime notes the
        // failover from: for a moment the node is the new one and nothing is "followed" yet.
        Streams.await("the admin API names the promoted primary of cl-a, and the failover", WAIT, () -> {
            StreamStatus now = stream(status(api), "cl-a");
            return now.getNode().equals(promoted) && !now.getFollowing().isEmpty();
        });
        StreamStatus followed = stream(status(api), "cl-a");
        assertTrue(
                followed.getFollowing().startsWith("followed a failover or a moved slot ")
                        && followed.getFollowing().endsWith("(was on 127.0.0.1:" + dead.port() + ")"),
                followed.toString());
        OpsHarness.Cli after = OpsHarness.cliRaw("status", "--admin", live);
        assertTrue(
                after.out().contains("clustered@cl-a on " + promoted + ": followed a failover or a moved slot "),
                after.out());
    }

    private static GetStatusResponse status(AdminServiceGrpc.AdminServiceBlockingStub api) {
        return api.withDeadlineAfter(20, TimeUnit.SECONDS).getStatus(GetStatusRequest.getDefaultInstance());
    }

    private static StreamStatus stream(GetStatusResponse status, String stream) {
        return status.getHandlersList().stream()
                .flatMap(h -> h.getStreamsList().stream())
                .filter(s -> s.getStream().equals(stream))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + stream + " in " + status));
    }

    private static JsonNode row(JsonNode rows, String stream) {
        for (JsonNode row : rows) {
            if (row.get("stream").asText().equals(stream)) {
                return row;
            }
        }
        throw new AssertionError("no row of " + stream + " in " + rows);
    }
}
