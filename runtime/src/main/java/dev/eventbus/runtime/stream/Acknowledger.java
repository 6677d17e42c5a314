package dev.eventbus.runtime.stream;

import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.Loop;
import dev.eventbus.runtime.internal.ReconnectReason;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the runtime's XACKs, except those of dead letters and loss records: such an entry is
 * acknowledged inside the Lua script of {@code DeadLetterWriter.writeIfPending} that writes its
 * record, so the XADD and the XACK happen atomically. Workers hand it the ids whose outcome is durable; it sends them
 * in batches (one XACK per stream and group, pipelined on the shared connection) at least every
 * {@code interval}, sooner when a batch fills.
 *
 * <p>Bounded: once {@code limit} acknowledgements of one stream and group (one subscription) are
 * queued or unconfirmed by Redis, its reader waits ({@link #awaitRoom}) before it reads more, and
 * its retry poller and reclaimer take nothing; otherwise a slow Redis would let
 * handled-but-unacknowledged entries pile up, each one a duplicate after a crash. The entries
 * already taken go on to their outcome, so the most unconfirmed is about the limit plus the
 * subscription's entries in hand (max-in-flight plus read-ahead; twice that for a handler ordered by
 * subject, whose lanes lend slots to retries and reclaims). The wait is the reader's, not the
 * worker's: a worker never waits to acknowledge (the JIT compiled a worker's "room ran out" branch
 * out as never taken, and the first time Redis lagged it threw the whole event path's compiled
 * code away). The bound is per subscription, not shared: on a cluster a slow primary holds back only
 * the subscriptions of its streams, and eight subscriptions draining at once do not wait on one
 * shared limit (they did, at half the raw loop's rate on a 3-primary cluster).
 *
 * <p>An XACK that fails on the way (connection lost, Redis restarting) keeps its ids: they are
 * queued again and sent once the connection is back (XACK is idempotent), so a connection loss
 * costs duplicates only of what was in flight, not of what was already handled. So does one Redis
 * refuses for want of a permission (NOPERM, a user without {@code +xack}): the permission granted,
 * the ids go within the resend pause. Dropped, they stayed pending, the subscription failing,
 * until the reclaimer took them after {@code recovery.claim-idle} and they were handled again
 * (found from outside: failing about 2 min after {@code +xack} was restored). Kept ids count
 * against {@code limit} like any unconfirmed ones, which bounds them. Only an XACK that no waiting
 * mends (any other error reply, such as NOGROUP or WRONGTYPE: the group or stream gone) drops its
 * ids, logged: they stay
 * pending, if their group still exists. Nothing is acked that was not handed in. While a group's XACKs fail {@link #failure} says why, for readiness; the log says
 * it on the first failure and then on the 2nd, 4th, 8th... in a row, not on every batch.
 *
 * <p>Thread-safe: {@link #ack} is called from many worker threads; one flusher thread sends (a
 * {@link Loop}: it survives every error, and backs off while sending keeps failing).
 */
public final class Acknowledger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Acknowledger.class);

    private final RedisClusterAsyncCommands<byte[], byte[]> redis;
    private final StatefulConnection<?, ?> connection;
    private final int batchSize;
    private final Duration interval;
    private final ReconnectReason reconnect;
    /** Queued ids by stream, then group: two lookups on cached string hashes, no key made per ack. */
    private final Map<String, Map<String, AckQueue>> queues = new ConcurrentHashMap<>();

    private final AtomicInteger queued = new AtomicInteger();
    /** Acknowledgements of one stream and group queued or not yet confirmed past which its reader waits. */
    private final int limit;

    private final Loop flusher;
    private volatile boolean stopping;
    /** When the last batch went out (or was due but could not go, disconnected); the flusher's own. */
    private long lastSend = System.nanoTime();
    /** The last {@link #flush} ended with acknowledgements it could not send in time. */
    private volatile boolean lastFlushFellShort;
    /** Consecutive XACK failures by "group@stream", while they last. */
    private final Map<String, AckTrouble> failing = new ConcurrentHashMap<>();

    /**
     * A group whose XACKs fail: why, how many times in a row, and whether its ids are kept to be sent
     * again (only then does the flusher pause between tries; ids refused for good are dropped, and a
     * group that is gone may never succeed again to clear its entry).
     */
    private record AckTrouble(String reason, int times, boolean resending) {}

    /** On one node's connection. */
    public Acknowledger(RedisAsyncCommands<byte[], byte[]> redis, int batchSize, Duration interval, int limit) {
        this(redis, redis.getStatefulConnection(), ReconnectReason.UNKNOWN, batchSize, interval, limit);
    }

    /**
     * @param connection the connection {@code redis} sends on, while closed no batch is sent
     * @param reconnect why its client fails to reconnect, for the words of an XACK refused meanwhile
     */
    public Acknowledger(
            RedisClusterAsyncCommands<byte[], byte[]> redis,
            StatefulConnection<?, ?> connection,
            ReconnectReason reconnect,
            int batchSize,
            Duration interval,
            int limit) {
        this.redis = redis;
        this.connection = connection;
        this.limit = limit;
        this.batchSize = batchSize;
        this.interval = interval;
        this.reconnect = reconnect;
        this.flusher = new Loop(
                "eventbus-acker",
                Thread.ofPlatform().daemon(true).factory(),
                Duration.ZERO,
                interval,
                false,
                LOG,
                reconnect,
                this::round);
        flusher.start();
    }

    /**
     * Queues an acknowledgement, sent within {@code interval} (later while XACKs fail or Redis is
     * away: then kept and sent once it answers). Never waits.
     */
    public void ack(String stream, String group, String id) {
        AckQueue queue = queueOf(stream, group);
        queue.unconfirmed.incrementAndGet();
        enqueue(queue, id);
    }

    /**
     * Waits, up to {@code max}, while {@code limit} acknowledgements of the stream and group are
     * queued or not yet confirmed by Redis: a reader calls it before it reads more (one reader per
     * stream and group). Returns at once once this acknowledger is closing.
     *
     * @return whether there is room, or this acknowledger is closing (false: {@code max} passed
     *     first; a {@code max} of zero only looks)
     */
    public boolean awaitRoom(String stream, String group, Duration max) throws InterruptedException {
        if (hasRoom(stream, group)) {
            return true;
        }
        if (!max.isPositive()) {
            return false; // a look, not a wait: it must not take the waiting reader's place
        }
        AckQueue queue = queueOf(stream, group);
        long deadline = System.nanoTime() + max.toNanos();
        Thread me = Thread.currentThread();
        queue.waiter = me; // woken by the answer that makes room, or by close()
        try {
            while (!queue.hasRoom() && !stopping) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // Looked at again now and then as well: a second reader of the same stream and
                // group (a handover's moment) may have taken the wake-up.
                LockSupport.parkNanos(this, Math.min(left, ROOM_RECHECK_NANOS));
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            return true;
        } finally {
            if (queue.waiter == me) {
                queue.waiter = null;
            }
        }
    }

    private static final long ROOM_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /**
     * Whether fewer than {@code limit} acknowledgements of the stream and group are queued or
     * unconfirmed now (or this acknowledger is closing), as {@link #awaitRoom} would find without
     * waiting: the retry poller and the reclaimer take nothing while there are not.
     */
    public boolean hasRoom(String stream, String group) {
        return queueOf(stream, group).hasRoom() || stopping;
    }

    /**
     * The queue of a stream and group, made on first use. Package-private for {@code
     * AcknowledgerTest}, which holds a queue's lock to line up two sends at the same ids.
     */
    AckQueue queueOf(String stream, String group) {
        Map<String, AckQueue> groups = queues.get(stream);
        if (groups == null) {
            groups = queues.computeIfAbsent(stream, s -> new ConcurrentHashMap<>());
        }
        AckQueue queue = groups.get(group);
        if (queue == null) {
            queue = groups.computeIfAbsent(group, g -> new AckQueue(limit));
        }
        return queue;
    }

    private void enqueue(AckQueue queue, String id) {
        queue.ids.add(id);
        // Woken once as the batch fills, not by every ack after it until the flusher runs: on two
        // busy cores that was an unpark (a futex call) for most events of a drain.
        if (queued.incrementAndGet() == batchSize) {
            flusher.wake();
        }
    }

    /**
     * One round of the flusher: sends a full batch, or everything queued once an interval has
     * passed; otherwise asks to wait for the rest of the interval ({@link #enqueue} wakes it when a
     * batch fills).
     */
    private Duration round() {
        long resendPause = resendPause();
        long pause = Math.max(interval.toNanos(), resendPause);
        long wait = lastSend + pause - System.nanoTime();
        if (wait > 0 && (queued.get() < batchSize || resendPause > 0)) {
            // Woken early or not yet full: wait on, so that each XACK carries a full batch or
            // everything of one interval. While XACKs fail, a full batch waits too: the pause.
            return Duration.ofNanos(wait);
        }
        lastSend = System.nanoTime(); // before sending: a send that throws must not spin
        if (!connected()) {
            // Refused at once while disconnected: keep everything queued until the connection is back.
            return interval;
        }
        send();
        return Duration.ZERO;
    }

    /**
     * Sends what is queued now, a batch at a time. Taking a batch and sending it are methods of their
     * own: inlined in this loop, they made it a large method compiled three times over (twice "on
     * stack" for its id loop, then whole), each time with Lettuce's whole XACK path, late in a
     * drain; apart, each is compiled once, as any method called per batch.
     */
    private List<Future<Long>> send() {
        List<Future<Long>> sent = new ArrayList<>();
        // What is queued now, not what workers add meanwhile: that would go out in dribbles.
        int left = queued.get();
        for (Map.Entry<String, Map<String, AckQueue>> byStream : queues.entrySet()) {
            String stream = byStream.getKey();
            for (Map.Entry<String, AckQueue> e : byStream.getValue().entrySet()) {
                String group = e.getKey();
                AckQueue queue = e.getValue();
                while (left > 0 && !queue.ids.isEmpty()) {
                    String[] batch = take(queue, Math.min(batchSize, left));
                    if (batch == null) {
                        break; // another send (a flush racing the flusher) took them
                    }
                    queued.addAndGet(-batch.length);
                    left -= batch.length;
                    Future<Long> future = xack(stream, group, queue, batch);
                    sent.add(future);
                    if (future.isDone() && future.state() != Future.State.SUCCESS) {
                        // Not sent (Lettuce rejects a command so, its request queue full or the
                        // connection just lost): its ids are back on the queue already.
                        break; // not the same ids again in this round
                    }
                }
            }
        }
        return sent;
    }

    /**
     * Takes up to {@code max} ids off the queue and puts them in flight, as one step; null when
     * there were none. An array, sent as it is: a list's toArray had a type check that threw the
     * sending code away on a 2-core box, a second of C2 time.
     */
    private static String[] take(AckQueue queue, int max) {
        String[] batch = new String[max];
        int taken = 0;
        synchronized (queue) {
            String id;
            while (taken < max && (id = queue.ids.poll()) != null) {
                batch[taken++] = id;
            }
            if (taken == 0) {
                return null;
            }
            if (taken < max) {
                batch = Arrays.copyOf(batch, taken);
            }
            queue.inFlight.add(batch); // its identity marks the batch in flight
        }
        return batch;
    }

    /** Sends one batch taken by {@link #take}; its answer goes to {@link #answered}. */
    private Future<Long> xack(String stream, String group, AckQueue queue, String[] batch) {
        // The reply (how many were still pending) is not needed: fewer than sent means some were
        // acknowledged already (a resend, a loss record) or are gone with the stream.
        RedisFuture<Long> future;
        try {
            future = redis.xack(Bytes.utf8(stream), Bytes.utf8(group), batch);
        } catch (Throwable refused) { // not sent at all: kept, as a failure on the way is
            answered(stream, group, queue, batch, refused);
            return CompletableFuture.failedFuture(refused); // a flush tries again
        }
        future.whenComplete((n, err) -> answered(stream, group, queue, batch, err));
        return future;
    }

    /**
     * An XACK was answered. Failed on the way: its ids go back to their queue, still unconfirmed,
     * and are sent again. Refused by Redis for good: dropped, they stay pending (or went with the group).
     */
    private void answered(String stream, String group, AckQueue queue, String[] ids, Throwable err) {
        String key = group + "@" + stream;
        if (err == null) {
            // Counted and cleared before the ids leave the flight: once none is unconfirmed, the
            // room and the failure say so too.
            queue.confirmed(ids.length);
            boolean recovered = !failing.isEmpty() && failing.remove(key) != null;
            leaveFlight(queue, ids);
            if (recovered) {
                LOG.info(
                        "XACK on {} for group {} works again (acknowledgements kept meanwhile are sent)",
                        stream,
                        group);
            }
            return;
        }
        if (cutQuietly(key, err)) {
            synchronized (queue) { // sent again at the next flush, not counted as failing
                queue.ids.addAll(Arrays.asList(ids));
                leaveFlight(queue, ids);
            }
            queued.addAndGet(ids.length);
            LOG.debug(
                    "XACK of {} entries on {} for group {} cut by the client's close of its connection; sent again",
                    ids.length,
                    stream,
                    group);
            return;
        }
        boolean resend = true;
        AckTrouble t;
        try {
            resend = worthResending(err);
            t = failing.merge(
                    key,
                    new AckTrouble(Errors.describe(err, reconnect), 1, resend),
                    (old, now) -> new AckTrouble(now.reason(), old.times() + 1, now.resending()));
        } finally {
            // Whatever happened above, the ids are resent or dropped: never left in flight for good.
            if (resend) {
                synchronized (queue) { // back on the queue and out of flight as one step
                    queue.ids.addAll(Arrays.asList(ids));
                    leaveFlight(queue, ids);
                }
                queued.addAndGet(ids.length);
            } else {
                queue.confirmed(ids.length);
                leaveFlight(queue, ids);
            }
        }
        if (Integer.bitCount(t.times()) == 1) { // 1st, 2nd, 4th, 8th... in a row
            LOG.warn(
                    resend
                            ? "XACK of {} entries on {} for group {} failed ({} time(s) in a row): {}; they are kept and "
                                    + "sent again until Redis takes them"
                            : "Redis refused the XACK of {} entries on {} for group {} ({} time(s) in a row): {}; they stay "
                                    + "pending, if their group still exists, and are handled again",
                    ids.length,
                    stream,
                    group,
                    t.times(),
                    t.reason());
        }
    }

    /**
     * Whether a failed XACK was cut by the client's own close of its connection (on a cluster: the
     * node left its view, its replica promoted), or refused while the client connects to the new
     * node right after such a cut ({@link CutCommands#CONNECT_WAIT}): sent again without counting
     * as failing, which readiness would show for a back-off after events flow again (seen in
     * ClusterFrozenPrimaryIT under load). A cut more than that after the first of its episode counts.
     */
    private boolean cutQuietly(String key, Throwable err) {
        boolean cut = CutCommands.isCut(err);
        if (!cut && !CutCommands.isConnecting(err)) {
            return false;
        }
        long now = System.nanoTime();
        if (cut) {
            cutAt.compute(key, (k, since) -> since == null || now - since > CUT_EPISODE.toNanos() ? now : since);
        }
        Long since = cutAt.get(key);
        return since != null && now - since <= CutCommands.CONNECT_WAIT.toNanos();
    }

    /** Cuts within this of the first one are one episode (the cluster's failover). */
    private static final Duration CUT_EPISODE = Duration.ofSeconds(10);

    /** When the client last began cutting each "group@stream"'s XACKs ({@link #cutQuietly}). */
    private final Map<String, Long> cutAt = new ConcurrentHashMap<>();

    /**
     * Whether Redis may not have the XACK and may take it later: the connection failed or timed out
     * (not a reply), Redis answered that it is only for now unable (loading, busy, failing over), or
     * the user lacks a permission, which an operator grants while the runtime runs.
     */
    static boolean worthResending(Throwable err) {
        if (Errors.isPermissionDenied(err)) {
            return true;
        }
        Throwable t = err;
        while (t.getCause() != null && t.getCause() != t && !(t instanceof RedisCommandExecutionException)) {
            t = t.getCause();
        }
        if (!(t instanceof RedisCommandExecutionException)) {
            return true;
        }
        String m = String.valueOf(t.getMessage());
        for (String transientError : TRANSIENT_ERRORS) {
            if (m.startsWith(transientError)) {
                return true;
            }
        }
        return false;
    }

    private static final List<String> TRANSIENT_ERRORS =
            List.of("LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN");

    private boolean connected() {
        return connection.isOpen();
    }

    /**
     * The ids of a group's entries acknowledged here that Redis has not confirmed yet (queued, or
     * sent and not answered): still pending in Redis, though their outcome is final. A read of the
     * consumer's own pending entries must not hand them to the handler again. A copy.
     */
    public Set<String> unconfirmed(String stream, String group) {
        Map<String, AckQueue> groups = queues.get(stream);
        AckQueue queue = groups == null ? null : groups.get(group);
        if (queue == null) {
            return Set.of();
        }
        Set<String> ids = new HashSet<>();
        synchronized (queue) {
            queue.inFlight.forEach(batch -> ids.addAll(Arrays.asList(batch)));
            ids.addAll(queue.ids);
        }
        return ids;
    }

    private static void leaveFlight(AckQueue queue, String[] ids) {
        synchronized (queue) {
            queue.inFlight.removeIf(batch -> batch == ids);
        }
    }

    /** Why XACKs of a group keep failing now, or empty. */
    public String failure(String stream, String group) {
        AckTrouble t = failing.get(group + "@" + stream);
        return t == null ? "" : "XACK fails (" + t.times() + " time(s) in a row): " + t.reason();
    }

    /**
     * Sends everything queued and waits (bounded) for Redis to confirm; what fails on the way is
     * sent again until the timeout, as soon as the connection is back.
     */
    public void flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean gaveUp = false;
        while (true) {
            boolean again = !connected();
            for (Future<Long> f : again ? List.<Future<Long>>of() : send()) {
                try {
                    f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (Exception e) {
                    again = true; // queued again by the completion handler (or dropped and logged)
                }
            }
            // Rounds go on only after a failure: acknowledgements that others keep adding meanwhile
            // are the flusher's, not a reason to hold the caller.
            if (!again) {
                break;
            }
            if (System.nanoTime() >= deadline) {
                gaveUp = true;
                break;
            }
            LockSupport.parkNanos(this, Math.min(RESEND_PAUSE_NANOS, Math.max(0, deadline - System.nanoTime())));
            if (queued.get() <= 0) {
                break; // nothing was queued again (refused for good): nothing left to send
            }
        }
        // Only what failed until the deadline fell short: acknowledgements queued since this flush
        // took its batches (events that finished meanwhile) are the flusher's, or the final flush's.
        int left = queued.get();
        lastFlushFellShort = gaveUp && left > 0;
        if (lastFlushFellShort) {
            LOG.warn(
                    "{} acknowledgement(s) could not be sent within {} ms: those entries stay pending and are "
                            + "handled again later",
                    left,
                    timeout.toMillis());
        }
    }

    /**
     * While XACKs fail on a connection that still counts as open (a cluster node that died, a
     * failover under way), the flusher waits longer between sends: 20 ms doubling per failure in a
     * row, up to 1 s, instead of hammering a Redis that cannot answer every interval. Only failures
     * whose ids are kept to be sent again count; 0: none.
     */
    long resendPause() {
        int times = 0;
        for (AckTrouble t : failing.values()) {
            if (t.resending()) {
                times = Math.max(times, t.times());
            }
        }
        return times == 0 ? 0 : TimeUnit.MILLISECONDS.toNanos(Math.min(MAX_RESEND_PAUSE_MS, 10L << Math.min(times, 7)));
    }

    private static final long MAX_RESEND_PAUSE_MS = 1000;

    /** Between rounds of a flush that could not send everything: waits for the connection to come back. */
    private static final long RESEND_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** Whether the last flush gave up on acknowledgements that kept failing until its deadline. */
    boolean lastFlushFellShort() {
        return lastFlushFellShort;
    }

    @Override
    public void close() {
        stopping = true;
        // A reader waiting for room goes on (and finds its subscription stopping).
        queues.values().forEach(groups -> groups.values().forEach(AckQueue::wakeWaiter));
        flusher.stop();
        try {
            flusher.awaitEnd(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A flush that just fell short (Redis does not answer) is not waited out a second time: a
        // shutdown would take 10 s past its grace instead of 5.
        flush(lastFlushFellShort ? Duration.ofMillis(500) : Duration.ofSeconds(5));
    }
}
