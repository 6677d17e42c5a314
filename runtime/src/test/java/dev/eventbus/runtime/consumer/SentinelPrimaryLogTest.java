package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lettuce.core.RedisURI;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The primary the sentinels named, and a failover followed: a dropped primary, then a new one for a minute. */
class SentinelPrimaryLogTest {

    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 50000);

    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private static final RedisURI URI = RedisURI.create("redis-sentinel://127.0.0.1:26379#orders");
    private final SentinelPrimaryLog log = new SentinelPrimaryLog(URI, clock);

    private static InetSocketAddress at(int port) {
        return InetSocketAddress.createUnresolved("127.0.0.1", port);
    }

    @Test
    void followsAFailoverFromTheDropToAMinuteAfterTheNewPrimary() {
        assertTrue(log.current().isEmpty(), "nothing before the first connection");
        log.activated(new ConnectionActivatedEvent(LOCAL, at(26379))); // a sentinel: not a primary
        assertTrue(log.current().isEmpty());
        log.activated(new ConnectionActivatedEvent(LOCAL, at(6379)));
        assertEquals("127.0.0.1:6379 (master)", log.current().orElseThrow().describe());

        log.deactivated(new ConnectionDeactivatedEvent(LOCAL, at(6379)));
        now = now.plusSeconds(2);
        assertEquals(
                "127.0.0.1:6379 (master); not connected for 2 s: following a failover",
                log.current().orElseThrow().describe());

        now = now.plusSeconds(1);
        log.activated(new ConnectionActivatedEvent(LOCAL, at(6380)));
        now = now.plusSeconds(4);
        assertEquals(
                "127.0.0.1:6380 (master); followed a failover 4 s ago (was 127.0.0.1:6379)",
                log.current().orElseThrow().describe());
        now = now.plus(StreamNode.RECENT);
        assertEquals("127.0.0.1:6380 (master)", log.current().orElseThrow().describe());
    }

    @Test
    void onlyTheReadersClientSaysWhatItFollowsButEveryClientKnowsAFailover() {
        Logger logger = (Logger) LoggerFactory.getLogger(SentinelPrimaryLog.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            SentinelPrimaryLog quiet = new SentinelPrimaryLog(URI, clock, false);
            assertFalse(quiet.activated(new ConnectionActivatedEvent(LOCAL, at(6379))), "the first primary");
            assertFalse(quiet.activated(new ConnectionActivatedEvent(LOCAL, at(26379))), "a sentinel");
            assertTrue(quiet.activated(new ConnectionActivatedEvent(LOCAL, at(6380))), "a failover followed");
            assertFalse(quiet.activated(new ConnectionActivatedEvent(LOCAL, at(6380))), "the same primary again");
            assertEquals(List.of(), lines.list, "the admin side's client logs nothing");
            assertEquals("127.0.0.1:6380", quiet.connectedTo().orElseThrow());

            assertFalse(log.activated(new ConnectionActivatedEvent(LOCAL, at(6379))));
            assertTrue(log.activated(new ConnectionActivatedEvent(LOCAL, at(6380))));
            assertEquals(2, lines.list.size(), lines.list.toString());
            assertTrue(lines.list.get(1).getFormattedMessage().contains("followed a failover"), lines.list.toString());
        } finally {
            logger.detachAppender(lines);
        }
    }
}
