package dev.eventbus.runtime.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.ownership.Lease.State;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The lease state machine on an injected monotonic clock (ttl 10 s, margin 2 s). */
class LeaseTest {

    private long now = 1_000_000_000L;
    private final Lease lease =
            new Lease("recorder", "{orders:0/8}", "a", Duration.ofSeconds(10), Duration.ofSeconds(2), () -> now);

    private void advance(Duration d) {
        now += d.toNanos();
    }

    @Test
    void theLeaseKeySharesThePartitionsHashTag() {
        assertEquals("{orders:0/8}:lease:recorder", lease.leaseKey());
        assertEquals("recorder@{orders:0/8}", lease.resource());
    }

    @Test
    void aFreeLeaseNeitherReadsNorDispatches() {
        assertEquals(State.FREE, lease.state());
        assertEquals(0, lease.enterRead());
        assertFalse(lease.mayDispatch());
    }

    @Test
    void theLocalDeadlineIsTtlMinusMarginFromWhenTheRequestWasSent() {
        long sent = now;
        advance(Duration.ofSeconds(1)); // the reply took a second
        lease.acquired(7, sent);
        assertEquals(7, lease.enterRead());
        lease.exitRead();
        advance(Duration.ofMillis(6_999)); // sent + 7.999 s
        assertTrue(lease.mayDispatch());
        advance(Duration.ofMillis(1)); // sent + 8 s = ttl - margin
        assertFalse(lease.mayDispatch(), "no dispatch from the local deadline on");
        assertEquals(State.LAPSED, lease.state());
        assertEquals(0, lease.enterRead());
    }

    @Test
    void aRenewalExtendsTheDeadlineFromItsSendTime() {
        lease.acquired(3, now);
        advance(Duration.ofSeconds(3));
        long sent = now;
        advance(Duration.ofSeconds(2));
        lease.renewed(3, sent);
        advance(Duration.ofMillis(5_999)); // sent + 7.999 s, past the first deadline
        assertTrue(lease.mayDispatch());
        advance(Duration.ofMillis(1));
        assertFalse(lease.mayDispatch());
    }

    @Test
    void aLapsedLeaseIsNotRevivedByALateRenewal() {
        lease.acquired(3, now);
        long sent = now;
        advance(Duration.ofSeconds(9));
        assertEquals(State.LAPSED, lease.check());
        lease.renewed(3, sent + Duration.ofSeconds(8).toNanos());
        assertFalse(lease.mayDispatch(), "a lapsed token never dispatches again: its reads may have been skipped");
        lease.released();
        lease.acquired(4, now);
        assertEquals(4, lease.enterRead(), "a new lease (new token) reads again");
    }

    @Test
    void aRenewalOfAnotherTokenChangesNothing() {
        lease.acquired(3, now);
        advance(Duration.ofSeconds(7));
        lease.renewed(2, now);
        advance(Duration.ofSeconds(1));
        assertFalse(lease.mayDispatch());
    }

    @Test
    void fencedByRedisItStopsAtOnce() {
        lease.acquired(5, now);
        lease.fenced(4); // an older token's news: ignored
        assertTrue(lease.mayDispatch());
        lease.fenced(5);
        assertEquals(State.LAPSED, lease.state());
        assertFalse(lease.mayDispatch());
        assertEquals(5, lease.token(), "kept for the release");
    }

    @Test
    void drainingStopsReadsButLetsRunningEventsFinish() {
        lease.acquired(5, now);
        assertEquals(5, lease.enterRead());
        lease.drain();
        assertFalse(lease.noReadInProgress(), "a read on its way to dispatch holds the handover");
        assertEquals(0, lease.enterRead(), "no new read while handing over");
        assertTrue(lease.mayDispatch(), "what was read still runs");
        lease.exitRead();
        assertTrue(lease.noReadInProgress());
        advance(Duration.ofSeconds(3));
        assertEquals(3_000_000_000L, lease.drainingForNanos());
        lease.keep();
        assertEquals(State.HELD, lease.state());
        assertEquals(5, lease.enterRead(), "assigned back: the same token reads on");
    }

    @Test
    void releasedItIsFree() {
        lease.acquired(5, now);
        lease.released();
        assertEquals(State.FREE, lease.state());
        assertEquals(0, lease.token());
        assertFalse(lease.mayDispatch());
    }
}
