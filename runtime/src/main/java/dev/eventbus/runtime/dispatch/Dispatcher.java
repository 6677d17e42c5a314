package dev.eventbus.runtime.dispatch;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.failure.DeadLetterSink;
import dev.eventbus.runtime.failure.FailureHandler;
import dev.eventbus.runtime.failure.HandlerTimeoutException;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.plugin.StuckWorker;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import dev.eventbus.runtime.stream.Acknowledger;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.MalformedEntryException;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.runtime.stream.WireFields;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Takes each entry a reader hands over to its outcome: dead-letter it when it can never be an
 * event (or keeps killing its consumer), skip (acknowledge) types the handler does not consume,
 * otherwise run the handler on a worker under its timeout, and acknowledge on return or pass the
 * failure to the {@link FailureHandler}.
 *
 * <p>Each entry's outcome is decided exactly once. A handler past its timeout is interrupted; one
 * that ignores the interrupt is abandoned: its event is failed as a timeout, but its worker slot
 * stays taken until the thread really ends, so the in-flight limit caps the damage.
 *
 * <p>The reader's {@code release} runs exactly once per entry, when its worker slot is free.
 *
 * <p>Thread-safe; shared by all subscriptions.
 */
public final class Dispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private static final String TRIMMED_DETAIL = "entry was deleted or trimmed from the stream before it was acknowledged";
    private static final String DROPPED_DETAIL = "entry was deleted or trimmed from the stream while it was held here, "
            + "and left without being handled: it cannot be retried";

    /** How often running handlers are checked against their timeouts (the precision of a timeout). */
    private static final long WATCHDOG_PERIOD_MS = 50;

    private final EventCodec codec;
    private final Executor threads;
    private final ScheduledExecutorService timers;
    private final RpcChannelRegistry rpc;
    private final Acknowledger acks;
    private final DeadLetterSink deadLetters;
    private final FailureHandler failures;
    private final RetryStore retries;
    private final DeliveryObserver observer;
    private final Function<String, HandlerSettings> settings;
    private final int maxDeliveries;
    private final Map<String, Bulkhead> bulkheads = new ConcurrentHashMap<>();
    private final Map<String, SubjectLanes> lanes = new ConcurrentHashMap<>();
    private final Map<String, SlotLender> lenders = new ConcurrentHashMap<>();
    private final AbandonedWorkers abandoned = new AbandonedWorkers();
    private volatile boolean shuttingDown;

    public Dispatcher(EventCodec codec, Executor threads, ScheduledExecutorService timers, RpcChannelRegistry rpc,
            Acknowledger acks, DeadLetterSink deadLetters, FailureHandler failures, RetryStore retries,
            DeliveryObserver observer, Function<String, HandlerSettings> settings, int maxDeliveries) {
        this.codec = codec;
        this.threads = threads;
        this.timers = timers;
        this.rpc = rpc;
        this.acks = acks;
        this.deadLetters = deadLetters;
        this.failures = failures;
        this.retries = retries;
        this.observer = observer;
        this.settings = settings;
        this.maxDeliveries = maxDeliveries;
        timers.scheduleWithFixedDelay(this::checkTimeouts, WATCHDOG_PERIOD_MS, WATCHDOG_PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    public void dispatch(Subscription sub, StreamEntry entry, Runnable release) {
        if (entry.origin() == StreamEntry.Origin.VANISHED) {
            // Redis reported it deleted and dropped it from the pending list in the same step: no
            // other path can record this loss any more, so it is recorded even if the entry is
            // "on its way" elsewhere (that path's record is conditional on the entry being pending).
            deadLetterBeforeLane(sub, entry, DeadLetterReason.TRIMMED, TRIMMED_DETAIL, Resolution.releasing(release));
            return;
        }
        HandlerSettings limits = settings.apply(sub.handler().name());
        Bulkhead bulkhead = bulkheads.get(sub.name());
        if (bulkhead == null) {
            bulkhead = bulkheads.computeIfAbsent(sub.name(), k -> new Bulkhead(threads, limits.maxInFlight()));
        }
        Map<String, Delivery> ids = bulkhead.deliveries;
        Delivery delivery = new Delivery(ids, bulkhead.renewal, entry.id());
        if (ids.putIfAbsent(entry.id(), delivery) != null) {
            release.run(); // already on its way here (reclaimed, retried or re-read while in flight)
            return;
        }
        if (entry.isDeleted()) {
            deadLetterBeforeLane(sub, entry, DeadLetterReason.TRIMMED, TRIMMED_DETAIL, settled(delivery, release));
            return;
        }
        if (entry.origin().recovered() && entry.deliveries() > maxDeliveries) {
            deadLetterBeforeLane(sub, entry, DeadLetterReason.MAX_DELIVERIES, "delivered " + entry.deliveries()
                    + " times without an outcome (recovery.max-deliveries = " + maxDeliveries
                    + "): it may be crashing its consumer", settled(delivery, release));
            return;
        }
        WorkerPool workers = bulkhead.workers;
        // Decoded on the worker: the reader, one thread for the whole subscription, stays free to
        // read. An ordered subscription's reader takes only the subject, which lanes need in stream order.
        String subject = limits.orderedBySubject() ? codec.subjectOf(entry) : null;
        if (subject == null) {
            Resolution leaves = Resolution.releasing(release);
            workers.execute(() -> start(sub, entry, limits, delivery, leaves));
            return;
        }
        SubjectLanes lane = lanes.computeIfAbsent(sub.name(),
                k -> new SubjectLanes(workers, lenders.getOrDefault(k, SlotLender.NONE)));
        String id = entry.id();
        lane.submit(subject, id, () -> {
            if (lane.isClosed()) {
                delivery.forget(); // its subscription stopped while it waited: it stays pending
                leavePending(sub, entry, delivery, null, Resolution.releasing(release));
                return;
            }
            start(sub, entry, limits, delivery, resolved -> {
                lane.finished(subject, id, resolved);
                release.run();
            });
        });
    }

    /**
     * An entry on its worker: decoded, then handled unless that settled it.
     *
     * @param leaves told once the entry leaves the worker, with whether its outcome is final
     */
    private void start(Subscription sub, StreamEntry entry, HandlerSettings limits, Delivery delivery,
            Resolution leaves) {
        if (shuttingDown || delivery.isWithdrawn()) {
            delivery.forget(); // not started: the entry stays pending, for after the restart or reload
            leavePending(sub, entry, delivery, null, leaves);
            return;
        }
        Event event = admit(sub, entry, delivery, leaves);
        if (event != null) {
            handle(sub, entry, event, limits, delivery, leaves);
        }
    }

    /**
     * Dead-letters an entry before it reaches a lane (trimmed, vanished, past max-deliveries): if
     * it was holding its subject's lane for a retry, the lane goes on once the dead letter is final.
     */
    private void deadLetterBeforeLane(Subscription sub, StreamEntry entry, DeadLetterReason reason, String detail,
            Resolution leaves) {
        deadLetters.deadLetter(sub, entry, reason, entry.deliveries(), null, null, detail, resolved -> {
            if (resolved) {
                settledElsewhere(sub, entry.id());
            }
            leaves.done(resolved);
        });
    }

    /**
     * The slots the subscription's reader, retry poller and reclaimer take entries with: its
     * ordering lanes lend the slots of the entries waiting in them (see {@link SlotLender}).
     */
    public void lendSlotsOf(Subscription sub, SlotLender slots) {
        lenders.put(sub.name(), slots);
    }

    /**
     * An entry of this subscription has its final outcome from another path (or another
     * consumer): an ordering lane that waits for its retry goes on.
     */
    public void settledElsewhere(Subscription sub, String entryId) {
        SubjectLanes lane = lanes.get(sub.name());
        if (lane != null) {
            lane.settledElsewhere(entryId);
        }
    }

    /** For an entry whose outcome is decided before its handler runs: it leaves the dispatcher. */
    private static Resolution settled(Delivery delivery, Runnable release) {
        return settled(delivery, Resolution.releasing(release));
    }

    private static Resolution settled(Delivery delivery, Resolution leaves) {
        return resolved -> {
            delivery.forget();
            leaves.done(resolved);
        };
    }

    /**
     * Decodes the entry and decides whether this handler takes it.
     *
     * @return the event, or null when the entry was dead-lettered (malformed) or acknowledged
     *     without a call (a type the handler does not take, or redriven for another handler); it
     *     has left the dispatcher then
     */
    private Event admit(Subscription sub, StreamEntry entry, Delivery delivery, Resolution leaves) {
        Event event;
        try {
            event = codec.decode(entry, Math.max(1, entry.deliveries()));
        } catch (MalformedEntryException e) {
            deadLetters.deadLetter(sub, entry, e.reason(), entry.deliveries(), null, null, e.getMessage(),
                    settled(delivery, leaves));
            return null;
        }
        // For the named handler only (redriven dead letters, replays): the others ack without a call.
        String target = event.headers().get(WireFields.TARGET_HANDLER);
        if (!sub.types().contains(event.type()) || (target != null && !target.equals(sub.group()))) {
            acks.ack(entry.stream(), sub.group(), entry.id());
            observer.skipped(sub, event);
            delivery.forget();
            leaves.done(true);
            return null;
        }
        return event;
    }

    /**
     * Drops the ordering lanes of a subscription that stopped. Events still waiting in a lane (held
     * behind a retry that did not come within the grace) leave without a call and stay pending,
     * for the next version of the handler. The ids of running events are kept: a worker still
     * running past the grace keeps its entry, so the next version does not take the same entry
     * while the old one still works on it.
     */
    public void forget(Subscription sub) {
        SubjectLanes lane = lanes.remove(sub.name());
        if (lane != null) {
            lane.close().forEach(Runnable::run); // each settles as not started: it stays pending
        }
    }

    /** Entries of an ordered subscription that hold their subject's lane, waiting for their retry. */
    public Set<String> heldForRetry(Subscription sub) {
        SubjectLanes lane = lanes.get(sub.name());
        return lane == null ? Set.of() : lane.heldForRetry();
    }

    /**
     * Renews the claims of the entries a subscription holds (running or waiting for a worker) and
     * marks those the renewal reports deleted: Redis has dropped them from the pending list, so if
     * they leave without being handled their loss is recorded (see {@link Delivery#droppedFromPending}).
     *
     * @param renew renews the claims of the given ids; returns those deleted from the stream
     * @return how many held entries were found deleted
     */
    public int renewHeld(Subscription sub, Function<List<String>, List<String>> renew) {
        Bulkhead b = bulkheads.get(sub.name());
        if (b == null) {
            return 0;
        }
        synchronized (b.renewal) {
            Map<String, Delivery> held = new HashMap<>();
            b.deliveries.forEach((id, d) -> {
                if (!d.isMarkedDropped()) { // no longer pending: nothing to renew, and already reported
                    held.put(id, d);
                }
            });
            if (held.isEmpty()) {
                return 0;
            }
            int marked = 0;
            for (String id : renew.apply(new ArrayList<>(held.keySet()))) {
                Delivery d = held.get(id);
                if (d != null) {
                    d.markDropped();
                    marked++;
                }
            }
            return marked;
        }
    }

    /**
     * How many entries a subscription holds now: running or read ahead and waiting for a worker
     * (abandoned workers not counted).
     */
    public int inFlightCount(Subscription sub) {
        Bulkhead b = bulkheads.get(sub.name());
        return b == null ? 0 : b.deliveries.size();
    }

    /**
     * Handler calls of a subscription running now: its workers, read without touching the hot path
     * (a worker between two calls counts for that instant; an abandoned one until it ends).
     */
    public int runningCount(Subscription sub) {
        Bulkhead b = bulkheads.get(sub.name());
        return b == null ? 0 : b.workers.workers();
    }

    /** Workers that ignored their interrupt and were left running, per handler. */
    public AbandonedWorkers abandonedWorkers() {
        return abandoned;
    }

    /**
     * The plugin of these subscriptions is being unloaded and their shutdown grace is over: their
     * entries not started yet are not started, their running handlers are interrupted, and this
     * waits up to the longest {@code abandon-after} of their handlers for those calls to return.
     * A call that returns with a failure is not recorded as failed: its entry stays pending, for
     * the next version. Called with the subscriptions' readers stopped.
     *
     * @return the workers still in a handler call of these subscriptions (they ignored the
     *     interrupt, or were abandoned after a timeout before): the plugin's code still runs there
     */
    public List<StuckWorker> withdraw(Collection<Subscription> subs) {
        Map<Subscription, Bulkhead> withdrawn = new LinkedHashMap<>();
        Duration wait = Duration.ZERO;
        for (Subscription sub : subs) {
            Bulkhead b = bulkheads.get(sub.name());
            if (b != null) {
                withdrawn.put(sub, b);
                b.deliveries.values().forEach(Delivery::withdraw);
                b.workers.runQueuedHere(); // each leaves without a call
                Duration abandonAfter = settings.apply(sub.handler().name()).abandonAfter();
                wait = abandonAfter.compareTo(wait) > 0 ? abandonAfter : wait;
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        List<StuckWorker> stuck = inHandlers(withdrawn);
        try {
            while (!stuck.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10); // unload only: polled, so that finishing an event costs nothing more
                stuck = inHandlers(withdrawn);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // reported as they are now
        }
        return stuck;
    }

    private static List<StuckWorker> inHandlers(Map<Subscription, Bulkhead> bulkheads) {
        List<StuckWorker> running = new ArrayList<>();
        bulkheads.forEach((sub, b) -> {
            for (Collection<Delivery> ds : List.of(b.deliveries.values(), b.abandoned)) {
                for (Delivery d : ds) {
                    if (d.inHandler()) {
                        running.add(new StuckWorker(sub.handler().name(), d.workerName(), sub.stream(), d.entryId(),
                                d::inHandler));
                    }
                }
            }
        });
        return running;
    }

    /**
     * The shutdown grace is over: failures of workers still running are not recorded (their
     * entries stay pending), entries not started yet are not started, and every worker is
     * interrupted.
     */
    public void beginShutdown() {
        shuttingDown = true;
        for (Bulkhead b : bulkheads.values()) {
            b.deliveries.values().forEach(Delivery::interrupt);
            b.workers.runQueuedHere();
        }
    }

    /**
     * Runs on one of the subscription's workers, which caps how many run at once (max-in-flight).
     *
     * @param release told once the worker is done (its slot is free) and whether the outcome is final
     */
    private void handle(Subscription sub, StreamEntry entry, Event event, HandlerSettings limits, Delivery delivery,
            Resolution release) {
        delivery.assigned(Thread.currentThread());
        if (shuttingDown || delivery.isWithdrawn()) {
            delivery.forget(); // stopped before it started: the entry stays pending, handled after the restart
            leavePending(sub, entry, delivery, null, release);
            return;
        }
        Throwable failure = call(sub, entry, event, limits, delivery);
        if (!delivery.decide()) {
            abandoned.ended(sub.handler().name());
            Bulkhead b = bulkheads.get(sub.name());
            if (b != null) {
                b.abandoned.remove(delivery);
            }
            release.done(false); // abandoned earlier: the outcome is decided, only the slot was still taken
            return;
        }
        delivery.forget(); // the outcome is decided: the entry is no longer "being handled here"
        if (failure == null) {
            acks.ack(entry.stream(), sub.group(), entry.id());
            if (event.attempt() > 1) {
                retries.clear(sub, entry.id());
            }
            observer.handled(sub, event, delivery.elapsedNanos());
            release.done(true);
            return;
        }
        if (shuttingDown || delivery.isWithdrawn()) {
            // Interrupted by the end of the shutdown grace, or of its plugin, not failed: the entry
            // stays pending, for after the restart or for the plugin's next version.
            leavePending(sub, entry, delivery, failure, release);
            return;
        }
        if (delivery.wasInterrupted() && !(failure instanceof HandlerTimeoutException)) {
            failure = new HandlerTimeoutException(limits.timeout(), false, failure);
        }
        observer.failed(sub, event, failure);
        if (delivery.droppedFromPending()) {
            recordDropped(sub, entry, event.attempt(), failure, release);
            return;
        }
        failures.onFailure(sub, entry, event, failure, release);
    }

    /**
     * The entry leaves without an outcome and stays pending, to be handled later; unless Redis
     * dropped it from the pending list while it was held here: then nothing can bring it back, and
     * its loss is recorded.
     */
    private void leavePending(Subscription sub, StreamEntry entry, Delivery delivery, Throwable failure,
            Resolution leaves) {
        if (delivery.droppedFromPending()) {
            recordDropped(sub, entry, entry.deliveries(), failure, leaves);
        } else {
            leaves.done(false);
        }
    }

    /**
     * Records the loss of an entry deleted from the stream while it was held here, which then
     * left without being handled (failed, or not started). Redis dropped it from the pending list
     * when its claim was renewed, so no retry, reclaim or other instance can see it any more: this
     * is the only path that knows, and it records unconditionally (as for {@code VANISHED}), with
     * the fields it still holds.
     */
    private void recordDropped(Subscription sub, StreamEntry entry, int attempts, Throwable failure,
            Resolution leaves) {
        StreamEntry gone = new StreamEntry(entry.stream(), entry.id(), entry.fields(), entry.deliveries(),
                StreamEntry.Origin.VANISHED);
        deadLetters.deadLetter(sub, gone, DeadLetterReason.TRIMMED, attempts, null, failure, DROPPED_DETAIL, leaves);
    }

    /** Runs the handler under the watchdog, in the plugin's class loader and logging context. */
    private Throwable call(Subscription sub, StreamEntry entry, Event event, HandlerSettings limits, Delivery delivery) {
        var handler = sub.handler();
        Thread worker = Thread.currentThread();
        delivery.started(worker, System.nanoTime(), sub, entry, event, limits);

        ClassLoader previous = worker.getContextClassLoader();
        worker.setContextClassLoader(handler.classLoader());
        Throwable failure = null;
        try {
            // Put one by one: on a worker that already ran an event, a thread-local round trip is
            // cheap, while a whole map (setContextMap) is built twice, once here and once as a copy.
            MDC.put("handler", handler.name());
            MDC.put("plugin", handler.pluginId());
            MDC.put("stream", entry.stream());
            MDC.put("entry", entry.id());
            MDC.put("event", event.id());
            handler.handler().handle(event, new DeliveryContext(handler, rpc, event, sub.group()));
        } catch (Throwable t) {
            failure = t;
        } finally {
            delivery.finished(System.nanoTime());
            worker.setContextClassLoader(previous);
            MDC.clear();
            if (worker.isInterrupted()) {
                Thread.interrupted(); // the interrupt was for this event only; cleared only when set, as it takes a lock
            }
        }
        return failure;
    }

    /**
     * The worker ignored its interrupt past abandon-after: the entry fails as a timeout now, while
     * the worker keeps its slot until it really ends.
     */
    private void abandon(Bulkhead b, Delivery d) {
        Subscription sub = d.subscription();
        StreamEntry entry = d.entry();
        HandlerSettings limits = d.limits();
        String handler = sub.handler().name();
        d.forget();
        b.abandoned.add(d);
        if (!d.inHandler()) {
            b.abandoned.remove(d); // it returned meanwhile, and may have missed the add
        }
        abandoned.abandoned(handler);
        LOG.error("handler {} ignored the interrupt on {} {} for {}; worker abandoned, its slot stays taken "
                + "until it ends", handler, entry.stream(), entry.id(), limits.abandonAfter());
        HandlerTimeoutException timeout = new HandlerTimeoutException(limits.timeout(), true, null);
        observer.failed(sub, d.event(), timeout);
        SubjectLanes lane = lanes.get(sub.name());
        if (lane != null && d.event().subject() != null) {
            lane.abandoned(d.event().subject(), entry.id());
        }
        Resolution settles = resolved -> {
            if (resolved) {
                settledElsewhere(sub, entry.id()); // its worker's own report, when it ends, cannot know
            }
        };
        if (d.droppedFromPending()) {
            recordDropped(sub, entry, d.event().attempt(), timeout, settles);
            return;
        }
        failures.onFailure(sub, entry, d.event(), timeout, settles);
    }

    /** The timeout watchdog: one pass over every in-flight delivery, instead of timers per event. */
    private void checkTimeouts() {
        try {
            long now = System.nanoTime();
            for (Bulkhead b : bulkheads.values()) {
                for (Delivery d : b.deliveries.values()) {
                    if (d.check(now)) {
                        abandon(b, d);
                    }
                }
                b.workers.unstick();
            }
        } catch (Throwable t) {
            LOG.warn("timeout watchdog: {}", t.toString());
        }
    }

}
