package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.runtime.stream.StreamEntry;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReadTimeoutsTest {

    private final ReadTimeouts timeouts = new ReadTimeouts(Duration.ofSeconds(10));

    @Test
    void aBoundedReadTimesOutAtItsBoundAndEveryOtherCommandAtTheCommandTimeout() {
        NewEntriesOutput read = new NewEntriesOutput("s", StreamEntry.Origin.NEW).bounded(2_100);
        // As Lettuce hands it over: wrapped in the command that carries its future.
        assertEquals(2_100, timeouts.getTimeout(new AsyncCommand<>(new Command<>(CommandType.XREADGROUP, read))));

        NewEntriesOutput unbounded = new NewEntriesOutput("s", StreamEntry.Origin.NEW);
        assertEquals(10_000, timeouts.getTimeout(new Command<>(CommandType.XCLAIM, unbounded)));
        assertEquals(
                10_000, timeouts.getTimeout(new Command<>(CommandType.XACK, new StatusOutput<>(StringCodec.UTF8))));
        assertEquals(10_000, timeouts.getTimeout(null), "a timeout asked before the command is known");
    }

    @Test
    void aBoundLongerThanTheCommandTimeoutIsCutToIt() {
        NewEntriesOutput read = new NewEntriesOutput("s", StreamEntry.Origin.NEW).bounded(60_000);
        assertEquals(10_000, timeouts.getTimeout(new Command<>(CommandType.XREADGROUP, read)));
    }

    @Test
    void aReadSentAgainKeepsItsBound() {
        NewEntriesOutput read = new NewEntriesOutput("s", StreamEntry.Origin.NEW).bounded(2_100);
        assertEquals(2_100, read.again().timeoutMillis());
    }
}
