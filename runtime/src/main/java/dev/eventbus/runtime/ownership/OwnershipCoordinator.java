package dev.eventbus.runtime.ownership;

import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.config.OwnershipSettings;
import dev.eventbus.runtime.internal.BoundedCall;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.Loop;
import dev.eventbus.runtime.internal.ReconnectReason;
import dev.eventbus.runtime.ownership.InstanceRegistry.Heartbeat;
import dev.eventbus.runtime.ownership.Lease.State;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives this instance's partition leases: every {@code renew-every} it heartbeats, computes the
 * owner of each (group, partition) over the live set ({@link Rendezvous}), acquires the leases
 * assigned here that are free or expired, renews those it holds, hands over those assigned
 * elsewhere (no more reads; once nothing read is in flight, acknowledgements flushed, compare-and-
 * delete release), and lets go of lapsed ones. A stopping instance {@linkplain #leave() leaves} the
 * live set first, so the others reassign at their next round, and {@linkplain #releaseAll releases}
 * after its subscriptions drained.
 *
 * <p>The loop runs on a platform thread of its own and survives every error (a renewal that cannot
 * reach Redis lets the lease run to its local deadline, where dispatching stops). While its
 * heartbeat or a lease's step fails, {@link #failure()} and {@link #failure(Lease)} say why, for
 * readiness and the states of the subscriptions left without a partition.
 *
 * <p>Thread-safe.
 */
public final class OwnershipCoordinator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OwnershipCoordinator.class);

    private final String self;
    private final OwnershipSettings settings;
    private final InstanceRegistry registry;
    private final InstanceLayouts layouts;
    private final RedisLeases redis;
    private final LongSupplier nanoTime;
    private final Runnable flushAcks;
    private final Duration drainLimit;
    private final ReconnectReason reconnect;
    private final Map<Lease, Hooks> leases = new ConcurrentHashMap<>();
    private final Loop loop;
    private volatile boolean leaving;
    /** The disagreements on partition counts last warned about; written by the loop only. */
    private volatile List<String> mismatches = List.of();
    /** Why the layouts could not be stated at the last round (null: they were); the loop's only. */
    private String layoutsRefused;
    /** Test hook: while true, no heartbeat and no renewal is sent (a frozen instance). */
    private volatile boolean frozen;
    /** Guards {@link #registering}: a round reads the leases while no registration is open. */
    private final Object registrations = new Object();
    /** Registrations open now ({@link #registering()}). */
    private int registering;
    /** The layouts stated at the last round; the loop's only. */
    private Set<RunLayout> stated = Set.of();
    /** Whether a round stated this instance's layouts with no registration open; the loop's only. */
    private boolean statedAll;
    /** Why the last round's heartbeat failed ("" once one went through): readiness says it. */
    private volatile String heartbeatFailure = "";
    /** Why a lease's last step failed (taking, renewing, releasing it), while it keeps failing. */
    private final Map<Lease, String> leaseFailures = new ConcurrentHashMap<>();

    /**
     * @param flushAcks sends the acknowledgements queued so far (before a lease is released)
     * @param drainLimit the longest a handover waits for in-flight events (the shutdown grace)
     * @param nanoTime the monotonic clock
     * @param reconnect why {@code redis}'s client fails to reconnect, for the words of a round refused meanwhile
     */
    public OwnershipCoordinator(
            String self,
            OwnershipSettings settings,
            RedisClusterCommands<byte[], byte[]> redis,
            ReconnectReason reconnect,
            Runnable flushAcks,
            Duration drainLimit,
            LongSupplier nanoTime) {
        this.self = self;
        this.settings = settings;
        this.registry = new InstanceRegistry(redis, settings.leaseTtl());
        this.layouts = new InstanceLayouts(redis, settings.leaseTtl());
        this.redis = new RedisLeases(redis, settings.leaseTtl());
        this.nanoTime = nanoTime;
        this.flushAcks = flushAcks;
        this.drainLimit = drainLimit;
        this.reconnect = reconnect;
        this.loop = new Loop(
                "eventbus-ownership",
                Thread.ofPlatform().daemon(true).factory(),
                Duration.ZERO,
                settings.renewEvery(),
                false,
                LOG,
                reconnect,
                () -> {
                    round();
                    return settings.renewEvery();
                });
    }

    /**
     * The heartbeat and renewal loop, for {@code TopologyChanges#rewindOnChange}: after an outage it
     * must not wait out a back-off grown meanwhile (from outside: 12 s after the cluster was back,
     * the instance out of the live set about 14 s, long enough for its partitions to be handed away).
     */
    public Loop loop() {
        return loop;
    }

    public String self() {
        return self;
    }

    /** Starts heartbeating and driving the leases. */
    public void start() {
        loop.start();
    }

    /** What the coordinator asks of a lease's subscription, and since when it waits for it to clear. */
    private static final class Hooks {
        final BooleanSupplier idle;
        final BooleanSupplier cleared;
        /** Whether an assigned, free lease waits for {@link #cleared}, and since when; the loop's only. */
        boolean waiting;

        long waitingSince;

        Hooks(BooleanSupplier idle, BooleanSupplier cleared) {
            this.idle = idle;
            this.cleared = cleared;
        }
    }

    /**
     * A gate for one ordered subscription on one partition; its lease is taken when assigned here.
     *
     * @param idle whether nothing of the subscription runs or is about to (a handover waits for it):
     *     no entry held but those waiting behind a subject held for its retry, which the new owner
     *     claims and keeps behind that retry
     * @param cleared whether nothing taken under an earlier lease is still held here (asked while
     *     the lease is not held, before a new one is taken; it may let such entries go, unstarted)
     */
    public Lease register(String group, String partition, BooleanSupplier idle, BooleanSupplier cleared) {
        Lease lease = new Lease(group, partition, self, settings.leaseTtl(), settings.safetyMargin(), nanoTime);
        leases.put(lease, new Hooks(idle, cleared));
        loop.wake();
        return lease;
    }

    /**
     * Holds back what this instance states it runs while subscriptions register their leases one
     * by one (at start, or a reload's), until {@link Registration#close()}: meanwhile each round
     * states what it stated before (nothing at start) and this instance takes none of the new
     * leases, and no disagreement is warned about before the first whole statement. Found from
     * outside: started with {@code partitions = 8, draining = [4]}, an instance stated the draining
     * layout alone at its first round, and "p4 runs 4; p1, p3 run 8" was logged before "p4 runs 4 and 8".
     */
    public Registration registering() {
        synchronized (registrations) {
            registering++;
        }
        return new Registration();
    }

    /** An open {@link #registering()}; closing it twice closes it once. */
    public final class Registration implements AutoCloseable {

        private boolean closed;

        private Registration() {}

        @Override
        public void close() {
            synchronized (registrations) {
                if (closed) {
                    return;
                }
                closed = true;
                registering--;
            }
            loop.wake();
        }
    }

    /** Its subscription stopped and drained (acks flushed): the lease is released and forgotten. */
    public void unregister(Lease lease) {
        leases.remove(lease);
        leaseFailures.remove(lease);
        release(lease, "its subscription stopped");
    }

    /**
     * Leaves the live set: the others reassign this instance's partitions at their next round.
     * Waits for Redis at most {@link #LEAVE_WAIT}: a stop must not wait out the command timeout on
     * a Redis that does not answer (the others then see this instance go by its lease ttl).
     */
    public void leave() {
        leaving = true;
        String unable = null;
        try {
            BoundedCall.get(
                    "eventbus-leave",
                    () -> {
                        registry.leave(self);
                        return null;
                    },
                    LEAVE_WAIT);
        } catch (TimeoutException e) {
            unable = "Redis did not answer within " + LEAVE_WAIT.toMillis() + " ms";
        } catch (ExecutionException e) {
            unable = Errors.rootMessage(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unable = "interrupted";
        }
        if (unable != null) {
            LOG.warn(
                    "ownership: cannot leave the live set ({}); the others see this instance go once its "
                            + "heartbeat is older than the lease ttl",
                    unable);
        }
    }

    /** How long a stop waits for Redis to take this instance off the live set. */
    static final Duration LEAVE_WAIT = Duration.ofSeconds(2);

    /** Releases every lease held (after the subscriptions drained) and stops the loop. */
    public void releaseAll() {
        loop.stop();
        try {
            loop.awaitEnd(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Lease lease : List.copyOf(leases.keySet())) {
            release(lease, "this instance stops");
        }
        leases.clear();
    }

    @Override
    public void close() {
        releaseAll();
    }

    /** For tests: stop (true) or resume heartbeats and renewals, as a frozen process would. */
    public void freeze(boolean frozen) {
        this.frozen = frozen;
        loop.wake();
    }

    /** The leases this instance knows of, with their state here (for status and tests). */
    public List<Lease> leases() {
        return List.copyOf(leases.keySet());
    }

    /**
     * Who is live and who owns what, read from Redis now: the leases of this runtime's ordered
     * handlers on every layout a live instance states ({@link InstanceLayouts}), not only on those
     * run here. Found from outside: with instances on 8 partitions and one on 4, each side showed
     * the other owning 0 partitions, though it held its whole layout.
     */
    public OwnershipView view() {
        Heartbeat hb = registry.beat("");
        long now = hb.serverTime().toEpochMilli();
        Map<String, String> leaseKeys = new TreeMap<>(); // by resource, sorted
        Set<List<String>> handlersOnStreams = new HashSet<>();
        for (Lease lease : leases.keySet()) {
            leaseKeys.put(lease.resource(), lease.leaseKey());
            RunLayout layout = RunLayout.of(lease.group(), lease.partition());
            if (layout != null) {
                handlersOnStreams.add(List.of(layout.handler(), layout.stream()));
            }
        }
        if (!handlersOnStreams.isEmpty()) {
            Set<String> live = new HashSet<>(hb.ids());
            statedLayouts().forEach((instance, stated) -> {
                if (live.contains(instance)) {
                    for (RunLayout layout : stated) {
                        if (handlersOnStreams.contains(List.of(layout.handler(), layout.stream()))) {
                            partitionsOf(layout)
                                    .forEach(p -> leaseKeys.put(
                                            layout.handler() + "@" + p, Lease.keyOf(p, layout.handler())));
                        }
                    }
                }
            });
        }
        Map<String, List<String>> owned = new TreeMap<>();
        List<String> unowned = new ArrayList<>();
        leaseKeys.forEach((resource, leaseKey) -> {
            String owner = redis.ownerOf(leaseKey, now);
            if (owner == null) {
                unowned.add(resource);
            } else {
                owned.computeIfAbsent(owner, o -> new ArrayList<>()).add(resource);
            }
        });
        return new OwnershipView(self, hb.live(), owned, unowned, hb.serverTime());
    }

    /** Every instance's stated layouts; none when Redis refuses them (a user of an earlier version's ACL rules). */
    private Map<String, Set<RunLayout>> statedLayouts() {
        try {
            return layouts.read();
        } catch (RuntimeException e) {
            if (Errors.isPermissionDenied(e)) {
                return Map.of(); // the round warns about it
            }
            throw e;
        }
    }

    /** The partition keys of a layout; none when its count is not one a stream can have (a later version's?). */
    private static List<String> partitionsOf(RunLayout layout) {
        try {
            return new PartitionedStream(layout.stream(), layout.partitions()).keys();
        } catch (IllegalArgumentException e) {
            return List.of();
        }
    }

    /**
     * Why this instance's heartbeat fails, for readiness: the others do not count it live, and it
     * takes and keeps no partition, so its ordered subscriptions on partitioned streams handle
     * nothing. Empty once a heartbeat went through. From the first failed round, as a reader's
     * failure is: a missing permission (a user without {@code +zadd}) does not mend itself, and
     * found from outside, readiness said UP through one while nothing was handled.
     */
    public String failure() {
        String why = heartbeatFailure;
        return why.isEmpty()
                ? ""
                : "the heartbeat in " + InstanceRegistry.KEY + " fails, so the other instances do not count this "
                        + "one live and it owns no partition: " + why;
    }

    /**
     * Why the subscription behind {@code lease} handles nothing now for want of its lease, or empty:
     * this instance cannot heartbeat, or the lease cannot be taken or renewed in Redis (a user
     * without {@code +hset}). Not when another instance owns the partition: that is how it works.
     */
    public String failure(Lease lease) {
        String why = heartbeatFailure;
        if (!why.isEmpty()) {
            return "this instance cannot heartbeat, so it owns no partition: " + why;
        }
        why = leaseFailures.getOrDefault(lease, "");
        return why.isEmpty()
                ? ""
                : "its lease " + lease.leaseKey() + " cannot be taken or renewed, so this instance does not read "
                        + lease.partition() + ": " + why;
    }

    private void round() {
        if (frozen) {
            return;
        }
        try {
            heartbeat();
        } catch (RuntimeException e) {
            // Thrown on for the loop to log, paced, and to back off.
            heartbeatFailure = Errors.describe(e, reconnect);
            throw e;
        }
    }

    /** States the layouts, heartbeats and steps every lease; throws when the heartbeat fails. */
    private void heartbeat() {
        // What this instance runs is stated before its heartbeat: the others never see it live
        // without it, which would count it as a previous version's, running every layout.
        boolean whole;
        synchronized (registrations) { // a registration's leases all in, or none of them
            whole = registering == 0;
            if (whole) {
                stated = runLayouts();
            }
        }
        Set<RunLayout> mine = stated;
        Map<String, Set<RunLayout>> runs = new HashMap<>(stateLayouts(mine));
        Heartbeat hb = registry.beat(leaving ? "" : self);
        heartbeatFailure = "";
        Set<String> live = new HashSet<>(hb.ids());
        if (!leaving) {
            live.add(self);
        }
        runs.keySet().retainAll(live);
        statedAll |= whole;
        if (statedAll) { // not on a part of this instance's layouts, nor on none before its first statement
            warnOnMismatch(runs);
        }
        for (Map.Entry<Lease, Hooks> e : leases.entrySet()) {
            if (frozen) {
                return;
            }
            Lease lease = e.getKey();
            try {
                step(lease, e.getValue(), live, runs);
            } catch (RuntimeException ex) {
                String why = Errors.describe(ex, reconnect);
                // Once per reason, not every round: a refusal repeats at every renew-every.
                if (!why.equals(leaseFailures.put(lease, why))) {
                    LOG.warn("ownership: lease {}: {}", lease, why);
                }
                continue;
            }
            if (leaseFailures.remove(lease) != null) {
                LOG.info("ownership: the lease of {} works again", lease.resource());
            }
        }
        leaseFailures.keySet().retainAll(leases.keySet()); // a lease unregistered during its step
    }

    /** The layouts of the leases registered here. */
    private Set<RunLayout> runLayouts() {
        Set<RunLayout> mine = new HashSet<>();
        for (Lease lease : leases.keySet()) {
            RunLayout layout = RunLayout.of(lease.group(), lease.partition());
            if (layout != null) {
                mine.add(layout);
            }
        }
        return Set.copyOf(mine);
    }

    private void step(Lease lease, Hooks hooks, Set<String> live, Map<String, Set<RunLayout>> runs) {
        // Only the instances that run the partition's layout are candidates: one configured with
        // another partition count must not win partitions it never reads.
        List<String> candidates = LayoutCandidates.of(lease.group(), lease.partition(), live, runs);
        boolean assigned = !leaving && self.equals(Rendezvous.owner(lease.resource(), candidates));
        switch (lease.check()) {
            case FREE -> {
                // What was taken under the last lease (after a lapse: events read, or waiting in a
                // lane, when the process stalled) leaves unstarted first and stays pending: taken
                // again under a new lease, it would run after the events another owner handled
                // meanwhile, a step back in order (a review found it: the dispatch check asked the
                // lease's state, not the token the entry was read under). The new lease's reader
                // then claims and reads it again, in order.
                if (assigned && mayAcquire(lease, hooks)) {
                    long sent = nanoTime.getAsLong();
                    long token = redis.acquire(lease);
                    if (token > 0) {
                        lease.acquired(token, sent);
                        LOG.info("ownership: {} acquired (token {})", lease.resource(), token);
                    }
                }
            }
            case HELD -> {
                if (!assigned && !leaving) {
                    lease.drain();
                    LOG.info("ownership: {} assigned to another instance: handing over", lease.resource());
                }
                renew(lease);
            }
            case DRAINING -> {
                if (assigned) {
                    lease.keep();
                }
                renew(lease);
                if (lease.state() == State.DRAINING && lease.noReadInProgress() && hooks.idle.getAsBoolean()) {
                    release(lease, "handed over");
                } else if (lease.drainingForNanos() > drainLimit.toNanos()) {
                    release(
                            lease,
                            "handed over with events still in flight after " + drainLimit
                                    + " (they may overlap with the new owner's)");
                }
            }
            case LAPSED -> release(lease, "lapsed (not renewed in time, or Redis gave it up)");
        }
    }

    /**
     * States what this instance runs and reads what the others do. When Redis refuses (NOPERM: a user made
     * from an earlier version's ACL rules, without {@value InstanceLayouts#KEY}), warns once and
     * assigns as before, over every live instance: the heartbeat and the leases must go on.
     */
    private Map<String, Set<RunLayout>> stateLayouts(Set<RunLayout> mine) {
        Map<String, Set<RunLayout>> runs;
        try {
            runs = new HashMap<>(layouts.state(leaving ? "" : self, mine));
        } catch (RuntimeException e) {
            if (!Errors.isPermissionDenied(e)) {
                throw e; // Redis out of reach: the round fails as its heartbeat would
            }
            String why = Errors.describe(e);
            if (!why.equals(layoutsRefused)) {
                LOG.warn(
                        "ownership: cannot state or read the layouts instances run in {} ({}); partitions are "
                                + "assigned over every live instance, whatever it runs",
                        InstanceLayouts.KEY,
                        why);
            }
            layoutsRefused = why;
            return Map.of();
        }
        if (layoutsRefused != null) {
            LOG.info("ownership: the layouts instances run are stated in {} again", InstanceLayouts.KEY);
            layoutsRefused = null;
        }
        runs.put(self, Set.copyOf(mine));
        return runs;
    }

    /** Warns once per change about live instances that disagree on a stream's partition count. */
    private void warnOnMismatch(Map<String, Set<RunLayout>> runs) {
        List<String> now = LayoutMismatch.of(runs);
        if (now.equals(mismatches)) {
            return;
        }
        for (String sentence : now) {
            if (!mismatches.contains(sentence)) {
                LOG.warn(
                        "ownership: {}; instances with different layouts do not take each other's partitions, "
                                + "so a layout only some instances run is read by those only (give every instance "
                                + "the same partitions and draining)",
                        sentence);
            }
        }
        if (now.isEmpty()) {
            LOG.info("ownership: the live instances agree on every stream's partition count again");
        }
        mismatches = now;
    }

    /** The disagreements on partition counts seen at the last round (none: all agree). */
    public List<String> mismatches() {
        return mismatches;
    }

    /**
     * Whether nothing taken under the last lease is still here: no read under way, no entry held.
     * Waited for at most the drain limit (the shutdown grace), as a handover waits for its calls: a
     * worker that ignores its interrupt keeps its subject's lane, and the entries behind it, for
     * good, and the partition must not stay unowned for that. Past it, the lease is taken all the
     * same, with a warning (those entries may then run after what another owner handled).
     */
    private boolean mayAcquire(Lease lease, Hooks hooks) {
        if (lease.noReadInProgress() && hooks.cleared.getAsBoolean()) {
            hooks.waiting = false;
            return true;
        }
        long now = nanoTime.getAsLong();
        if (!hooks.waiting) {
            hooks.waiting = true;
            hooks.waitingSince = now;
            LOG.info(
                    "ownership: {} assigned here again: waiting for what was taken under the last lease to leave "
                            + "(running calls end, waiting events leave unstarted) before taking a new one",
                    lease.resource());
            return false;
        }
        if (now - hooks.waitingSince < drainLimit.toNanos()) {
            return false;
        }
        hooks.waiting = false;
        LOG.warn(
                "ownership: {}: events taken under the last lease are still held after {}; taking a new lease "
                        + "all the same (they may run after events another instance handled meanwhile)",
                lease.resource(),
                drainLimit);
        return true;
    }

    private void renew(Lease lease) {
        long token = lease.token();
        long sent = nanoTime.getAsLong();
        if (redis.renew(lease, token)) {
            lease.renewed(token, sent);
        } else {
            lease.fenced(token);
            LOG.warn("ownership: {} lost (token {} no longer holds it in Redis)", lease.resource(), token);
        }
    }

    private void release(Lease lease, String why) {
        long token = lease.token();
        if (token == 0) {
            return;
        }
        if (lease.state() != State.LAPSED) {
            flushAcks.run();
        }
        try {
            redis.release(lease, token);
        } catch (RuntimeException e) {
            LOG.warn("ownership: cannot release {} ({}); it expires by itself", lease, Errors.rootMessage(e));
        }
        lease.released();
        LOG.info("ownership: {} released: {}", lease.resource(), why);
    }
}
