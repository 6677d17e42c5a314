package dev.eventbus.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lettuce.core.RedisConnectionException;
import java.net.ConnectException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class SentinelSilenceTest {

    private static final String TRIED = "Cannot connect to a Redis Sentinel: [redis://127.0.0.1:7330?timeout=10s, "
            + "redis://127.0.0.1:7331?timeout=10s, redis://127.0.0.1:7332?timeout=10s]";

    private static RedisConnectionException one(int port) {
        return new RedisConnectionException(
                "Cannot connect Redis Sentinel at redis://127.0.0.1:" + port + "?timeout=10s",
                new CompletionException(new ConnectException("Connection refused")));
    }

    /**
     * Found from outside: with every sentinel down the runtime's line said "ConnectException:
     * Connection refused", one sentinel's reason, naming none; Lettuce's own lines said which.
     * Lettuce's failure (7.7) names each sentinel tried and gives the last one's reason only.
     */
    @Test
    void aConnectionNoSentinelAnsweredNamesEachSentinelAndTheLastOnesReason() {
        RedisConnectionException e = new RedisConnectionException(TRIED, one(7332));
        String expected = "no sentinel answers: 127.0.0.1:7330, 127.0.0.1:7331, 127.0.0.1:7332 (the last: "
                + "ConnectException: Connection refused)";
        assertEquals(expected, Errors.rootMessage(e));
        assertEquals(expected, Errors.messageAndRoot(new RedisConnectionException("wrapped", e)));
        assertEquals(expected, Errors.describe(e));
    }

    /** When every sentinel's failure comes with it (suppressed), they are grouped by reason. */
    @Test
    void eachSentinelsReasonGivenIsSaid() {
        RedisConnectionException e = new RedisConnectionException(TRIED, one(7332));
        e.addSuppressed(one(7330));
        e.addSuppressed(one(7331));
        assertEquals(
                "no sentinel answers: ConnectException: Connection refused (127.0.0.1:7330, 127.0.0.1:7331, "
                        + "127.0.0.1:7332)",
                Errors.rootMessage(e));
    }

    @Test
    void silentSentinelsAreGroupedByReasonAndCountedAgainstTheOthers() {
        Map<String, String> one = new LinkedHashMap<>();
        one.put("10.0.0.5:26379", "ConnectException: Connection refused");
        assertEquals(
                "1 of 3 sentinels does not answer: ConnectException: Connection refused (10.0.0.5:26379)",
                SentinelSilence.text(one, 3));
        one.put("10.0.0.6:26379", "no answer within 2000 ms");
        assertEquals(
                "2 of 3 sentinels do not answer: ConnectException: Connection refused (10.0.0.5:26379); "
                        + "no answer within 2000 ms (10.0.0.6:26379)",
                SentinelSilence.text(one, 3));
        assertEquals(
                "no sentinel answers: ConnectException: Connection refused (10.0.0.5:26379); "
                        + "no answer within 2000 ms (10.0.0.6:26379)",
                SentinelSilence.text(one, 2));
        assertEquals("", SentinelSilence.text(Map.of(), 3));
    }

    @Test
    void otherFailuresAreSaidAsBefore() {
        assertEquals(
                "ConnectException: Connection refused",
                Errors.rootMessage(new RedisConnectionException(
                        "Unable to connect to 127.0.0.1:6379", new ConnectException("Connection refused"))));
    }
}
