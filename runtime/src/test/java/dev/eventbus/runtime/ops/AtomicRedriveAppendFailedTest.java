package dev.eventbus.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The XADD of a two-step (cross-slot) redrive failed: refused, or of unknown outcome. */
class AtomicRedriveAppendFailedTest {

    private static final byte[] DLQ = "eventbus:dlq:{h1}".getBytes(StandardCharsets.UTF_8);
    private static final DeadLetterEntry DEAD_LETTER =
            new DeadLetterEntry("5-0", List.of(Field.of("type", "t"), Field.of("eventbus-source-stream", "orders")));

    @Test
    void anErrorReplyAppendedNothingSoTheStepWasRefused() {
        RedisException refused = new RedisCommandExecutionException("OOM command not allowed");
        assertSame(refused, AtomicRedrive.appendFailed(DLQ, "h1", DEAD_LETTER, refused));
    }

    @Test
    void aTimeoutMayHaveAppendedSoItIsAHalfRedriveToCheckBeforeRedrivingAgain() {
        RuntimeException outcome = AtomicRedrive.appendFailed(
                DLQ, "h1", DEAD_LETTER, new RedisCommandTimeoutException("Command timed out after 2 second(s)"));
        AtomicRedrive.HalfRedriven half = assertInstanceOf(AtomicRedrive.HalfRedriven.class, outcome);
        assertFalse(half.appended(), "not counted as redriven: it may not have gone");
        assertTrue(
                half.getMessage().contains("dead letter 5-0 may have been appended to 'orders'")
                        && half.getMessage().contains("check the stream before redriving it again")
                        && half.getMessage().contains("eventbus-redrive-of = 5-0")
                        && half.getMessage().contains("'eventbus dlq discard --handler h1 5-0'"),
                half.getMessage());
    }

    @Test
    void aLostConnectionIsOfUnknownOutcomeToo() {
        assertInstanceOf(
                AtomicRedrive.HalfRedriven.class,
                AtomicRedrive.appendFailed(DLQ, "h1", DEAD_LETTER, new RedisException("Connection closed")));
    }
}
