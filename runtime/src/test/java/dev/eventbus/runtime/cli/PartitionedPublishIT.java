package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.producer.SubjectHash;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.testkit.RedisExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code eventbus publish} to a partitioned stream: the subject's partition, as the producer helper picks it. */
class PartitionedPublishIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @TempDir
    Path dir;

    private Path config;

    @BeforeEach
    void configure() throws Exception {
        REDIS.command("FLUSHALL");
        config = dir.resolve("application.conf");
        Files.writeString(
                config,
                "eventbus.redis.uri = \"" + REDIS.uri() + "\"\neventbus.streams { orders { partitions = 4 } }\n");
    }

    @Test
    void anEventGoesToItsSubjectsPartitionAndTheCommandNamesIt() {
        String[] result = publish("orders", "order.placed", "--subject", "order-17");
        String key = "{orders:" + SubjectHash.partition("order-17", 4) + "/4}";
        assertEquals("partition " + key, result[1].trim());
        assertEquals(1L, REDIS.command("XLEN", key));
        assertEquals(0L, REDIS.command("EXISTS", "orders"), "nothing goes to the logical name's own key");
        List<?> entry = (List<?>) ((List<?>) REDIS.command("XRANGE", key, result[0].trim(), result[0].trim())).get(0);
        assertTrue(entry.toString().contains("order-17"), entry.toString());
    }

    @Test
    void anEventWithoutSubjectGoesToSomePartitionAndAnUnlistedStreamToItsOwnKey() {
        publish("orders", "order.tick");
        long total = 0;
        for (int p = 0; p < 4; p++) {
            total += (Long) REDIS.command("XLEN", "{orders:" + p + "/4}");
        }
        assertEquals(1L, total);
        String[] plain = publish("wallet", "wallet.topup", "--subject", "w-1");
        assertEquals("", plain[1]);
        assertEquals(1L, REDIS.command("XLEN", "wallet"));
    }

    @Test
    void replayOfTheLogicalNameReplaysEachPartition() {
        for (int p = 0; p < 4; p++) {
            REDIS.command("XGROUP", "CREATE", "{orders:" + p + "/4}", "h1", "0", "MKSTREAM");
        }
        for (String subject : List.of("order-17", "customer:42", "a")) {
            publish("orders", "order.placed", "--subject", subject);
        }
        String out = run("replay", "h1", "--stream", "orders", "--from", "7d", "--dry-run")[0];
        for (int p = 0; p < 4; p++) {
            assertTrue(out.contains("on {orders:" + p + "/4}: "), out);
        }
        long counted = out.lines()
                .mapToLong(l -> Long.parseLong(l.replaceAll(".*: (\\d+) entr.*", "$1")))
                .sum();
        assertEquals(3, counted, out);

        // Without --stream: the handler's groups are all partitions of one logical stream.
        String again = run("replay", "h1", "--from", "7d", "--dry-run")[0];
        assertEquals(out, again);
    }

    /** @return stdout and stderr */
    private String[] publish(String... args) {
        List<String> all = new ArrayList<>(List.of("publish"));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    /** Runs a command with this test's config; @return stdout and stderr */
    private String[] run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config.toString()));
        OpsHarness.Cli cli = OpsHarness.cliRaw(all.toArray(String[]::new));
        assertEquals(0, cli.exit(), cli.toString());
        return new String[] {cli.out(), cli.err()};
    }
}
