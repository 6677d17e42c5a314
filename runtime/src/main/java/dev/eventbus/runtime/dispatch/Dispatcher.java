package dev.eventbus.runtime.dispatch;

import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.failure.DeadLetter;
import dev.eventbus.runtime.failure.DeadLetterSink;
import dev.eventbus.runtime.failure.FailureHandler;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.plugin.StuckWorker;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import dev.eventbus.runtime.stream.Acknowledger;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
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
import java.util.function.Function;

/**
 * Takes each entry a reader hands over to its outcome: dead-letter it when it can never be an
 * event (or keeps killing its consumer), otherwise hand it to a worker of its subscription, in its
 * subject's lane for an ordered handler, where the {@link DeliveryPipeline} takes it to its outcome.
 *
 * <p>The reader's {@code release} runs exactly once per entry, when its worker slot is free.
 *
 * <p>Thread-safe; shared by all subscriptions.
 */
public final class Dispatcher {

    private static final String TRIMMED_DETAIL = "entry was deleted or trimmed from the stream before it was acknowledged";

    private final EventCodec codec;
    private final Executor threads;
    private final DeadLetterSink deadLetters;
    private final Function<String, HandlerSettings> settings;
    private final int maxDeliveries;
    private final DeliveryPipeline pipeline;
    private final Map<String, Bulkhead> bulkheads = new ConcurrentHashMap<>();
    private final Map<String, SubjectLanes> lanes = new ConcurrentHashMap<>();
    private final Map<String, SlotLender> lenders = new ConcurrentHashMap<>();
    private final AbandonedWorkers abandoned = new AbandonedWorkers();

    public Dispatcher(EventCodec codec, Executor threads, ScheduledExecutorService timers, RpcChannelRegistry rpc,
            Acknowledger acks, DeadLetterSink deadLetters, FailureHandler failures, RetryStore retries,
            DeliveryObserver observer, Function<String, HandlerSettings> settings, int maxDeliveries) {
        this.codec = codec;
        this.threads = threads;
        this.deadLetters = deadLetters;
        this.settings = settings;
        this.maxDeliveries = maxDeliveries;
        LossRecorder losses = new LossRecorder(deadLetters);
        OnFailure onFailure = new OnFailure(failures, losses, observer);
        // Outermost first: the interrupt is cleared only after the watchdog let go of the call.
        HandlerCall call = HandlerCall.through(List.of(new InterruptClearingStep(), new ContextClassLoaderStep(),
                new LoggingContextStep(), new WatchdogTimingStep(System::nanoTime)), DeliveryContext.handlerCall(rpc));
        this.pipeline = new DeliveryPipeline(new Admission(codec, acks::ack, deadLetters, observer), call,
                new OnSuccess(acks::ack, retries::clear, observer), onFailure, losses, abandoned);
        new Watchdog(bulkheads::values, sub -> lanes.get(sub.name()), onFailure, abandoned, System::nanoTime)
                .start(timers);
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
        Delivery delivery = new Delivery(bulkhead, entry.id());
        if (!delivery.hold()) {
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
            workers.execute(() -> pipeline.run(sub, entry, limits, delivery, leaves));
            return;
        }
        SubjectLanes lane = lanes.computeIfAbsent(sub.name(),
                k -> new SubjectLanes(workers, lenders.getOrDefault(k, SlotLender.NONE)));
        String id = entry.id();
        lane.submit(subject, id, () -> {
            if (lane.isClosed()) { // its subscription stopped while it waited: it stays pending
                pipeline.leaveUnstarted(sub, entry, delivery, Resolution.releasing(release));
                return;
            }
            pipeline.run(sub, entry, limits, delivery, resolved -> {
                lane.finished(subject, id, resolved);
                release.run();
            });
        });
    }

    /**
     * Dead-letters an entry before it reaches a lane (trimmed, vanished, past max-deliveries): if
     * it was holding its subject's lane for a retry, the lane goes on once the dead letter is final.
     */
    private void deadLetterBeforeLane(Subscription sub, StreamEntry entry, DeadLetterReason reason, String detail,
            Resolution leaves) {
        deadLetters.deadLetter(sub, DeadLetter.of(sub, entry, reason, entry.deliveries(), null, detail), resolved -> {
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
        pipeline.beginShutdown();
        for (Bulkhead b : bulkheads.values()) {
            b.deliveries.values().forEach(Delivery::interrupt);
            b.workers.runQueuedHere();
        }
    }
}
