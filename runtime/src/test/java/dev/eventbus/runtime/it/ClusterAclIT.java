package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.redis.RespClient;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.fixtures.ClusterRecordingHandler;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.ops.SubscriptionStatus;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Least privilege on a Redis Cluster: the documented users ({@code redis-acl.txt}, as the README
 * quotes it) made on every node of 3 primaries and 3 replicas, the runtime as {@code eventbus}
 * handling, retrying and dead-lettering on streams of two primaries (the client's topology refresh
 * asks every node, replicas too), then the operator commands as {@code eventbus-operator}. No node's
 * {@code ACL LOG} may then hold a refusal, so a command the cluster client starts to send and the
 * rules lack fails here.
 */
class ClusterAclIT {

    private static final String HANDLER = "clustered";
    private static final List<String> STREAMS = List.of("cl-a", "cl-b"); // slots 8249 and 4186
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final ClusterFixture ENV = ClusterFixture.with(HANDLER, ClusterRecordingHandler.class);

    @BeforeEach
    void createUsers() throws Exception {
        for (RedisServer node : ENV.cluster().nodes()) {
            createUser(node, "eventbus", "runtime-pw");
            createUser(node, "eventbus-operator", "operator-pw");
            call(node, "ACL", "LOG", "RESET");
        }
    }

    private static Object call(RedisServer node, String... command) {
        try (RespClient resp = RespClient.connect("127.0.0.1", node.port())) {
            return resp.call(command);
        }
    }

    /** A documented user, placeholders filled in: every stream of the handler is covered. */
    private static void createUser(RedisServer node, String user, String password) throws Exception {
        String line = AclUsers.documentedRules().stream()
                .filter(l -> l.startsWith("ACL SETUSER " + user + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no documented user " + user));
        List<String> args = new ArrayList<>();
        for (String word : line.split(" ")) {
            args.add(word.replace("<password>", password).replace("<streams>", "~cl-*"));
        }
        call(node, args.toArray(String[]::new));
    }

    /** Every refusal in every node's ACL log, as "port: reason object by user" lines. */
    private List<String> refusals() {
        List<String> found = new ArrayList<>();
        for (RedisServer node : ENV.cluster().nodes()) {
            for (Object entry : (List<?>) call(node, "ACL", "LOG")) {
                List<?> kv = (List<?>) entry;
                Map<String, String> m = new HashMap<>();
                for (int i = 0; i + 1 < kv.size(); i += 2) {
                    m.put(String.valueOf(kv.get(i)), String.valueOf(kv.get(i + 1)));
                }
                found.add(node.port() + ": " + m.get("reason") + " " + m.get("object") + " by " + m.get("username"));
            }
        }
        return found;
    }

    @Test
    void theRuntimeAndTheCliDoTheirWholeJobOnEveryNodeWithTheDocumentedRules() throws Exception {
        assertTrue(
                ENV.cluster().primaryOf(STREAMS.get(0)).port()
                        != ENV.cluster().primaryOf(STREAMS.get(1)).port(),
                "the streams lie on two primaries");
        ENV.start(
                ENV.uri("eventbus", "runtime-pw"),
                "acl-1",
                Map.of(
                        "eventbus.handler-defaults.retry.backoff.initial", "50ms",
                        "eventbus.handler-defaults.retry.backoff.max", "200ms",
                        "eventbus.recovery.retry-poll-interval", "50ms"),
                DeliveryObserver.NONE);
        Map<String, String> doomed = new HashMap<>();
        try (StatefulRedisClusterConnection<String, String> connection =
                ENV.client().connect()) {
            RedisAdvancedClusterCommands<String, String> redis = connection.sync();
            for (String stream : STREAMS) {
                redis.xadd(stream, Map.of("type", "it.recorded", "subject", stream + "-fine"));
                redis.xadd(
                        stream,
                        Map.of("type", "it.recorded", "subject", stream + "-retried", "fail", "before-attempt-3"));
                doomed.put(
                        stream,
                        redis.xadd(
                                stream,
                                Map.of("type", "it.recorded", "subject", stream + "-doomed", "fail", "never-again")));
            }
            Streams.await(
                    "fine and retried handled on both streams",
                    WAIT,
                    () -> applied().containsAll(Set.of("cl-a-fine", "cl-a-retried", "cl-b-fine", "cl-b-retried")));
            for (String stream : STREAMS) {
                Streams.await("the dead letter of " + stream, WAIT, () -> redis.xlen(dlq(stream)) == 1);
                Streams.await(
                        "nothing pending on " + stream,
                        WAIT,
                        () -> redis.xpending(stream, HANDLER).getCount() == 0);
            }
            // What the runtime's metrics poller and live status read, as the runtime user: on a
            // cluster they find a handler's dead-letter streams with SCAN on every primary (an
            // outside check found the rules without +scan: NOPERM, and '?' in status).
            RuntimeConfig runtimeUser = ConfigLoader.load(
                    Optional.empty(),
                    ConfigFactory.parseMap(Map.of("eventbus.redis.uri", ENV.uri("eventbus", "runtime-pw"))));
            try (FailFastRedis ops = new FailFastRedis(runtimeUser.redis())) {
                List<SubscriptionStatus> all = new StatusReader(
                                ops, runtimeUser.consumer().deadLetterPrefix(), Clock.systemUTC())
                        .all(HANDLER);
                assertTrue(all.size() >= 2, all.toString());
                assertTrue(all.stream().allMatch(st -> st.deadLetters() == 2), all.toString());
                // Each row also counts its own tag's dead-letter stream alone: 1 each, summing to the 2.
                assertEquals(
                        STREAMS.size(),
                        all.stream().filter(st -> STREAMS.contains(st.stream())).count(),
                        all.toString());
                assertTrue(
                        all.stream()
                                .filter(st -> STREAMS.contains(st.stream()))
                                .allMatch(st -> st.streamDeadLetters() == 1
                                        && st.deadLetterStream().equals(dlq(st.stream()))),
                        all.toString());
            }
            assertEquals(List.of(), refusals(), "the runtime needed a command the rules lack");

            Path config = Files.writeString(
                    ENV.dir().resolve("operator.conf"),
                    ConfigFactory.parseMap(Map.of(
                                    "eventbus.redis.uri", ENV.uri("eventbus-operator", "operator-pw"),
                                    "eventbus.admin.audit-log",
                                            ENV.dir().resolve("audit.log").toString(),
                                    "eventbus.plugins-dir",
                                            ENV.dir().resolve("plugins").toString()))
                            .root()
                            .render(ConfigRenderOptions.concise()));
            String deadLetter = redis.xrange(dlq("cl-a"), Range.create("-", "+")).stream()
                    .map(StreamMessage::getId)
                    .findFirst()
                    .orElseThrow();
            String[][] commands = {
                {"status", "--admin", "127.0.0.1:1"},
                {"status", "--admin", "127.0.0.1:1", "--json"},
                {"dlq", "list", "--handler", HANDLER},
                {"dlq", "redrive", "--handler", HANDLER, deadLetter},
                {"dlq", "discard", "--handler", HANDLER, "--all"},
                {"replay", HANDLER, "--stream", "cl-b", "--from", "0", "--limit", "1"},
                {"publish", "cl-b", "it.recorded", "--subject", "published"},
            };
            for (String[] command : commands) {
                if (command[0].equals("dlq") && command[1].equals("discard")) {
                    // The redriven copy fails for good again: discard once its new dead letter is stored.
                    Streams.await(
                            "the redriven copy dead-lettered again",
                            WAIT,
                            () -> redis.xlen(dlq("cl-a")) == 1
                                    && redis.xpending("cl-a", HANDLER).getCount() == 0);
                }
                List<String> args = new ArrayList<>(List.of(command));
                args.addAll(List.of("--config", config.toString()));
                OpsHarness.Cli run = OpsHarness.cliRaw(args.toArray(String[]::new));
                assertEquals(0, run.exit(), String.join(" ", command) + ": " + run);
            }
            Streams.await("the published event handled", WAIT, () -> applied().contains("published"));
            for (String stream : STREAMS) {
                assertEquals(0, redis.xlen(dlq(stream)), "discarded");
            }
        }
        assertEquals(List.of(), refusals(), "the CLI needed a command the rules lack");
    }

    private static String dlq(String stream) {
        return "eventbus:dlq:{" + stream + "}:" + HANDLER;
    }

    private Set<String> applied() {
        return ENV.orders().calls().stream()
                .filter(ReceivedCall::applied)
                .map(ReceivedCall::orderId)
                .collect(Collectors.toSet());
    }
}
