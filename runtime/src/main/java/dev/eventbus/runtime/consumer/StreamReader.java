package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.config.ConsumerSettings;
import dev.eventbus.runtime.config.StallBound;
import dev.eventbus.runtime.dispatch.SubscriptionDispatch;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.FailureStreak;
import dev.eventbus.runtime.internal.ScriptSha;
import dev.eventbus.runtime.ownership.LeaseScripts;
import dev.eventbus.runtime.ownership.PartitionGate;
import dev.eventbus.runtime.stream.CutCommands;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.PartitionSelectorException;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandKeyword;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read loop of one subscription, on its own Redis connection (a blocking read would hold up
 * every other command on a shared one). It first reads its own pending entries (history, id
 * {@code 0}) so nothing delivered before a crash is forgotten, then new entries ({@code >}) with a
 * finite BLOCK. It asks for at most as many entries as it has free entry slots ({@link EntrySlots}:
 * max-in-flight plus read-ahead), and holds at most {@code consumer.read-ahead-bytes} of them
 * ({@link HeldBytes}), so memory is bounded in entries and in bytes, and what it holds is claimed
 * by this consumer. Entries a read returns beyond the bytes budget are not kept: they stay pending
 * here and are read again from this consumer's pending list as room frees up.
 *
 * <p>A read whose reply may be lost (a command timeout, a broken connection: anything but an error
 * reply from Redis) may still have run in Redis, or run later (a paused or stalled Redis runs it
 * when it wakes): its entries are then pending here, delivered but unseen. So after such a failure
 * the reader reads its own pending entries again (from {@code 0}) before new ones: the lost entries
 * come back at once and ahead of later entries, which keeps ordering by subject, instead of waiting
 * for {@code recovery.claim-idle}. Entries held here already are dropped by the dispatcher; those
 * waiting for a retry are left to the retry poller, but hold their subject's lane until it brings
 * them back ({@link StreamEntry.Origin#AWAITING_RETRY}).
 *
 * <p>The loop survives every error: Redis down, timeouts, a missing group, a stream key holding
 * another type, a missing ACL permission, an OutOfMemoryError. It backs off (the wait ends early when
 * the client's view of Redis changes, {@link TopologyChanges}, at most once per {@link
 * FailureStreak#CHANGE_SPACING} for a connection made), logs the first
 * failure, each growth of the wait and once a minute while it stays at its longest, reports the failure ({@link #failure()}) until a read works again,
 * and goes on until {@link #stop()}. A group that could not be created at start-up is created by
 * the loop before it reads, with the same back-off, so that one broken key stops only its own
 * subscription.
 *
 * <p>Part of its subscription's {@link StreamConsumer}, which starts and stops it.
 *
 * <p>Thread-safe: {@link #start()}, {@link #stop()} and the queries may be called from any
 * thread; the loop itself runs on one thread.
 */
final class StreamReader {

    private static final Logger LOG = LoggerFactory.getLogger(StreamReader.class);
    private static final Duration MAX_BACKOFF = StallBound.LOOP_MAX_BACKOFF;
    private static final String FENCED_READ_SHA = ScriptSha.of(LeaseScripts.FENCED_READ);

    private final Subscription sub;
    private final RedisConnection<byte[], byte[]> connection;
    private final Consumer<byte[]> consumer;
    private final ConsumerSettings settings;
    private final SubscriptionDispatch dispatcher;
    private final EntrySlots slots;
    private final HeldBytes held;
    private final ReadBudget budget;
    private final RetryStore retryStore;
    /** Told once the group exists: starts the subscription's other loops. */
    private final Runnable groupReadyHook;
    /** The longest wait after a lost connection: the client's own reconnect back-off bound. */
    private final Duration reconnectMax;
    /** Ends a back-off early when the client's view of Redis changes (a failover, a node back). */
    private final TopologyChanges changes;
    /** EVALSHA refused by the Redis user's ACL: the fenced read goes by EVAL. */
    private volatile boolean evalshaRefused;
    /** Whether this instance owns the partition now ({@link PartitionGate#OPEN} when no owner is needed). */
    private final PartitionGate gate;

    private final byte[] stream;
    private volatile boolean stopping;

    private volatile boolean wasPaused;
    /** False while the group still has to be created (its creation failed at start-up). */
    private volatile boolean groupReady = true;

    private final FailureStreak streak = new FailureStreak(Duration.ofMillis(200), MAX_BACKOFF);
    /** The last round was cut by the client's close of its connection and is tried again ({@link CutCommands}). */
    private boolean cutTriedAgain;

    private long cutAtNanos;

    private volatile long lastRoundNanos = System.nanoTime();
    private Thread thread;
    private String historyCursor = "0";
    /** Entries of the last new read left pending for lack of room, read again after historyCursor. */
    private int spilledLeft;
    /** The lease token the pending entries were last claimed under (gated reads only); 0: none. */
    private long epochToken;
    /** The id of the last new entry read (gated reads only), where the wait for more starts. */
    private String lastNewId = "$";
    /** The last gated read of new entries found none: wait for more without reading them. */
    private boolean waitForNew;
    /** Reads that timed out in a row with no new topology meanwhile ({@link #readBound}). */
    private int timeoutsInPlace;

    /**
     * @param connection this reader's own connection (blocking reads)
     * @param budget how many entries the subscription may read now (0 while a circuit of the
     *     handler's gRPC services is open or an old partition layout drains), and why not
     * @param groupReadyHook run once the group exists (at {@link #start()}, or once the loop created it)
     * @param reconnectMax {@code redis.reconnect.max-delay}: after a lost connection the reader tries
     *     again at least this often, so it reads as soon as the client is back (a failover's
     *     seconds would otherwise have grown its back-off well past them)
     * @param changes the client's changes of its view of Redis: a failed read is tried again at
     *     once after one (the first of a failure streak starts its back-off over; a connection
     *     made at most once per {@link FailureStreak#CHANGE_SPACING})
     */
    StreamReader(
            Subscription sub,
            RedisConnection<byte[], byte[]> connection,
            String consumerName,
            ConsumerSettings settings,
            SubscriptionDispatch dispatcher,
            EntrySlots slots,
            HeldBytes held,
            RetryStore retryStore,
            ReadBudget budget,
            Runnable groupReadyHook,
            Duration reconnectMax,
            TopologyChanges changes,
            PartitionGate gate) {
        this.sub = sub;
        this.connection = connection;
        this.consumer = Consumer.from(Bytes.utf8(sub.group()), Bytes.utf8(consumerName));
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.slots = slots;
        this.held = held;
        this.budget = budget;
        this.stream = Bytes.utf8(sub.stream());
        this.retryStore = retryStore;
        this.groupReadyHook = groupReadyHook;
        this.reconnectMax = reconnectMax;
        this.changes = changes;
        this.gate = gate;
    }

    synchronized void start() {
        // A virtual thread, like the workers it starts: a worker it starts waits on the same carrier
        // and runs as soon as the reader blocks in Redis again, without waking another thread. A
        // platform reader measured the same throughput and a 1.6x p99 at 5,000 events/s (benchmarks/).
        boolean ready = groupReady; // read first: once the loop runs, it may create the group and run the hook
        thread = Thread.ofVirtual().name("eventbus-reader-" + sub.name()).start(this::run);
        if (ready) {
            groupReadyHook.run();
        }
    }

    /**
     * The group could not be created at start-up: the loop creates it before reading, retrying
     * with back-off, and the subscription reports the failure meanwhile. Call before {@link #start()}.
     */
    void groupBootstrapFailed(Throwable cause) {
        groupReady = false;
        streak.failed(groupTrouble(cause));
    }

    /** Stops reading. */
    void stop() {
        stopping = true;
    }

    /** Waits for the loop to exit, up to the deadline. */
    void awaitEnd(long deadlineNanos) throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.join(Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime())));
        }
    }

    /** Whether the read loop is running (it survives every error, so false means it was stopped). */
    synchronized boolean isReading() {
        return thread != null && thread.isAlive() && !stopping;
    }

    /**
     * Whether the loop came round within {@code stall}: a loop alive but stuck in one call is not
     * live. A stopped reader counts as live (it was stopped on purpose).
     */
    boolean comesRound(Duration stall) {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        return t == null || stopping || (t.isAlive() && System.nanoTime() - lastRoundNanos < stall.toNanos());
    }

    /** Why the reader does not work now, or empty. */
    String failure() {
        return streak.failure();
    }

    /** Its phase now, for operators; never waits for the loop. */
    ReaderState.Phase phase() {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        return t == null && !stopping
                ? ReaderState.Phase.STARTING
                : stopping || !t.isAlive() ? ReaderState.Phase.STOPPED : ReaderState.Phase.READING;
    }

    private void run() {
        while (!stopping) {
            lastRoundNanos = System.nanoTime();
            long seen = changes.generation();
            long seenTopologies = changes.topologies();
            try {
                if (!groupReady) {
                    bootstrapGroup();
                }
                iteration();
                timeoutsInPlace = 0;
                cutTriedAgain = false;
                worked();
            } catch (Throwable t) {
                if (!(t instanceof RedisCommandExecutionException)) {
                    rereadOwnPending(t);
                }
                if (!cutTriedAgain && !stopping && CutCommands.isCut(t)) {
                    cutTriedAgain = true;
                    cutAtNanos = System.nanoTime();
                    LOG.debug("reader {}: a command's connection was closed by the client; again at once", sub.name());
                    continue;
                }
                if (cutTriedAgain && !stopping && waitOutConnecting(t)) {
                    continue; // still right after the cut: the client connects to the slot's new node
                }
                cutTriedAgain = false;
                // On a cluster or Sentinel a read that timed out may have gone to a frozen primary,
                // which tells nothing else.
                boolean timeout = Errors.hasCause(t, RedisCommandTimeoutException.class);
                boolean timedOut = changes.followsFailovers() && timeout;
                // Or the client's view has no primary for the stream's slot (its primary failed
                // and left the view): the promoted replica is news only a topology read brings,
                // and nothing else asks for one (found from outside: readers backed off to 30 s
                // while the promotion waited for the next periodic refresh).
                boolean awaitTopology =
                        timedOut || changes.followsFailovers() && Errors.hasCause(t, PartitionSelectorException.class);
                if (awaitTopology) {
                    changes.commandTimedOut();
                }
                String what = groupReady ? readTrouble(t) : groupTrouble(t);
                Duration backoff = streak.failed(what);
                if (ConnectionLoss.is(t) && backoff.compareTo(reconnectMax) > 0) {
                    backoff = reconnectMax;
                }
                if (awaitTopology) {
                    backoff = AFTER_TIMEOUT; // for the topology it asked for (see pause)
                } else if (timeout && backoff.compareTo(AFTER_TIMEOUT) > 0) {
                    // The read waited already (the command timeout): the wait does not grow past
                    // this, so a node that answers again (thawed: nothing else tells the reader) is
                    // read within seconds, not after a back-off grown through a long freeze (6.4 s
                    // after a 64 s freeze, from outside; up to 30 s).
                    backoff = AFTER_TIMEOUT;
                }
                if (!handleTrouble(t, what, backoff, awaitTopology, streak.worthLogging(backoff))) {
                    pause(backoff, seen, seenTopologies, awaitTopology);
                }
                timeoutsInPlace = !timedOut ? 0 : changes.topologies() != seenTopologies ? 0 : timeoutsInPlace + 1;
            }
        }
        LOG.debug("reader {} stopped", sub.name());
    }

    private boolean waitOutConnecting(Throwable t) {
        try {
            return CutCommands.waitOut(t, System.nanoTime() - cutAtNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** An iteration, or a read in it, worked: a failure streak ends here. */
    private void worked() {
        if (streak.failures() > 0) {
            LOG.info("reader {}: reading again after {} failed attempt(s)", sub.name(), streak.succeeded());
        }
    }

    private void bootstrapGroup() {
        boolean created = GroupBootstrap.ensure(connection.sync(), sub.stream(), sub.group(), settings.newGroupStart());
        groupReady = true;
        LOG.info(
                "reader {}: consumer group '{}' on stream '{}' {}; the subscription starts",
                sub.name(),
                sub.group(),
                sub.stream(),
                created ? "created at " + settings.newGroupStart() : "exists now");
        if (!stopping) {
            groupReadyHook.run();
        }
    }

    /**
     * The last read may have run in Redis without its reply reaching here: its entries would be
     * pending here unseen, and reading on from {@code >} would hand later entries of their subjects
     * to the handler first. Reads this consumer's pending entries again before new ones.
     */
    private void rereadOwnPending(Throwable cause) {
        if (historyCursor == null) {
            LOG.debug(
                    "reader {}: the reply of a read may be lost ({}): reading own pending entries again before "
                            + "new ones",
                    sub.name(),
                    Errors.rootMessage(cause));
        }
        // From the start even when already reading them: a failure between a read and its dispatch
        // leaves entries behind the cursor. Those already held here are not handed over twice.
        historyCursor = "0";
        spilledLeft = 0;
    }

    /** A group creation failure as an operator needs it: which key, what is wrong, what to do. */
    /** A read that failed; a stream key turned into another type is named, with the fix. */
    private String readTrouble(Throwable t) {
        if (Errors.kind(t).contains("WRONGTYPE")) {
            return "stream key '" + sub.stream() + "' holds another type, not a stream (WRONGTYPE); fix: rename or "
                    + "delete that key (the subscription goes on by itself once '" + sub.stream() + "' is a stream "
                    + "again)";
        }
        if (!(connection.connection() instanceof StatefulRedisClusterConnection)
                && Errors.rootMessage(t).contains(": MOVED ")) {
            return Errors.describe(t) + " (a Redis Cluster node answered a one-node redis:// URI: name the "
                    + "cluster's nodes in a redis-cluster:// URI)";
        }
        return Errors.describe(t, connection.reconnect());
    }

    private String groupTrouble(Throwable t) {
        String kind = Errors.kind(t);
        if (kind.contains("WRONGTYPE")) {
            return "stream key '" + sub.stream() + "' holds another type, not a stream (WRONGTYPE): consumer group '"
                    + sub.group() + "' cannot be created; fix: rename or delete that key (the subscription starts "
                    + "by itself once '" + sub.stream() + "' is a stream or absent)";
        }
        return "cannot create consumer group '" + sub.group() + "' on stream '" + sub.stream() + "': "
                + Errors.describe(t, connection.reconnect()) + " (retrying)";
    }

    private void iteration() throws InterruptedException {
        int allowed = budget.allowed();
        if (allowed == 0) {
            if (!wasPaused) {
                LOG.warn("subscription {} paused: {}", sub.name(), budget.pausedBecause());
                wasPaused = true;
            }
            Thread.sleep(Math.min(500, settings.block().toMillis()));
            return;
        }
        // First, so that the slots and bytes counted next are not stale after a wait here.
        if (!dispatcher.awaitAckRoom(settings.block())) {
            return; // Redis falls behind confirming this subscription's acknowledgements
        }
        int free = slots.awaitFree(settings.block());
        if (free == 0) {
            return;
        }
        long room = held.awaitRoom(settings.block());
        if (room == 0) {
            return;
        }
        if (!dispatcher.hasAckRoom()) {
            // The entries in hand finished during the waits above and filled the room: reading
            // now would add a read's worth past the limit.
            return;
        }
        // Asked again after the waits (up to block each): a circuit that opened meanwhile holds
        // this read, and a half-open one's probe reads one entry, not the count allowed before.
        allowed = budget.allowed();
        if (allowed == 0) {
            return; // the next iteration says the subscription paused
        }
        if (wasPaused) {
            LOG.info("subscription {} resumed", sub.name());
            wasPaused = false;
        }
        long token = gate.enterRead();
        if (token == 0) {
            epochToken = 0; // not the owner now: when it is again, it first claims what others left
            Thread.sleep(Math.min(200, settings.block().toMillis()));
            return;
        }
        try {
            if (gate.gated() && token != epochToken) {
                claimPending(token);
            }
            List<StreamEntry> entries = read(held.count(Math.min(free, allowed), room), room, token);
            // Before the entries reach a worker: once they are handled, the reader is not failing.
            worked();
            slots.take(entries.size());
            dispatcher.dispatchAll(entries, held::charge);
        } catch (RedisCommandExecutionException e) {
            if (!String.valueOf(e.getMessage()).startsWith("FENCED")) {
                throw e;
            }
            LOG.info("reader {}: the partition's lease is gone (token {}): reading stops here", sub.name(), token);
            gate.fenced(token);
            epochToken = 0;
            return;
        } finally {
            gate.exitRead();
        }
        if (waitForNew) {
            waitForNew = false;
            awaitNew();
        }
        if (allowed == 1) {
            Thread.sleep(200); // probing a service that was down: one entry at a time
        }
    }

    /**
     * A new lease: before anything else, the partition's pending entries (left by the previous
     * owner, or by this instance under an earlier lease) are claimed here, so the history read that
     * follows hands them over in id order ahead of new ones: per-subject order across owners.
     */
    private void claimPending(long token) {
        String cursor = "0-0";
        int rounds = 0;
        do {
            cursor = new String(
                    connection
                            .sync()
                            .eval(
                                    LeaseScripts.FENCED_CLAIM,
                                    ScriptOutputType.VALUE,
                                    new byte[][] {stream, Bytes.utf8(gate.leaseKey())},
                                    Bytes.utf8(gate.owner()),
                                    Bytes.utf8(Long.toString(token)),
                                    consumer.getGroup(),
                                    consumer.getName(),
                                    Bytes.utf8(cursor),
                                    Bytes.utf8("100")),
                    java.nio.charset.StandardCharsets.UTF_8);
            rounds++;
        } while (!cursor.equals("0-0") && !stopping);
        historyCursor = "0";
        spilledLeft = 0;
        lastNewId = "$";
        epochToken = token;
        LOG.info(
                "reader {}: owner now (token {}): pending entries claimed ({} round(s)), reading them first",
                sub.name(),
                token,
                rounds);
    }

    /** A gated read cannot block in Redis (it runs in a script): this waits for a new entry instead. */
    private void awaitNew() {
        CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE)
                .add(CommandKeyword.COUNT)
                .add(1)
                .add(CommandKeyword.BLOCK)
                .add(settings.block().toMillis())
                .add("STREAMS")
                .addKey(stream)
                .add(lastNewId);
        // The reply's shape is a read's: the output bounds it as it bounds a read (ReadTimeouts).
        NewEntriesOutput output = new NewEntriesOutput(sub.stream(), StreamEntry.Origin.NEW).bounded(readBound(true));
        connection.sync().dispatch(CommandType.XREAD, output, args);
    }

    private List<StreamEntry> read(int count, long room, long token) {
        RedisClusterCommands<byte[], byte[]> redis = connection.sync();
        if (historyCursor != null) {
            // Own pending entries: all of them at start (HISTORY), or those a new read left for lack of room.
            boolean spill = spilledLeft > 0;
            // Taken before the read: an entry handled here since, whose XACK Redis confirms between
            // the read and its hand-over, is in it; read after, it would be handled again.
            Set<String> onTheirWay = dispatcher.onTheirWay();
            NewEntriesOutput output = new NewEntriesOutput(
                    sub.stream(),
                    spill ? StreamEntry.Origin.NEW : StreamEntry.Origin.HISTORY,
                    settings.maxEventBytes(),
                    room);
            List<StreamEntry> entries = xreadgroup(
                            redis, output, spill ? Math.min(count, spilledLeft) : count, historyCursor, false, token)
                    .get();
            // The cursor moves only once the entries are on their way: if XPENDING fails, they are read again.
            if (!entries.isEmpty()) {
                // Again after the read: an entry the retry poller or the reclaimer took, ran and
                // acknowledged meanwhile is in this one.
                onTheirWay.addAll(dispatcher.onTheirWay());
            }
            List<StreamEntry> found = entries.isEmpty() ? entries : withDeliveries(redis, entries, onTheirWay);
            if (entries.isEmpty() || (spill && (spilledLeft -= entries.size()) <= 0)) {
                historyCursor = null;
                spilledLeft = 0;
                LOG.debug("reader {}: own pending entries done, reading new entries", sub.name());
            } else {
                historyCursor = entries.get(entries.size() - 1).id();
            }
            return found;
        }
        if (stopping) {
            return List.of();
        }
        NewEntriesOutput output =
                new NewEntriesOutput(sub.stream(), StreamEntry.Origin.NEW, settings.maxEventBytes(), room);
        NewEntriesOutput used = xreadgroup(redis, output, count, ">", true, token);
        List<StreamEntry> entries = used.get();
        if (gate.gated()) {
            if (entries.isEmpty()) {
                waitForNew = true;
            } else {
                lastNewId = entries.get(entries.size() - 1).id();
            }
        }
        if (used.spilled() > 0) {
            historyCursor = entries.get(entries.size() - 1).id();
            spilledLeft = used.spilled();
            LOG.debug(
                    "reader {}: {} entries left pending for lack of room (consumer.read-ahead-bytes), read again "
                            + "when there is",
                    sub.name(),
                    spilledLeft);
        }
        return entries;
    }

    /**
     * The hot path: decoded straight into entries (NewEntriesOutput), not through StreamMessage.
     * Returns the output that holds the reply: {@code output}, or a fresh one when the read had to
     * be sent again.
     */
    private NewEntriesOutput xreadgroup(
            RedisClusterCommands<byte[], byte[]> redis,
            NewEntriesOutput output,
            int count,
            String from,
            boolean block,
            long token) {
        output.bounded(readBound(block));
        NewEntriesOutput used;
        if (gate.gated()) {
            used = fencedXreadgroup(redis, output, count, from, token);
        } else {
            CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE)
                    .add(CommandKeyword.GROUP)
                    .add(consumer.getGroup())
                    .add(consumer.getName())
                    .add(CommandKeyword.COUNT)
                    .add(count);
            if (block) {
                args.add(CommandKeyword.BLOCK).add(settings.block().toMillis());
            }
            args.add("STREAMS").addKey(stream).add(from);
            redis.dispatch(CommandType.XREADGROUP, output, args);
            used = output;
        }
        held.observe(used.wireBytes(), used.entriesSeen());
        return used;
    }

    /**
     * How long a read may take on a cluster or Sentinel ({@link ReadTimeouts}), ms: its BLOCK plus {@link
     * ReadTimeouts#READ_MARGIN}, as a read sent to a primary that froze only times out; 0 (the
     * command timeout) once {@value #TIMEOUTS_BEFORE_FULL} reads in a row timed out with no new
     * topology meanwhile: the node may only be slow, or the reply large (a history read may fill
     * {@code consumer.read-ahead-bytes}), and reads bounded every time would never finish.
     */
    private long readBound(boolean block) {
        if (timeoutsInPlace >= TIMEOUTS_BEFORE_FULL) {
            return 0;
        }
        return (block ? settings.block().toMillis() : 0) + ReadTimeouts.READ_MARGIN.toMillis();
    }

    private static final int TIMEOUTS_BEFORE_FULL = 2;

    /**
     * XREADGROUP inside the lease's script: it reads only while Redis still holds the lease for this
     * token, so an owner that lost its lease (paused, cut off) cannot take new entries into its
     * pending list after another instance took over. Sent by its SHA (EVALSHA), not its text, on
     * every read; a Redis that does not know it (a restart, a failover to a replica that never ran
     * it, SCRIPT FLUSH) answers NOSCRIPT, and the text is sent once with EVAL, which caches it again.
     * A user whose ACL lacks {@code +evalsha} (made from an earlier version's rules) reads by EVAL.
     */
    private NewEntriesOutput fencedXreadgroup(
            RedisClusterCommands<byte[], byte[]> redis, NewEntriesOutput output, int count, String from, long token) {
        NewEntriesOutput byText = output;
        if (!evalshaRefused) {
            try {
                redis.dispatch(CommandType.EVALSHA, output, fencedReadArgs(FENCED_READ_SHA, count, from, token));
                return output;
            } catch (RedisCommandExecutionException e) {
                String message = String.valueOf(e.getMessage());
                if (message.startsWith("NOPERM") && message.contains("evalsha")) {
                    // A Redis user made from the rules of an earlier version: reading goes on.
                    evalshaRefused = true;
                    LOG.warn(
                            "reader {}: the Redis user may not run EVALSHA; the fenced read sends its script's text "
                                    + "on every read instead: add +evalsha to the user (README, \"Redis: least privilege (ACL)\")",
                            sub.name());
                } else if (!message.startsWith("NOSCRIPT")) {
                    throw e;
                } else {
                    LOG.debug("reader {}: the fenced read's script is not cached in Redis: sending it", sub.name());
                }
                byText = output.again();
            }
        }
        redis.dispatch(CommandType.EVAL, byText, fencedReadArgs(LeaseScripts.FENCED_READ, count, from, token));
        return byText;
    }

    /** The fenced read's arguments after its script (its text, or its SHA). */
    private CommandArgs<byte[], byte[]> fencedReadArgs(String script, int count, String from, long token) {
        return new CommandArgs<>(ByteArrayCodec.INSTANCE)
                .add(script)
                .add(2)
                .addKey(stream)
                .addKey(Bytes.utf8(gate.leaseKey()))
                .add(gate.owner())
                .add(Long.toString(token))
                .add(consumer.getGroup())
                .add(consumer.getName())
                .add(count)
                .add(from);
    }

    /**
     * Reads of pending entries do not say how often an entry was delivered; XPENDING does.
     *
     * @param onTheirWay entries held here or acknowledged here and not yet confirmed, taken before
     *     the read: they are not handed over again
     */
    private List<StreamEntry> withDeliveries(
            RedisClusterCommands<byte[], byte[]> redis, List<StreamEntry> read, Set<String> onTheirWay) {
        Map<String, Integer> deliveries = new HashMap<>();
        List<PendingMessage> pending = redis.xpending(
                stream,
                consumer,
                Range.create(read.get(0).id(), read.get(read.size() - 1).id()),
                Limit.from(read.size()));
        for (PendingMessage p : pending) {
            deliveries.put(p.getId(), (int) Math.min(Integer.MAX_VALUE, p.getRedeliveryCount()));
        }
        // Fewer than asked: the list is whole, so an entry read but not in it is no longer pending
        // here (acknowledged since, e.g. an XACK that waited behind a paused Redis, or claimed by
        // another consumer): handling it again would only be a duplicate.
        boolean whole = pending.size() < read.size();
        List<StreamEntry> entries = new ArrayList<>(read.size());
        for (StreamEntry e : read) {
            if (whole && !deliveries.containsKey(e.id()) || onTheirWay.contains(e.id())) {
                continue;
            }
            // Waits for its retry, which the retry poller brings back when due; it is handed over all
            // the same, in id order, so that it holds its subject's lane: the later events of the
            // subject, pending here too, must not go ahead of that retry.
            StreamEntry.Origin origin =
                    retryStore.isScheduled(redis, sub, e.id()) ? StreamEntry.Origin.AWAITING_RETRY : e.origin();
            entries.add(new StreamEntry(e.stream(), e.id(), e.fields(), deliveries.getOrDefault(e.id(), 1), origin));
        }
        return entries;
    }

    /** Logs a failure when it is worth a line, and re-creates a missing group when configured to. */
    /** @return whether the reader may read again at once (it re-created its missing group) */
    private boolean handleTrouble(Throwable t, String what, Duration backoff, boolean timedOut, boolean log) {
        if (t instanceof RedisCommandExecutionException e
                && String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
            if (!settings.recreateMissingGroup()) {
                if (log) {
                    LOG.error(
                            "reader {}: consumer group '{}' on stream '{}' is missing (group destroyed or stream "
                                    + "deleted); consumer.missing-group = wait: re-create it (XGROUP CREATE {} {} <id> "
                                    + "MKSTREAM); next check in {}",
                            sub.name(),
                            sub.group(),
                            sub.stream(),
                            sub.stream(),
                            sub.group(),
                            retryIn(backoff, timedOut));
                }
                return false;
            }
            LOG.error(
                    "reader {}: consumer group '{}' on stream '{}' is missing (group destroyed or stream deleted);"
                            + " re-creating it from the start of the stream (entries may be delivered again, none skipped)",
                    sub.name(),
                    sub.group(),
                    sub.stream());
            try {
                GroupBootstrap.ensure(connection.sync(), sub.stream(), sub.group(), "0");
                historyCursor = null;
                return true; // re-created: nothing to wait for (a back-off grown meanwhile held it seconds)
            } catch (RuntimeException again) {
                LOG.warn(
                        "reader {}: cannot re-create group: {}; next try in {}",
                        sub.name(),
                        Errors.describe(again, connection.reconnect()),
                        retryIn(backoff, timedOut));
            }
            return false;
        }
        if (log) {
            LOG.warn(
                    "reader {}: {}; failed {} time(s) in a row, retrying in {}",
                    sub.name(),
                    what,
                    streak.failures(),
                    retryIn(backoff, timedOut));
        }
        return false;
    }

    /**
     * Waits out the back-off, or less: a failover or a moved slot changes the client's view, and
     * the read may work at once on the new primary. A connection made ends it at most once per
     * {@link FailureStreak#CHANGE_SPACING}: the connections an outage makes (Lettuce's refreshes
     * connect to every node) would otherwise retry every few milliseconds; a new topology always.
     * After a read that timed out on a cluster or Sentinel, only a new topology (a failover followed): the
     * reader waits for the topology it asked for (the node may be frozen, its replica promoted),
     * asking again every {@link #ASK_AGAIN}. The wait looks at {@link #stop()} every {@link
     * #STOP_CHECK}: a shutdown during an outage does not wait it out.
     */
    private void pause(Duration backoff, long seen, long seenTopologies, boolean timedOut) {
        try {
            boolean changed = false;
            long begin = System.nanoTime();
            long deadline = begin + backoff.toNanos();
            long nextAsk = begin + ASK_AGAIN.toNanos();
            // In slices, each looking at stop() (a shutdown does not wait out a back-off) and at
            // whether a connection made may end the wait by now (FailureStreak.CHANGE_SPACING).
            for (long now = begin; !stopping && !changed && now < deadline; now = System.nanoTime()) {
                Duration slice = Duration.ofNanos(Math.min(deadline - now, STOP_CHECK.toNanos()));
                changed = !timedOut && streak.changeMayCut()
                        ? changes.awaitChange(seen, slice)
                        : changes.awaitNewTopology(seenTopologies, slice);
                if (timedOut && !changed && System.nanoTime() - nextAsk >= 0) {
                    // The refresh asked at the timeout may have come before the cluster promoted a replica.
                    changes.commandTimedOut();
                    nextAsk += ASK_AGAIN.toNanos();
                }
            }
            if (changed && changes.topologies() != seenTopologies) {
                streak.triedOnNewTopology();
                LOG.debug("reader {}: a new topology: trying again now", sub.name());
            } else if (changed) {
                streak.triedOnChange();
                LOG.debug("reader {}: the client's view of Redis changed: trying again now", sub.name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /** While a reader waits after a timed-out read, how often it asks for the topology (or the sentinels) again. */
    private static final Duration ASK_AGAIN = Duration.ofSeconds(1);

    /**
     * After a read timed out, how long the reader waits for a new topology before it reads again:
     * the refresh it asked for ({@link TopologyChanges#commandTimedOut}) takes up to {@link
     * ClusterConnectionOpener#TOPOLOGY_TIMEOUT} when a node is frozen, and a read sent before it
     * names the promoted replica would go to the frozen node again and wait out its whole timeout.
     * Connections made (that refresh's own) do not end this wait. On one node it is the most a
     * reader waits after a read that timed out: such a read waited already, and a back-off grown
     * through a long freeze would hold the reader for up to 30 s after the node answers again.
     */
    static final Duration AFTER_TIMEOUT = ClusterConnectionOpener.TOPOLOGY_TIMEOUT.plusSeconds(1);

    /** How often a wait no connection made may cut short looks at {@link #stop()}. */
    private static final Duration STOP_CHECK = Duration.ofMillis(100);

    /** The wait before the next try, as the log states it: whether a change may cut it short too. */
    private String retryIn(Duration backoff, boolean timedOut) {
        return backoff.toMillis() + " ms"
                + (!timedOut
                        ? " (sooner if the client's view of Redis changes)"
                        : connection.isCluster()
                                ? " (sooner on a new cluster topology)"
                                : " (sooner once the connections follow a failover)");
    }
}
