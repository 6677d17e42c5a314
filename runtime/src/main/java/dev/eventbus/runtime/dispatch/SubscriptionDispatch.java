package dev.eventbus.runtime.dispatch;

import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.failure.DeadLetter;
import dev.eventbus.runtime.failure.DeadLetterSink;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One running subscription's way into the dispatcher ({@link Dispatcher#open}): it takes each entry
 * its reader, retry poller and reclaimer hand over to a worker (in its subject's lane for an
 * ordered handler), where the {@link DeliveryPipeline} takes it to its outcome. It dead-letters, before
 * any worker, an entry that can never be an event or keeps killing its consumer. It owns the
 * subscription's ordering lanes; the entries it holds and its workers are its {@link HeldEntries}.
 *
 * <p>The {@code release} of each entry runs exactly once, when its worker slot is free.
 *
 * <p>Thread-safe.
 */
public final class SubscriptionDispatch {

    private static final String TRIMMED_DETAIL =
            "entry was deleted or trimmed from the stream before it was acknowledged";

    private final Subscription sub;
    private final HandlerSettings limits;
    private final HeldEntries held;
    /** Null unless the handler is ordered by subject. */
    private final SubjectLanes lanes;

    private final DeliveryPipeline pipeline;
    private final EventCodec codec;
    private final DeadLetterSink deadLetters;
    private final int maxDeliveries;
    /** Deliveries of an entry past the fuse that the fuse does not count. */
    private final ServiceDownDeliveries serviceDown;
    /** Asked before every handler call: false while this instance may not run the partition's events. */
    private final BooleanSupplier mayDispatch;
    /** The entries acknowledged here that Redis has not confirmed yet (a copy). */
    private final Supplier<Set<String>> unconfirmedAcks;
    /** Whether the reader may read more while acknowledgements wait for Redis. */
    private final AckRoom ackRoom;

    /**
     * @param unconfirmedAcks the entries acknowledged here that Redis has not confirmed yet (a copy)
     * @param ackRoom waited for before each read ({@link #awaitAckRoom})
     */
    SubscriptionDispatch(
            Subscription sub,
            HandlerSettings limits,
            HeldEntries held,
            SlotLender slots,
            DeliveryPipeline pipeline,
            EventCodec codec,
            DeadLetterSink deadLetters,
            int maxDeliveries,
            ServiceDownDeliveries serviceDown,
            BooleanSupplier mayDispatch,
            Supplier<Set<String>> unconfirmedAcks,
            AckRoom ackRoom) {
        this.unconfirmedAcks = unconfirmedAcks;
        this.ackRoom = ackRoom;
        this.sub = sub;
        this.limits = limits;
        this.held = held;
        this.lanes = limits.orderedBySubject() ? new SubjectLanes(held.workers, slots) : null;
        this.pipeline = pipeline;
        this.codec = codec;
        this.deadLetters = deadLetters;
        this.maxDeliveries = maxDeliveries;
        this.serviceDown = serviceDown;
        this.mayDispatch = mayDispatch;
    }

    public Subscription subscription() {
        return sub;
    }

    /**
     * Waits, up to {@code max}, while the subscription's acknowledgements queued or unconfirmed by
     * Redis are at their limit ({@code consumer.ack-limit}): its reader asks before each read, so a
     * Redis that falls behind slows the reading, not the workers.
     *
     * @return whether the reader may read (false: {@code max} passed first)
     */
    public boolean awaitAckRoom(Duration max) throws InterruptedException {
        return ackRoom.await(max);
    }

    /**
     * Whether the subscription's acknowledgements are below their limit now: the retry poller and
     * the reclaimer take nothing while they are not.
     */
    public boolean hasAckRoom() {
        return ackRoom.hasRoom();
    }

    /**
     * Hands over the entries of one read, in order, as {@link #dispatch} does each: its workers
     * start for what is queued once a few are, not for each entry ({@link WorkerPool#burst}).
     *
     * @param release gives each entry's {@code release}, called in stream order
     */
    public void dispatchAll(List<StreamEntry> entries, Function<StreamEntry, Runnable> release) {
        held.workers.burst(() -> {
            for (StreamEntry entry : entries) {
                dispatch(entry, release.apply(entry));
            }
        });
    }

    public void dispatch(StreamEntry entry, Runnable release) {
        if (entry.origin() == StreamEntry.Origin.AWAITING_RETRY) {
            awaitRetry(entry);
            release.run(); // not handled now: its slot and bytes go back at once
            return;
        }
        if (entry.origin() == StreamEntry.Origin.VANISHED) {
            // Redis reported it deleted and dropped it from the pending list in the same step: no
            // other path can record this loss any more, so it is recorded even if the entry is
            // "on its way" elsewhere (that path's record is conditional on the entry being pending).
            deadLetterBeforeLane(entry, DeadLetterReason.TRIMMED, TRIMMED_DETAIL, Resolution.releasing(release));
            return;
        }
        Delivery delivery = new Delivery(held, lanes, entry.id());
        if (!delivery.hold()) {
            release.run(); // already on its way here (reclaimed, retried or re-read while in flight)
            return;
        }
        if (entry.isDeleted()) {
            deadLetterBeforeLane(entry, DeadLetterReason.TRIMMED, TRIMMED_DETAIL, settled(delivery, release));
            return;
        }
        if (entry.origin().recovered() && entry.deliveries() > maxDeliveries) {
            // Past the fuse by Redis's count: the deliveries that waited out a service's outage
            // are asked for only now, so the usual path asks Redis nothing.
            int down = serviceDown.of(entry);
            if (entry.deliveries() - down > maxDeliveries) {
                deadLetterBeforeLane(
                        entry,
                        DeadLetterReason.MAX_DELIVERIES,
                        "delivered " + entry.deliveries() + " times without an outcome"
                                + (down > 0
                                        ? " (" + down + " of them failed only because a service was down, not counted)"
                                        : "")
                                + " (recovery.max-deliveries = " + maxDeliveries
                                + "): it may be crashing its consumer",
                        settled(delivery, release));
                return;
            }
        }
        // Decoded on the worker: the reader, one thread for the whole subscription, stays free to
        // read. An ordered subscription's reader takes only the subject, which lanes need in stream order.
        String subject = lanes != null ? codec.subjectOf(entry) : null;
        if (subject == null) {
            Resolution leaves = Resolution.releasing(release);
            held.workers.execute(() -> {
                if (!mayDispatch.getAsBoolean()) { // lost the partition while it waited: it stays pending
                    pipeline.leaveUnstarted(sub, entry, delivery, leaves);
                    return;
                }
                pipeline.run(sub, entry, limits, delivery, leaves);
            });
            return;
        }
        String id = entry.id();
        lanes.submit(subject, id, () -> {
            if (lanes.isClosed()) { // its subscription stopped while it waited: it stays pending
                pipeline.leaveUnstarted(sub, entry, delivery, Resolution.releasing(release));
                return;
            }
            if (!mayDispatch.getAsBoolean()) {
                // This instance lost the partition (its lease's local deadline passed): the entry
                // stays pending for the next owner, who claims it and handles it in id order. The
                // lane moves on; its later events are refused the same way (a lapsed lease never
                // dispatches again).
                pipeline.leaveUnstarted(sub, entry, delivery, resolved -> {
                    lanes.finished(subject, id, true);
                    release.run();
                });
                return;
            }
            pipeline.run(sub, entry, limits, delivery, resolved -> {
                lanes.finished(subject, id, resolved);
                release.run();
            });
        });
    }

    /**
     * An entry of this consumer's pending list whose retry is scheduled, read again (after a
     * restart, a lost read reply, a new lease's claim): the retry poller brings it back when due,
     * and until then its subject's lane waits for it, so the later events of the subject, read
     * with it, do not go ahead of its retry. An entry on its way here already (running, or its
     * retry arrived meanwhile) needs nothing: its lane learns its outcome from its run. An entry
     * without a subject (unordered, none, or deleted: the retry poller records its loss) holds
     * nothing, as before.
     */
    private void awaitRetry(StreamEntry entry) {
        if (lanes == null || entry.isDeleted() || held.deliveries.containsKey(entry.id())) {
            return;
        }
        String subject = codec.subjectOf(entry);
        if (subject != null) {
            lanes.holdForRetry(subject, entry.id());
        }
    }

    /**
     * Dead-letters an entry before it reaches a lane (trimmed, vanished, past max-deliveries): if
     * it was holding its subject's lane for a retry, the lane goes on once the dead letter is final.
     */
    private void deadLetterBeforeLane(StreamEntry entry, DeadLetterReason reason, String detail, Resolution leaves) {
        deadLetters.deadLetter(sub, DeadLetter.of(sub, entry, reason, entry.deliveries(), null, detail), resolved -> {
            if (resolved) {
                settledElsewhere(entry.id());
            }
            leaves.done(resolved);
        });
    }

    /** For an entry whose outcome is decided before its handler runs: it leaves the dispatcher. */
    private static Resolution settled(Delivery delivery, Runnable release) {
        return resolved -> {
            delivery.forget();
            release.run();
        };
    }

    /**
     * An entry of this subscription has its final outcome from another path (or another
     * consumer): an ordering lane that waits for its retry goes on.
     */
    public void settledElsewhere(String entryId) {
        if (lanes != null) {
            lanes.settledElsewhere(entryId);
        }
    }

    /**
     * This instance may not dispatch the partition's events now (its lease was handed over or
     * lapsed): every lane held for a retry goes on, and the events waiting in it leave unstarted
     * (they see {@code mayDispatch} false), staying pending for the owner, which claims them. Without
     * this they waited for a retry only the owner's poller takes, or for a reclaimer pass that runs
     * only while this instance owns the partition: so after a handover they kept their entry slots
     * until this instance owned the partition again, which may be never (and at shutdown they were
     * counted as still in flight).
     *
     * @return how many lanes went on
     */
    public int releaseLanesUnlessOwner() {
        if (lanes == null) {
            return 0;
        }
        // Copied before the lease is asked: holds a claim read installs once the lease is back are
        // not in the copy, so they are not let go.
        Set<String> heldIds = lanes.heldForRetry();
        if (mayDispatch.getAsBoolean()) {
            return 0;
        }
        heldIds.forEach(lanes::settledElsewhere);
        return heldIds.size();
    }

    /**
     * The entries on their way here, to take before a read of this consumer's own pending entries,
     * which must not hand them to the handler again: those held (running or waiting) and those
     * handled with their acknowledgement not yet confirmed by Redis (still pending there: right
     * after Redis came back, the read may beat the acknowledgements queued while it was away).
     * Held ones first: a handled entry is acknowledged before it leaves the held entries, so taken
     * in this order none slips between the two.
     */
    public Set<String> onTheirWay() {
        Set<String> ids = new HashSet<>(held.deliveries.keySet());
        ids.addAll(unconfirmedAcks.get());
        return ids;
    }

    /** Entries that hold their subject's lane, waiting for their retry (none when unordered). */
    public Set<String> heldForRetry() {
        return lanes == null ? Set.of() : lanes.heldForRetry();
    }

    /**
     * Renews the claims of the entries held (running or waiting for a worker) and marks those the
     * renewal reports deleted: Redis has dropped them from the pending list, so if they leave
     * without being handled their loss is recorded (see {@link Delivery#droppedFromPending}).
     *
     * @param renew renews the claims of the given ids; returns those deleted from the stream
     * @return how many held entries were found deleted
     */
    public int renewHeld(Function<List<String>, List<String>> renew) {
        synchronized (held.renewal) {
            Map<String, Delivery> renewed = new HashMap<>();
            held.deliveries.forEach((id, d) -> {
                if (!d.isMarkedDropped()) { // no longer pending: nothing to renew, and already reported
                    renewed.put(id, d);
                }
            });
            if (renewed.isEmpty()) {
                return 0;
            }
            int marked = 0;
            for (String id : renew.apply(new ArrayList<>(renewed.keySet()))) {
                Delivery d = renewed.get(id);
                if (d != null) {
                    d.markDropped();
                    marked++;
                }
            }
            return marked;
        }
    }

    /**
     * How many entries are held now: running or read ahead and waiting for a worker (abandoned
     * workers not counted).
     */
    public int heldCount() {
        return held.deliveries.size();
    }

    /**
     * Handler calls running now: the workers, read without touching the hot path (a worker between
     * two calls counts for that instant; an abandoned one until it ends).
     */
    public int runningCount() {
        return held.workers.workers();
    }

    /**
     * The subscription stopped: its ordering lanes close. Events still waiting in a lane (behind a
     * subject held for a retry the stopped subscription no longer polls, or behind an event still
     * running at the end of the grace) leave without a call and stay pending, for the next start,
     * owner or version of the handler. The ids of running events are kept (see {@link HeldEntries}).
     *
     * @return how many events left a lane unstarted
     */
    public int close() {
        if (lanes == null) {
            return 0;
        }
        List<Runnable> waiting = lanes.close();
        waiting.forEach(Runnable::run); // each settles as not started: it stays pending
        return waiting.size();
    }
}
