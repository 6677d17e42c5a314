package dev.eventbus.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.stream.WireFields;
import dev.eventbus.testkit.RedisExtension;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A redrive or discard whose Redis fails a command between two steps (the next page of dead letters,
 * a source stream's groups) after some dead letters were changed: it ends with an outcome that counts
 * them and says why it stopped, so the command prints its summary and writes its audit line. The
 * failure is an ACL rule withdrawn half-way (NOPERM), as an operator's change of rules would.
 */
class DeadLettersFailedMidwayIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension(RedisServer.Options.defaults());

    private static final String DLQ = "eventbus:dlq:h1";

    @BeforeEach
    void reset() {
        REDIS.command("FLUSHALL");
        REDIS.command("ACL", "SETUSER", "midway", "reset", "on", ">pw", "~*", "&*", "+@all");
    }

    @Test
    void aDiscardWhoseNextPageIsRefusedCountsTheBatchItDeleted() throws Exception {
        for (int i = 0; i < 250; i++) {
            deadLetter("src-a", i);
        }
        DeadLetters.Outcome outcome;
        try (FailFastRedis redis = new FailFastRedis(as("midway"))) {
            outcome = new DeadLetters(redis, "eventbus:dlq:")
                    .discard(
                            "h1",
                            DeadLetterFilter.ALL,
                            0,
                            false,
                            (done, skipped) -> {
                                if (done == 200) { // the first XDEL of 200 went; the next page is refused
                                    REDIS.command("ACL", "SETUSER", "midway", "-xrange");
                                }
                            },
                            StopRequest.NEVER);
        }
        assertEquals(200, outcome.done());
        assertEquals(50L, REDIS.command("XLEN", DLQ));
        assertNotNull(outcome.stoppedBy());
        assertTrue(outcome.stoppedBy().contains("xrange"), outcome.stoppedBy());
    }

    @Test
    void aRedriveWhoseNextSourceStreamCannotBeReadCountsTheOneItRedrove() throws Exception {
        REDIS.command("XGROUP", "CREATE", "src-a", "h1", "$", "MKSTREAM");
        REDIS.command("XGROUP", "CREATE", "src-b", "h1", "$", "MKSTREAM");
        deadLetter("src-a", 0);
        deadLetter("src-b", 1);
        DeadLetters.Outcome outcome;
        try (FailFastRedis redis = new FailFastRedis(as("midway"))) {
            outcome = new DeadLetters(redis, "eventbus:dlq:")
                    .redrive(
                            "h1",
                            DeadLetterFilter.ALL,
                            0,
                            0,
                            false,
                            (done, skipped) -> {
                                if (done == 1) { // src-b's groups are read next: refused
                                    REDIS.command("ACL", "SETUSER", "midway", "-xinfo");
                                }
                            },
                            StopRequest.NEVER);
        }
        assertEquals(1, outcome.done());
        assertEquals(1L, REDIS.command("XLEN", DLQ));
        assertEquals(1L, REDIS.command("XLEN", "src-a"));
        assertNotNull(outcome.stoppedBy());
        assertTrue(outcome.stoppedBy().contains("src-b"), outcome.stoppedBy());
    }

    private static void deadLetter(String source, int i) {
        REDIS.command(
                "XADD",
                DLQ,
                "*",
                "type",
                "t",
                "id",
                "e-" + i,
                WireFields.REASON,
                "handler-error",
                WireFields.SOURCE_STREAM,
                source);
    }

    private static RedisSettings as(String user) {
        String uri = REDIS.uri().replace("redis://", "redis://" + user + ":pw@");
        return ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(Map.of("eventbus.redis.uri", uri)))
                .redis();
    }
}
