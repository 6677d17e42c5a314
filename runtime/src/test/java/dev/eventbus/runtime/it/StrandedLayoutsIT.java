package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.testkit.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Changing a stream's partition count without the {@code draining} step: 20 events wait unread on
 * the old 32-partition layout and an instance starts with 8. Found from outside: no warning at
 * start-up, in {@code status} or {@code config check}, and the 20 events were never read. Now the
 * start-up check names the layout, the count and the fix, and what is left per handler: found from
 * outside, a sum over a layout's groups told 5 entries read by two handlers as "10 entries".
 */
class StrandedLayoutsIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.eventbus.runtime.StrandedLayouts");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void capture() {
        REDIS.command("FLUSHALL");
        lines.start();
        logger.addAppender(lines);
        // The old layout: its groups created, 20 entries after them, 5 more read and left pending.
        for (int p = 0; p < 4; p++) {
            REDIS.command("XGROUP", "CREATE", "{it-stream:" + p + "/32}", "recorder", "0", "MKSTREAM");
            for (int i = 0; i < 5; i++) {
                REDIS.command("XADD", "{it-stream:" + p + "/32}", "*", "type", "it.recorded", "subject", "s" + i);
            }
        }
        REDIS.command("XGROUP", "CREATE", "{it-stream:9/32}", "recorder", "0", "MKSTREAM");
        for (int i = 0; i < 5; i++) {
            REDIS.command("XADD", "{it-stream:9/32}", "*", "type", "it.recorded", "subject", "s" + i);
        }
        REDIS.command("XREADGROUP", "GROUP", "recorder", "gone", "COUNT", "5", "STREAMS", "{it-stream:9/32}", ">");
        // A second handler's group on one partition: it owes that partition's 5 entries too.
        REDIS.command("XGROUP", "CREATE", "{it-stream:0/32}", "auditor", "0");
        // Another stream's partitions, and a drained layout: neither is told.
        REDIS.command("XADD", "{other:0/32}", "*", "type", "it.recorded");
        REDIS.command("XGROUP", "CREATE", "{it-stream:0/16}", "recorder", "$", "MKSTREAM");
        REDIS.command("XADD", "{it-stream:0/16}", "*", "type", "it.recorded");
        REDIS.command("XGROUP", "SETID", "{it-stream:0/16}", "recorder", "$");
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
    }

    @Test
    void anOldLayoutWithUnreadEntriesNotUnderDrainingIsWarnedAboutAtStartUp() throws Exception {
        env.start("inst-a", Map.of("eventbus.streams.it-stream.partitions", 8));
        Streams.await(
                "the start-up check done",
                Duration.ofSeconds(10),
                () -> !warnings().isEmpty());
        Thread.sleep(300); // nothing more comes
        assertEquals(
                List.of("stream it-stream: the layout of 32 partitions ({it-stream:*/32}) holds entries "
                        + "undelivered or pending that no handler here reads (5 for auditor, 25 for recorder): the "
                        + "configured count is 8 and 32 is "
                        + "not under draining. Add draining = [32] to eventbus.streams.it-stream to read them first "
                        + "(README, Partitioned streams, Changing N)"),
                warnings());
    }

    @Test
    void anOldLayoutUnderDrainingIsNotWarnedAbout() throws Exception {
        env.start(
                "inst-a",
                Map.of("eventbus.streams.it-stream.partitions", 8, "eventbus.streams.it-stream.draining", List.of(32)));
        Thread.sleep(1_500);
        assertEquals(List.of(), warnings());
    }

    private List<String> warnings() {
        return lines.list.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }
}
