package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.dispatch.SubscriptionDispatch;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running subscription (one handler reading one stream), and the one owner of everything it
 * runs: its {@link StreamReader} on its own Redis connection, its {@link RetryPoller} and
 * {@link PendingReclaimer}, its {@link EntrySlots} and {@link HeldBytes} (how many entries, and how
 * many bytes of them, it may hold), and its way into the dispatcher with its ordering lanes
 * ({@link SubscriptionDispatch}). Built by {@link StreamConsumerFactory}; the runtime starts,
 * stops and closes it (Kafka Connect's {@code WorkerSinkTask} is the model: a task that owns its loop).
 *
 * <p>Capacity, each counted once: {@link EntrySlots} counts the entries held from Redis (the
 * handler's max-in-flight plus {@code consumer.read-ahead}); the dispatcher's worker pool counts
 * the handler calls running at once (max-in-flight); {@link HeldBytes} bounds their bytes.
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public final class StreamConsumer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamConsumer.class);

    private final Subscription sub;
    private final RedisConnection<byte[], byte[]> connection;
    private final int maxInFlight;
    private final int readAhead;
    private final EntrySlots slots;
    private final HeldBytes held;
    private final SubscriptionDispatch dispatch;
    private final StreamReader reader;
    private final RetryPoller retries;
    private final PendingReclaimer reclaimer;

    /** Use {@link StreamConsumerFactory}; the parts are built there, in the order they need each other. */
    StreamConsumer(
            Subscription sub,
            RedisConnection<byte[], byte[]> connection,
            int maxInFlight,
            int readAhead,
            EntrySlots slots,
            HeldBytes held,
            SubscriptionDispatch dispatch,
            StreamReader reader,
            RetryPoller retries,
            PendingReclaimer reclaimer) {
        this.sub = sub;
        this.connection = connection;
        this.maxInFlight = maxInFlight;
        this.readAhead = readAhead;
        this.slots = slots;
        this.held = held;
        this.dispatch = dispatch;
        this.reader = reader;
        this.retries = retries;
        this.reclaimer = reclaimer;
    }

    public Subscription subscription() {
        return sub;
    }

    /** Starts reading; the retry poller and the reclaimer start once the group exists. */
    public void start() {
        reader.start();
    }

    /**
     * The group could not be created at start-up: the reader creates it before reading, retrying
     * with back-off, and the subscription reports the failure meanwhile. Call before {@link #start()}.
     */
    public void groupBootstrapFailed(Throwable cause) {
        reader.groupBootstrapFailed(cause);
    }

    /** Stops reading, polling retries and reclaiming; in-flight events go on (see {@link #awaitIdle}). */
    public void stop() {
        reader.stop();
        retries.loop().stop();
        reclaimer.loop().stop();
    }

    /**
     * After {@link #stop()}: waits, up to the deadline, for the reader, the retry poller and the
     * reclaimer to end their round in progress, then for every in-flight event to finish. Events
     * waiting in an ordering lane behind a subject held for its retry are not waited for: with those
     * three ended nothing can bring that retry or let the lane go on, so they could not run; they
     * stay pending, in order, when {@link #close()} closes the lanes ({@link EntrySlots#isIdle}).
     * The loops are waited for first because a round in progress can still do either (a retry
     * claimed, a retry found settled elsewhere, a lane released as not the owner's).
     *
     * @return false when the deadline passed first (something may still run)
     */
    public boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        reader.awaitEnd(deadlineNanos);
        boolean loopsEnded =
                retries.loop().awaitEnd(left(deadlineNanos)) && reclaimer.loop().awaitEnd(left(deadlineNanos));
        return slots.awaitIdle(deadlineNanos) && loopsEnded;
    }

    private static Duration left(long deadlineNanos) {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    /**
     * Whether nothing runs or is about to here: no entry slot taken but by events waiting behind a
     * subject held for its retry. For a handover, whose reads and rounds beside the reader have
     * stopped (it waits for no read in progress first): such events cannot run until the retry,
     * which the new owner's poller brings; they stay pending for it, which claims them first.
     */
    public boolean isIdle() {
        return slots.isIdle();
    }

    /**
     * Whether a new lease may be taken: nothing taken under the last one is held here any more.
     * Asked while this instance does not own the partition, so the lanes held for a retry go on
     * first, and the events waiting in them leave unstarted (pending, for the next owner's claim).
     */
    public boolean clearedForNewLease() {
        dispatch.releaseLanesUnlessOwner();
        return dispatch.heldCount() == 0;
    }

    /**
     * After {@link #awaitIdle}: closes the reader's connection and the ordering lanes (entries still
     * waiting in a lane leave without a call and stay pending, in order).
     */
    @Override
    public void close() {
        try {
            connection.close();
        } catch (RuntimeException e) {
            LOG.warn("while stopping: {}", Errors.rootMessage(e));
        }
        int left = dispatch.close();
        if (left > 0) {
            LOG.info(
                    "subscription {}: {} event(s) waiting behind an earlier event of their subject stay pending, "
                            + "in order, for the next start or owner",
                    sub.name(),
                    left);
        }
    }

    /** Whether the read loop is running (it survives every error, so false means it was stopped). */
    public boolean isReading() {
        return reader.isReading();
    }

    /**
     * Whether the read loop runs or is still to start: built subscriptions start together, so one
     * built but not started yet is waiting for the others, not dead.
     */
    public boolean isReadingOrStarting() {
        return reader.isReading() || reader.phase() == ReaderState.Phase.STARTING;
    }

    /**
     * Whether this subscription's loops (reader, retry poller, reclaimer) each came round within
     * {@code stall}: a loop alive but stuck in one call is not live. A stopped reader counts as live
     * (it was stopped on purpose).
     */
    public boolean comesRound(Duration stall) {
        return reader.comesRound(stall)
                && retries.loop().comesRound(stall)
                && reclaimer.loop().comesRound(stall);
    }

    /** Why this subscription does not work now (reader, retry poller or reclaimer), or empty. */
    public String failure() {
        String f = reader.failure();
        if (f.isEmpty()) {
            f = reclaimer.loop().failure();
        }
        return f.isEmpty() ? retries.loop().failure() : f;
    }

    /** Entry slots taken now: entries held (running, read ahead, or being fetched). */
    public int slotsTaken() {
        return slots.taken();
    }

    /** Bytes of entries held now (running, or read ahead and waiting for a worker). */
    public long heldBytes() {
        return held.held();
    }

    /** Its state now, for operators; never waits for the loops. */
    public ReaderState state() {
        int running = dispatch.runningCount();
        // Entries handed to the dispatcher and not yet running; not the slots, which the retry poller
        // and the reclaimer also hold for a moment while they ask Redis.
        return new ReaderState(
                sub,
                reader.phase(),
                running,
                maxInFlight,
                Math.max(0, dispatch.heldCount() - running),
                readAhead,
                failure());
    }
}
