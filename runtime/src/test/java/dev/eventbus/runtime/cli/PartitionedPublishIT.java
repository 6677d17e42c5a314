package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.producer.SubjectHash;
import dev.eventbus.testkit.RedisExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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

    /** @return stdout and stderr */
    private String[] publish(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = EventbusCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 3];
        all[0] = "publish";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--config";
        all[args.length + 2] = config.toString();
        int exit = cli.execute(all);
        assertEquals(0, exit, "exit " + exit + "\n" + out + "\n" + err);
        return new String[] {out.toString(), err.toString()};
    }
}
