package dev.eventbus.runtime.dispatch;

import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.dispatch.DispatchFixtures.RecordingAcks;
import dev.eventbus.runtime.dispatch.DispatchFixtures.RecordingDeadLetters;
import dev.eventbus.runtime.dispatch.DispatchFixtures.RecordingObserver;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * A real {@link SubscriptionDispatch} for the tests of other packages (its constructor is
 * package-private): workers on the executor the test gives, acks and dead letters recorded, no Redis.
 */
public final class ManualDispatch {

    private ManualDispatch() {}

    /** A subscription whose handler does nothing. */
    public static Subscription subscription() {
        return DispatchFixtures.subscription(e -> {});
    }

    /** A first delivery of a new entry of {@code subject}. */
    public static StreamEntry entry(String id, String subject) {
        return DispatchFixtures.entry(id, 1, "type", "paid", "subject", subject);
    }

    /**
     * An entry of this consumer's pending list read again while its retry is scheduled: it holds its
     * subject's lane for that retry, without being handled.
     */
    public static StreamEntry awaitingRetry(String id, String subject) {
        StreamEntry e = entry(id, subject);
        return new StreamEntry(e.stream(), id, e.fields(), 1, StreamEntry.Origin.AWAITING_RETRY);
    }

    /**
     * @param ordered whether the handler is ordered by subject (then the dispatch has lanes)
     * @param maxInFlight how many workers may run at once
     * @param threads where the workers start
     */
    public static SubscriptionDispatch open(Subscription sub, boolean ordered, int maxInFlight, Executor threads) {
        return open(sub, ordered, maxInFlight, threads, SlotLender.NONE);
    }

    /** As {@link #open(Subscription, boolean, int, Executor)}, its lanes lending the slots of entries waiting in them. */
    public static SubscriptionDispatch open(
            Subscription sub, boolean ordered, int maxInFlight, Executor threads, SlotLender slots) {
        return open(sub, ordered, maxInFlight, threads, slots, () -> true);
    }

    /**
     * As {@link #open(Subscription, boolean, int, Executor, SlotLender)}; while {@code ackRoom} says
     * false, the acknowledgements are at their limit and a reader's wait for room runs out.
     */
    public static SubscriptionDispatch open(
            Subscription sub,
            boolean ordered,
            int maxInFlight,
            Executor threads,
            SlotLender slots,
            BooleanSupplier ackRoom) {
        RecordingDeadLetters deadLetters = new RecordingDeadLetters();
        DeliveryPipeline pipeline =
                DispatchFixtures.plainPipeline(new RecordingAcks(), deadLetters, new RecordingObserver());
        HandlerSettings base = DispatchFixtures.limits(Duration.ofSeconds(1), Duration.ofSeconds(1));
        HandlerSettings limits =
                new HandlerSettings(maxInFlight, base.timeout(), base.abandonAfter(), ordered, base.retry());
        return new SubscriptionDispatch(
                sub,
                limits,
                new HeldEntries(threads, maxInFlight),
                slots,
                pipeline,
                new EventCodec(1 << 20),
                deadLetters,
                10,
                ServiceDownDeliveries.NONE,
                () -> true,
                java.util.Set::of,
                new AckRoom() {
                    @Override
                    public boolean await(Duration max) throws InterruptedException {
                        if (ackRoom.getAsBoolean()) {
                            return true;
                        }
                        Thread.sleep(max);
                        return false;
                    }

                    @Override
                    public boolean hasRoom() {
                        return ackRoom.getAsBoolean();
                    }
                });
    }
}
