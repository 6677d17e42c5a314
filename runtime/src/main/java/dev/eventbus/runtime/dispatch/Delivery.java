package dev.eventbus.runtime.dispatch;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One entry on its way through a handler, as the timeout watchdog sees it. The outcome is decided
 * exactly once ({@link #decide()}): by the worker when the handler returns, or by the watchdog when
 * the worker ignored its interrupt and was abandoned.
 */
final class Delivery {

    /** The subscription's held entries; its renewal lock guards {@link #dropped}. */
    private final HeldEntries holder;

    private final String entryId;
    private final SubjectLanes lanes;
    /** Redis dropped the entry from the pending list while it was held here. Guarded by the holder's renewal lock. */
    private boolean dropped;

    /** Set once, by {@link #decide()}: a field with a handle, not an AtomicBoolean per event. */
    @SuppressWarnings("unused") // through DECIDED
    private volatile boolean decided;

    private static final VarHandle DECIDED;

    static {
        try {
            DECIDED = MethodHandles.lookup().findVarHandle(Delivery.class, "decided", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile Thread assigned;
    /** Its plugin is being unloaded: not started if not yet, and a failure is not recorded. */
    private volatile boolean withdrawn;
    /** The handler call returned; guarded by this. */
    private boolean done;
    /**
     * The running worker. Written last in {@link #started} and read first by the watchdog, so it
     * publishes the plain fields below: one fenced store per event instead of eight.
     */
    private volatile Thread worker;

    private long startNanos;
    private long timeoutNanos;
    private long abandonNanos;
    private volatile boolean interrupted;
    /**
     * Time the process was paused while the handler ran (SIGSTOP, a frozen VM, a long GC pause),
     * left out of its timeout and abandon-after: the handler could not run then either. Watchdog
     * thread only.
     */
    private long pausedNanos;

    private long endNanos;
    /** What the running handler works on, for the watchdog when it abandons the worker. */
    private Subscription subscription;

    private StreamEntry entry;
    private Event event;
    private HandlerSettings limits;

    /**
     * @param holder the subscription's held entries, where this delivery is put under its entry id
     *     while the entry is "being handled here"
     */
    Delivery(HeldEntries holder, String entryId) {
        this(holder, null, entryId);
    }

    /** @param lanes the ordering lanes it runs in, told when its worker is abandoned; null when unordered */
    Delivery(HeldEntries holder, SubjectLanes lanes, String entryId) {
        this.holder = holder;
        this.lanes = lanes;
        this.entryId = entryId;
    }

    /** The ordering lanes it runs in, or null. */
    SubjectLanes lanes() {
        return lanes;
    }

    String entryId() {
        return entryId;
    }

    /** Takes the entry off the subscription's in-flight entries (once its outcome is decided). */
    void forget() {
        holder.deliveries.remove(entryId, this);
    }

    /** Puts the entry on the subscription's held entries; false when it is held already (on its way here). */
    boolean hold() {
        return holder.deliveries.putIfAbsent(entryId, this) == null;
    }

    /** Its worker was abandoned: it is kept apart, as still running the handler's code, until it ends. */
    void abandoned() {
        holder.abandoned.add(this);
        if (!inHandler()) {
            holder.abandoned.remove(this); // it returned meanwhile, and may have missed the add
        }
    }

    /** Its abandoned worker ended at last. */
    void abandonedWorkerEnded() {
        holder.abandoned.remove(this);
    }

    /** The renewal of its claim found the entry deleted: Redis has dropped it from the pending list. Called under the renewal lock. */
    void markDropped() {
        dropped = true;
    }

    /** Whether {@link #markDropped} was called; under the renewal lock only. */
    boolean isMarkedDropped() {
        return dropped;
    }

    /**
     * Whether Redis dropped the entry from the pending list while it was held here (deleted or
     * trimmed, then its claim renewed): then it can neither be retried nor reclaimed, and leaving
     * without an outcome would lose it without a trace. Call it after {@link #forget}: a renewal
     * under way, which may have seen the entry held, is waited for; a later one no longer sees it.
     * Only for entries leaving without an outcome (failed, not started), never on the hot path.
     */
    boolean droppedFromPending() {
        synchronized (holder.renewal) {
            return dropped;
        }
    }

    /** A worker took the entry; shutdown interrupts this thread. */
    void assigned(Thread thread) {
        this.assigned = thread;
    }

    /** Shutdown: interrupts the worker, running or waiting. */
    void interrupt() {
        Thread t = assigned;
        if (t != null) {
            t.interrupt();
        }
    }

    /**
     * Its plugin is being unloaded and the grace is over: if a worker took it and its handler has
     * not returned, the worker is interrupted. The worker checks {@link #isWithdrawn()} after it is
     * {@link #assigned}, so either it sees this or this sees it.
     */
    void withdraw() {
        withdrawn = true;
        Thread t = assigned;
        if (t != null) {
            synchronized (this) {
                if (!done) {
                    t.interrupt();
                }
            }
        }
    }

    boolean isWithdrawn() {
        return withdrawn;
    }

    /** Whether a worker took it and may be in its handler (not returned yet). */
    synchronized boolean inHandler() {
        return assigned != null && !done;
    }

    /** The worker, for operators: name and id (worker threads share a name). */
    String workerName() {
        Thread t = assigned;
        return t == null ? "none" : (t.getName().isEmpty() ? "virtual" : t.getName()) + "#" + t.threadId();
    }

    /** The worker starts the handler; from now on the watchdog times it. */
    void started(
            Thread thread,
            long now,
            Subscription subscription,
            StreamEntry entry,
            Event event,
            HandlerSettings limits) {
        this.startNanos = now;
        this.timeoutNanos = limits.timeout().toNanos();
        this.abandonNanos = limits.abandonAfter().toNanos();
        this.subscription = subscription;
        this.entry = entry;
        this.event = event;
        this.limits = limits;
        this.worker = thread;
    }

    Subscription subscription() {
        return subscription;
    }

    StreamEntry entry() {
        return entry;
    }

    Event event() {
        return event;
    }

    HandlerSettings limits() {
        return limits;
    }

    /**
     * The handler returned (or threw); the watchdog leaves the worker alone. Locked with
     * {@link #check}: once this returns, no timeout interrupt of this delivery can reach the
     * worker, which goes on to other entries.
     */
    synchronized void finished(long now) {
        endNanos = now;
        worker = null;
        done = true;
    }

    /** How long the handler ran; read by the worker after {@link #finished}. */
    long elapsedNanos() {
        return endNanos - startNanos;
    }

    /** @return true for the one caller that decides the outcome */
    boolean decide() {
        return DECIDED.compareAndSet(this, false, true);
    }

    boolean wasInterrupted() {
        return interrupted;
    }

    /** Called by the watchdog: whether its handler has been running for longer than {@code nanos}. */
    boolean inHandlerLongerThan(long now, long nanos) {
        Thread t = worker; // read first: it publishes startNanos
        return t != null && now - startNanos - pausedNanos > nanos;
    }

    /**
     * Called by the watchdog: the process was paused between its pass at {@code since} and the one
     * at {@code now}. Of that time, the part this handler ran in, only {@code counted} (one pass's
     * worth, what the watchdog would have seen) counts against its timeout and abandon-after.
     */
    void paused(long since, long now, long counted) {
        Thread t = worker; // read first: it publishes startNanos
        if (t == null) {
            return;
        }
        long unseen = now - Math.max(since, startNanos) - counted;
        if (unseen > 0) {
            pausedNanos += unseen;
        }
    }

    /**
     * Called by the watchdog: interrupts past the timeout; past timeout + abandon-after, decides
     * the outcome as abandoned. Both count the time the process ran, not its pauses ({@link #paused}).
     *
     * @return true when the worker is abandoned now: the caller fails the entry as a timeout
     */
    boolean check(long now) {
        Thread t = worker;
        if (t == null) {
            return false;
        }
        long elapsed = now - startNanos - pausedNanos;
        if (elapsed > timeoutNanos && !interrupted) {
            synchronized (this) {
                if (worker == t) {
                    interrupted = true;
                    t.interrupt();
                }
            }
        }
        return elapsed > timeoutNanos + abandonNanos && worker != null && decide();
    }
}
