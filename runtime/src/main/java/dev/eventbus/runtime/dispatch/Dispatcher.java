package dev.eventbus.runtime.dispatch;

import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.failure.DeadLetterSink;
import dev.eventbus.runtime.failure.FailureHandler;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.plugin.StuckWorker;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import dev.eventbus.runtime.stream.Acknowledger;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery path shared by all subscriptions: composes the {@link DeliveryPipeline} (one
 * delivery, from decoding to its outcome, in small steps) and runs the timeout {@link Watchdog}.
 * Each running subscription opens its own way in ({@link #open}); at unload and at shutdown this
 * withdraws or stops what runs.
 *
 * <p>Thread-safe; shared by all subscriptions.
 */
public final class Dispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final EventCodec codec;
    private final Executor threads;
    private final DeadLetterSink deadLetters;
    private final Function<String, HandlerSettings> settings;
    private final int maxDeliveries;
    private final DeliveryPipeline pipeline;
    private final Acknowledger acks;
    private final RetryStore retries;
    /** By subscription name, for the runtime's life (see {@link HeldEntries}). */
    private final Map<String, HeldEntries> heldEntries = new ConcurrentHashMap<>();

    private final AbandonedWorkers abandoned = new AbandonedWorkers();

    public Dispatcher(
            EventCodec codec,
            Executor threads,
            ScheduledExecutorService timers,
            RpcChannelRegistry rpc,
            Acknowledger acks,
            DeadLetterSink deadLetters,
            FailureHandler failures,
            RetryStore retries,
            DeliveryObserver observer,
            Function<String, HandlerSettings> settings,
            int maxDeliveries) {
        this.codec = codec;
        this.threads = threads;
        this.deadLetters = deadLetters;
        this.settings = settings;
        this.maxDeliveries = maxDeliveries;
        this.acks = acks;
        this.retries = retries;
        LossRecorder losses = new LossRecorder(deadLetters, observer);
        OnFailure onFailure = new OnFailure(failures, losses, observer);
        // Outermost first: the interrupt is cleared only after the watchdog let go of the call.
        HandlerCall call = HandlerCall.through(
                List.of(
                        new InterruptClearingStep(),
                        new ContextClassLoaderStep(),
                        new LoggingContextStep(),
                        new WatchdogTimingStep(System::nanoTime)),
                DeliveryContext.handlerCall(rpc));
        this.pipeline = new DeliveryPipeline(
                new Admission(codec, acks::ack, deadLetters, observer),
                call,
                new OnSuccess(acks::ack, retries::clear, observer),
                onFailure,
                losses,
                abandoned);
        new Watchdog(heldEntries::values, onFailure, abandoned, System::nanoTime).start(timers);
    }

    /**
     * Opens a running subscription's way in: each entry it takes from Redis goes through the
     * returned {@link SubscriptionDispatch}, closed when the subscription stops.
     *
     * @param slots the subscription's entry slots: its ordering lanes lend the slots of the entries
     *     waiting in them (see {@link SlotLender})
     */
    public SubscriptionDispatch open(Subscription sub, SlotLender slots) {
        return open(sub, slots, () -> true);
    }

    /**
     * @param mayDispatch asked before every handler call starts: false leaves the entry pending,
     *     unstarted (an owner past its lease's local deadline)
     */
    public SubscriptionDispatch open(
            Subscription sub, SlotLender slots, java.util.function.BooleanSupplier mayDispatch) {
        HandlerSettings limits = settings.apply(sub.handler().name());
        HeldEntries held = heldEntries.computeIfAbsent(sub.name(), k -> new HeldEntries(threads, limits.maxInFlight()));
        return new SubscriptionDispatch(
                sub,
                limits,
                held,
                slots,
                pipeline,
                codec,
                deadLetters,
                maxDeliveries,
                entry -> serviceDownDeliveries(sub, entry),
                mayDispatch,
                () -> acks.unconfirmed(sub.stream(), sub.group()),
                new AckRoom() {
                    @Override
                    public boolean await(Duration max) throws InterruptedException {
                        return acks.awaitRoom(sub.stream(), sub.group(), max);
                    }

                    @Override
                    public boolean hasRoom() {
                        return acks.hasRoom(sub.stream(), sub.group());
                    }
                });
    }

    /**
     * The entry's deliveries that failed only because a service was down, as its retry record
     * counts them; 0 when Redis does not say within {@link #RECORD_WAIT} (the fuse then counts
     * every delivery, as before there were such counts).
     */
    private int serviceDownDeliveries(Subscription sub, StreamEntry entry) {
        try {
            return retries.record(sub, entry.id())
                    .get(RECORD_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                    .serviceDownFailures();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn(
                    "could not read the retry record of {} {} for handler {} ({}): its deliveries past"
                            + " recovery.max-deliveries are all counted",
                    entry.stream(),
                    entry.id(),
                    sub.handler().name(),
                    Errors.describe(e));
            return 0;
        }
    }

    /** How long a reader waits for an entry's retry record past the fuse (a rare path). */
    private static final Duration RECORD_WAIT = Duration.ofSeconds(2);

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
        Map<Subscription, HeldEntries> withdrawn = new LinkedHashMap<>();
        Duration wait = Duration.ZERO;
        for (Subscription sub : subs) {
            HeldEntries b = heldEntries.get(sub.name());
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

    /**
     * The workers of these subscriptions abandoned after their timeout (they ignored the interrupt)
     * that are still in their handler call: the plugin's code still runs there, and no stop or
     * interrupt makes them return.
     */
    public List<StuckWorker> abandoned(Collection<Subscription> subs) {
        List<StuckWorker> running = new ArrayList<>();
        for (Subscription sub : subs) {
            HeldEntries b = heldEntries.get(sub.name());
            if (b == null) {
                continue;
            }
            for (Delivery d : b.abandoned) {
                if (d.inHandler()) {
                    running.add(new StuckWorker(
                            sub.handler().name(), d.workerName(), sub.stream(), d.entryId(), d::inHandler));
                }
            }
        }
        return running;
    }

    private static List<StuckWorker> inHandlers(Map<Subscription, HeldEntries> heldEntries) {
        List<StuckWorker> running = new ArrayList<>();
        heldEntries.forEach((sub, b) -> {
            for (Collection<Delivery> ds : List.of(b.deliveries.values(), b.abandoned)) {
                for (Delivery d : ds) {
                    if (d.inHandler()) {
                        running.add(new StuckWorker(
                                sub.handler().name(), d.workerName(), sub.stream(), d.entryId(), d::inHandler));
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
        for (HeldEntries b : heldEntries.values()) {
            b.deliveries.values().forEach(Delivery::interrupt);
            b.workers.runQueuedHere();
        }
    }
}
