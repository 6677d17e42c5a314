package dev.eventbus.runtime.stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * How the acknowledger copes with XACKs that fail before they leave (the Lettuce call throws, or
 * hands back a future already failed) and with two sends at once, on commands that answer as each
 * test says. The real Redis cases are in {@code AcknowledgerIT}.
 */
class AcknowledgerTest {

    private static final String STREAM = "acks";
    private static final String GROUP = "g";
    /** Long enough that the flusher never sends on its own: only {@link Acknowledger#flush} does. */
    private static final Duration NEVER = Duration.ofHours(1);

    private record Call(String stream, String group, List<String> ids) {}

    /** Every XACK asked for, whatever its answer. */
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    /** The XACKs that got an OK. */
    private final List<Call> confirmed = new CopyOnWriteArrayList<>();
    /** What the next XACK does: answers OK when this gives null, else throws what it gives. */
    private volatile Function<Call, Throwable> refusal = call -> null;
    /** Whether a refused XACK hands back a failed future (as Lettuce does when it rejects one) instead of throwing. */
    private volatile boolean refuseWithFailedFuture;

    /** A Redis future, done already. */
    private static final class Reply extends CompletableFuture<Long> implements RedisFuture<Long> {
        @Override
        public String getError() {
            return null;
        }

        @Override
        public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
            try {
                get(timeout, unit);
            } catch (ExecutionException e) {
                return true;
            } catch (TimeoutException e) {
                return false;
            }
            return true;
        }
    }

    @SuppressWarnings("unchecked")
    private RedisClusterAsyncCommands<byte[], byte[]> commands() {
        return (RedisClusterAsyncCommands<byte[], byte[]>) Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {RedisClusterAsyncCommands.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("xack")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    Call call = new Call(
                            new String((byte[]) args[0], StandardCharsets.UTF_8),
                            new String((byte[]) args[1], StandardCharsets.UTF_8),
                            List.of((String[]) args[2]));
                    calls.add(call);
                    Throwable refused = refusal.apply(call);
                    Reply reply = new Reply();
                    if (refused == null) {
                        confirmed.add(call);
                        reply.complete((long) call.ids().size());
                    } else if (refuseWithFailedFuture) {
                        reply.completeExceptionally(refused);
                    } else {
                        throw refused;
                    }
                    return reply;
                });
    }

    /** A connection that is always open. */
    private static StatefulConnection<?, ?> open() {
        return (StatefulConnection<?, ?>) Proxy.newProxyInstance(
                AcknowledgerTest.class.getClassLoader(),
                new Class<?>[] {StatefulConnection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isOpen" -> true;
                    case "toString" -> "open connection";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private Acknowledger acknowledger(int batchSize, Duration interval, int limit) {
        return new Acknowledger(
                commands(), open(), dev.eventbus.runtime.internal.ReconnectReason.UNKNOWN, batchSize, interval, limit);
    }

    private List<String> idsSent() {
        List<String> ids = new ArrayList<>();
        calls.forEach(c -> ids.addAll(c.ids()));
        return ids;
    }

    @Test
    void anXackWhoseSendThrowsIsKeptUnconfirmedAndSentAgain() throws Exception {
        aRefusedSendIsKeptUnconfirmedAndSentAgain(new RedisException("Cannot encode command (test)"));
    }

    /** An Error from the send (Netty out of direct memory, say) is a refusal like any other. */
    @Test
    void anXackWhoseSendThrowsAnErrorIsKeptUnconfirmedAndSentAgain() throws Exception {
        aRefusedSendIsKeptUnconfirmedAndSentAgain(
                new OutOfMemoryError("Cannot reserve 65536 bytes of direct buffer memory (test)"));
    }

    /**
     * The flusher's XACK throws before it is sent: its id is neither lost nor confirmed. It stays
     * unconfirmed (a history re-read must not hand the entry over again), holds its room (a limit
     * of 1: the reader waits), is sent again, and once Redis confirms it the room is free again.
     */
    private void aRefusedSendIsKeptUnconfirmedAndSentAgain(Throwable thrown) throws Exception {
        refusal = call -> thrown;
        try (Acknowledger acks = acknowledger(10, Duration.ofMillis(10), 1)) {
            acks.ack(STREAM, GROUP, "1-0");
            await().atMost(5, TimeUnit.SECONDS).until(() -> calls.size() >= 3);
            assertEquals(List.of("1-0", "1-0", "1-0"), idsSent().subList(0, 3), "the refused XACK is sent again");
            assertEquals(Set.of("1-0"), acks.unconfirmed(STREAM, GROUP), "refused, so not confirmed");
            assertTrue(acks.failure(STREAM, GROUP).contains("test"), acks.failure(STREAM, GROUP));
            assertFalse(acks.awaitRoom(STREAM, GROUP, Duration.ofMillis(50)), "an unconfirmed ack holds its room");
            refusal = call -> null;
            await().atMost(5, TimeUnit.SECONDS)
                    .until(() -> acks.unconfirmed(STREAM, GROUP).isEmpty());
            assertEquals(List.of(new Call(STREAM, GROUP, List.of("1-0"))), confirmed);
            assertEquals("", acks.failure(STREAM, GROUP));
            assertTrue(acks.awaitRoom(STREAM, GROUP, Duration.ZERO), "the confirmed ack's room is free again");
        }
    }

    /**
     * An XACK cut by the client's close of its connection (a cluster node left the client's view),
     * then refused while the client connects to the new node, is sent again without counting as
     * failing: readiness showed the subscription failing for a back-off after a failover, events
     * already flowing again (ClusterFrozenPrimaryIT under load).
     */
    @Test
    void anXackCutByTheClientsCloseIsSentAgainWithoutFailing() throws Exception {
        AtomicInteger sends = new AtomicInteger();
        refuseWithFailedFuture = true;
        refusal = call -> switch (sends.incrementAndGet()) {
            case 1 -> new RedisException("Connection closed");
            case 2, 3 -> new RedisException("Currently not connected. Commands are rejected.");
            default -> null;
        };
        try (Acknowledger acks = acknowledger(10, Duration.ofMillis(10), 100)) {
            acks.ack(STREAM, GROUP, "1-0");
            List<String> seen = new ArrayList<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!acks.unconfirmed(STREAM, GROUP).isEmpty() && System.nanoTime() < until) {
                String f = acks.failure(STREAM, GROUP);
                if (!f.isEmpty() && !seen.contains(f)) {
                    seen.add(f);
                }
                Thread.sleep(1);
            }
            assertEquals(Set.of(), acks.unconfirmed(STREAM, GROUP));
            assertEquals(List.of(new Call(STREAM, GROUP, List.of("1-0"))), confirmed);
            assertEquals(List.of(), seen);
        }
    }

    /** Cuts that go on past the connect wait count: the client closing its connections for good is reported. */
    @Test
    void xacksCutForLongerThanTheConnectWaitFail() {
        refuseWithFailedFuture = true;
        refusal = call -> new RedisException("Connection closed");
        try (Acknowledger acks = acknowledger(10, Duration.ofMillis(10), 100)) {
            acks.ack(STREAM, GROUP, "1-0");
            await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> acks.failure(STREAM, GROUP).contains("Connection closed"));
        }
    }

    /**
     * Two sends at once (a flush, and the flusher or another flush) both see a queue with ids; the
     * first takes them all. The second sends nothing: no XACK without ids (Redis refuses one: a
     * wrong number of arguments, counted as a failure, which would slow every XACK down).
     */
    @Test
    void sendsRacingForTheSameIdsSendNoEmptyXack() throws Exception {
        try (Acknowledger acks = acknowledger(100, NEVER, 100)) {
            acks.ack(STREAM, GROUP, "1-0");
            acks.ack(STREAM, GROUP, "2-0");
            AckQueue queue = acks.queueOf(STREAM, GROUP);
            List<Thread> flushes = new ArrayList<>();
            synchronized (queue) { // both get as far as taking ids off the queue, and wait there
                for (int i = 0; i < 2; i++) {
                    flushes.add(Thread.ofPlatform().start(() -> acks.flush(Duration.ofSeconds(5))));
                }
                await().atMost(5, TimeUnit.SECONDS)
                        .until(() -> flushes.stream().allMatch(t -> t.getState() == Thread.State.BLOCKED));
            }
            for (Thread t : flushes) {
                assertTrue(t.join(Duration.ofSeconds(10)));
            }
            assertEquals(List.of(new Call(STREAM, GROUP, List.of("1-0", "2-0"))), calls, "one XACK, with both ids");
            assertEquals(Set.of(), acks.unconfirmed(STREAM, GROUP));
        }
    }

    @Test
    void anXackWhoseSendThrowsIsNotSentAgainInTheSameRound() {
        eachRefusedXackIsAskedOncePerRound();
    }

    /**
     * Lettuce does not throw when it rejects a command before sending it (its request queue full,
     * the connection lost a moment ago): it hands back a future failed already, whose callback puts
     * the ids back on their queue before the send loop looks at it again.
     */
    @Test
    void anXackFailedBeforeItsSendReturnsIsNotSentAgainInTheSameRound() {
        refuseWithFailedFuture = true;
        eachRefusedXackIsAskedOncePerRound();
    }

    /**
     * Two groups with an ack each, every XACK refused before it leaves: one round (a flush with no
     * time to try again) asks each once. Without that, the first group's refused id, back on its
     * queue, was taken and refused again as long as the round's count allowed, and the other group
     * got nothing in that round.
     */
    private void eachRefusedXackIsAskedOncePerRound() {
        refusal = call -> new RedisException("Request queue size exceeded (test)");
        try (Acknowledger acks = acknowledger(100, NEVER, 100)) {
            acks.ack(STREAM, "g1", "1-0");
            acks.ack(STREAM, "g2", "2-0");
            acks.flush(Duration.ZERO);
            List<String> sent = idsSent();
            sent.sort(null);
            assertEquals(List.of("1-0", "2-0"), sent, "each refused XACK once: " + calls);
            assertEquals(Set.of("1-0"), acks.unconfirmed(STREAM, "g1"));
            assertEquals(Set.of("2-0"), acks.unconfirmed(STREAM, "g2"));
            refusal = call -> null; // the close sends them
        }
    }

    /**
     * A flush whose XACK is refused before it leaves counts that as a failed send: it tries again
     * within its timeout, rather than return at once with the acknowledgement still queued.
     */
    @Test
    void aFlushSendsAgainAnXackThatWasRefusedBeforeItLeft() {
        refusal = call -> calls.size() == 1 ? new RedisException("Request queue size exceeded (test)") : null;
        try (Acknowledger acks = acknowledger(100, NEVER, 100)) {
            acks.ack(STREAM, GROUP, "1-0");
            acks.flush(Duration.ofSeconds(5));
            assertEquals(2, calls.size(), "refused once, then sent again: " + calls);
            assertEquals(List.of(new Call(STREAM, GROUP, List.of("1-0"))), confirmed);
            assertEquals(Set.of(), acks.unconfirmed(STREAM, GROUP));
        }
    }

    /**
     * A group's XACK refused for good (the group deleted: NOGROUP) drops its ids: nothing of it is
     * left to send again, so the flusher does not pause for it. Before, the other subscriptions'
     * XACKs waited up to 1 s between sends until that group's next XACK succeeded, which a deleted
     * group's never does. A failure whose ids are kept to be sent again does pace the sends.
     */
    @Test
    void anXackRefusedForGoodDoesNotPauseTheOthers() {
        refusal = call -> call.group().equals("gone")
                ? new RedisCommandExecutionException("NOGROUP No such key 'acks' or consumer group 'gone' (test)")
                : null;
        try (Acknowledger acks = acknowledger(100, NEVER, 100)) {
            acks.ack(STREAM, "gone", "1-0");
            acks.flush(Duration.ofSeconds(5));
            assertEquals(List.of(new Call(STREAM, "gone", List.of("1-0"))), calls);
            assertTrue(acks.failure(STREAM, "gone").contains("NOGROUP"), acks.failure(STREAM, "gone"));
            assertEquals(Set.of(), acks.unconfirmed(STREAM, "gone"), "refused for good: dropped, not kept");
            assertEquals(0, acks.resendPause(), "nothing to send again: no pause for the other groups");

            refusal = call -> new RedisException("Connection closed (test)");
            acks.ack(STREAM, GROUP, "2-0");
            acks.flush(Duration.ZERO);
            assertEquals(Set.of("2-0"), acks.unconfirmed(STREAM, GROUP), "kept to send again");
            assertTrue(acks.resendPause() > 0, "ids kept to send again: the flusher paces its tries");
            refusal = call -> null;
        }
    }

    /**
     * An XACK refused for want of a permission (a user without +xack) keeps its ids and is sent
     * again, paced, so it goes once the permission is granted. Found from outside: dropped, the
     * entry stayed pending and the subscription failing until the reclaimer took it after
     * claim-idle (2 min) and it was handled a second time.
     */
    @Test
    void anXackRefusedForWantOfAPermissionIsKeptAndSentOnceItIsGranted() {
        refusal = call ->
                new RedisCommandExecutionException("NOPERM this user has no permissions to run the 'xack' command");
        try (Acknowledger acks = acknowledger(100, NEVER, 100)) {
            acks.ack(STREAM, GROUP, "1-0");
            acks.flush(Duration.ZERO);
            assertEquals(Set.of("1-0"), acks.unconfirmed(STREAM, GROUP), "kept to send again, not dropped");
            assertTrue(
                    acks.failure(STREAM, GROUP).contains("the Redis user lacks a permission (NOPERM"),
                    acks.failure(STREAM, GROUP));
            assertTrue(acks.resendPause() > 0, "sent again with the growing pause");

            refusal = call -> null; // +xack granted
            acks.flush(Duration.ofSeconds(5));
            assertEquals(Set.of(), acks.unconfirmed(STREAM, GROUP));
            assertEquals("", acks.failure(STREAM, GROUP), "no longer failing once it went");
            assertEquals(new Call(STREAM, GROUP, List.of("1-0")), calls.getLast());
        }
    }

    /**
     * An ack queued while a flush sends (an event that finished during a shutdown's flush) is no
     * failure: the flush does not report it as one that "could not be sent", and the final flush
     * at close sends it in full (a flush that fell short makes close's own flush a short one).
     */
    @Test
    void anAckQueuedDuringAFlushIsNotReportedAsFallingShort() {
        try (Acknowledger acks = acknowledger(100, NEVER, 100)) {
            refusal = call -> {
                if (call.ids().contains("1-0")) {
                    acks.ack(STREAM, GROUP, "2-0"); // finished while the flush was sending
                }
                return null;
            };
            acks.ack(STREAM, GROUP, "1-0");
            acks.flush(Duration.ofSeconds(5));
            assertEquals(Set.of("2-0"), acks.unconfirmed(STREAM, GROUP), "queued after the flush took its batch");
            assertFalse(acks.lastFlushFellShort(), "nothing failed: the flush did not fall short");
        }
        assertEquals(List.of("1-0", "2-0"), idsSent(), "the close sent the late ack");
    }
}
