package dev.eventbus.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.redis.RedisCluster;
import io.lettuce.core.Range;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found from outside on a real cluster: the dead letters of a deployment moved from one node (its
 * keys imported with {@code redis-cli --cluster import}) stay in the one-node stream {@code
 * eventbus:dlq:<handler>}, and {@code dlq list} said {@code eventbus:dlq:{*}:H holds 3} as if that
 * were all, {@code dlq show} found none of them and {@code dlq redrive} matched 0. The one-node
 * stream is written here by hand, as the import leaves it; every command sees it with the others.
 */
class OneNodeDeadLettersClusterIT {

    private static final String HANDLER = "moved";
    private static final String STREAM = "moved-orders";
    private static final String ONE_NODE = "eventbus:dlq:" + HANDLER;
    private static final String TAGGED = "eventbus:dlq:{" + STREAM + "}:" + HANDLER;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RedisCluster cluster;
    private static RedisClusterClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start();
        client = RedisClusterClient.create(
                cluster.seedUris().stream().map(RedisURI::create).toList());
    }

    @AfterAll
    static void stopCluster() {
        if (client != null) {
            client.shutdown();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String uri() {
        return "redis-cluster://"
                + cluster.seedUris().stream()
                        .map(u -> u.substring("redis://".length()))
                        .collect(Collectors.joining(","));
    }

    /**
     * A dead letter as the runtime writes one, with its original event fields, under {@code id}
     * ({@code *}: the primary's clock).
     */
    private static String deadLetter(
            RedisAdvancedClusterCommands<String, String> redis, String key, String id, String subject) {
        return redis.xadd(
                key,
                new XAddArgs().id(id),
                "type",
                "it.moved",
                "subject",
                subject,
                "data",
                "{}",
                "eventbus-reason",
                "handler-error",
                "eventbus-source-stream",
                STREAM,
                "eventbus-source-id",
                "1-0",
                "eventbus-handler",
                HANDLER,
                "eventbus-attempts",
                "3",
                "eventbus-error-class",
                "java.lang.IllegalStateException",
                "eventbus-error-message",
                "boom");
    }

    private OpsHarness.Cli cli(String... args) throws Exception {
        Path config = dir.resolve("eventbus.conf");
        if (!Files.exists(config)) {
            Files.writeString(config, "eventbus.admin.audit-log = \"" + dir.resolve("audit.log") + "\"\n");
        }
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-c", config.toString(), "--redis", uri()));
        return OpsHarness.cliRaw(all.toArray(String[]::new));
    }

    @Test
    void deadLettersLeftInTheOneNodeStreamAreListedCountedShownDiscardedAndRedriven() throws Exception {
        assertNotEquals(
                SlotHash.getSlot(ONE_NODE),
                SlotHash.getSlot(STREAM),
                "the one-node stream lies in another slot than its source stream: a two-step redrive");
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            RedisAdvancedClusterCommands<String, String> redis = connection.sync();
            redis.xgroupCreate(XReadArgs.StreamOffset.from(STREAM, "$"), HANDLER, XGroupCreateArgs.Builder.mkstream());
            // Written on the one node before the move, so with older ids than any the cluster
            // makes now: two primaries' clocks can give two streams the same id in one millisecond
            // (a full verify did), and a one-node dead letter and a new one of the same source
            // stream could then not be told apart by --source-stream.
            List<String> old = List.of(
                    deadLetter(redis, ONE_NODE, "1700000000000-1", "old-1"),
                    deadLetter(redis, ONE_NODE, "1700000000000-2", "old-2"),
                    deadLetter(redis, ONE_NODE, "1700000000000-3", "old-3"));
            deadLetter(redis, TAGGED, "*", "new-1");

            OpsHarness.Cli list = cli("dlq", "list", "--handler", HANDLER, "--json");
            assertEquals(0, list.exit(), list.toString());
            List<String> subjects = new ArrayList<>();
            JSON.readTree(list.out())
                    .forEach(row -> subjects.add(row.get("subject").asText()));
            subjects.sort(null); // merged by id: the two streams' primaries may give the same milliseconds
            assertEquals(List.of("new-1", "old-1", "old-2", "old-3"), subjects, list.out());
            OpsHarness.Cli table = cli("dlq", "list", "--handler", HANDLER);
            assertTrue(
                    table.out()
                            .contains("4 dead letter(s) shown; eventbus:dlq:{*}:" + HANDLER + " and the one-node "
                                    + ONE_NODE + " hold 4"),
                    table.toString());

            OpsHarness.Cli status = cli("status", "--admin", "127.0.0.1:1", "--json");
            assertEquals(0, status.exit(), status.toString());
            JsonNode row = JSON.readTree(status.out()).get("subscriptions").get(0);
            assertEquals(4, row.get("deadLetters").asLong(), "the handler's total: " + status.out());

            OpsHarness.Cli show = cli("dlq", "show", "--handler", HANDLER, old.get(1));
            assertEquals(0, show.exit(), show.toString());
            assertTrue(show.out().contains("old-2"), show.out());

            OpsHarness.Cli discard = cli("dlq", "discard", "--handler", HANDLER, old.get(0));
            assertEquals(0, discard.exit(), discard.toString());
            assertTrue(discard.out().contains("1 matched, 1 discarded"), discard.toString());
            assertEquals(2, redis.xlen(ONE_NODE));

            OpsHarness.Cli redrive = cli("dlq", "redrive", "--handler", HANDLER, "--subject", "old-2");
            assertEquals(0, redrive.exit(), redrive.toString());
            assertTrue(redrive.out().contains("1 matched, 1 redriven, 0 left in place"), redrive.toString());
            assertEquals(1, redis.xlen(ONE_NODE), "the dead letter redriven is gone from the one-node stream");
            List<StreamMessage<String, String>> copies = redis.xrange(STREAM, Range.create("-", "+"));
            assertEquals(1, copies.size(), copies.toString());
            assertEquals("old-2", copies.get(0).getBody().get("subject"));
            assertEquals(old.get(1), copies.get(0).getBody().get("eventbus-redrive-of"));
            assertEquals(HANDLER, copies.get(0).getBody().get("eventbus-target-handler"));
        }
    }
}
