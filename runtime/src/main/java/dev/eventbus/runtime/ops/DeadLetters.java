package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.consumer.MissingPermission;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.stream.KeyLayout;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A handler's dead letters, for operators: list, show, redrive, discard. On one node they are one
 * stream; on a Redis Cluster one stream per hash tag of its source streams ({@link KeyLayout}),
 * and the one-node stream a deployment moved from one node brought along, shown here as one list,
 * merged by id.
 *
 * <p><b>Redrive</b> appends each selected dead letter's original fields to the stream it came from,
 * with {@code eventbus-target-handler = <handler>} (so only that handler's group handles it; every
 * other handler of the stream skips it) and {@code eventbus-redrive-of = <dead-letter id>}, then
 * deletes the dead letter, both in one atomic step ({@link AtomicRedrive}). An event without {@code id} gets its
 * original entry id as {@code id}, so the handler sees the same event id again. Dead letters that
 * fail again during a redrive land after the range read at its start, so a run never loops. A dead
 * letter that may not hold all of its entry's fields ({@link DeadLetterEntry#incompleteBecause}:
 * every {@code too-large} one) is left in place, as is a loss record: its copy would reach the
 * handler without its payload, and the only record of that would be gone.
 *
 * <p>Talks to Redis directly: a runtime need not be running. Not thread-safe.
 */
public final class DeadLetters {

    private static final int BATCH = 200;

    private final FailFastRedis redis;
    private final String prefix;
    private final KeyLayout keys;

    /** @param prefix {@code eventbus.consumer.dead-letter-prefix} */
    public DeadLetters(FailFastRedis redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
        this.keys = redis.keys(prefix);
    }

    /**
     * The dead-letter stream of a handler, or on a cluster the pattern of its streams and, when it
     * exists, the one-node stream read with them ({@link #streamNames}), for messages.
     */
    public String streamOf(String handler) {
        return String.join(" and ", streamNames(handler));
    }

    /**
     * The names of a handler's dead-letter streams, as messages give them: its stream, or on a
     * cluster the pattern of its streams, then {@code the one-node <prefix><handler>} when a move
     * from one node left dead letters there ({@link KeyLayout#oneNodeDeadLetters}): read with the
     * others, it is named so that an operator knows where they came from.
     */
    public List<String> streamNames(String handler) {
        String pattern = keys.deadLetterStreamsOf(handler);
        String oneNode = keys.oneNodeDeadLetters(handler);
        // Found by the SCAN that finds the others (its TYPE filter needs no permission of its own:
        // the operator's user may not run TYPE).
        if (oneNode == null || !streamsOf(handler).contains(oneNode)) {
            return List.of(pattern);
        }
        return List.of(pattern, "the one-node " + oneNode);
    }

    private List<String> streamsOf(String handler) {
        return keys.deadLetterStreams(handler, redis::streams);
    }

    /** Dead letters matching the filter, oldest first, at most {@code limit} (0 = no limit). */
    public List<DeadLetterEntry> list(String handler, DeadLetterFilter filter, long limit) {
        List<DeadLetterEntry> result = new ArrayList<>();
        try {
            scan(handler, filter, limit, (key, e) -> result.add(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return result;
    }

    /**
     * The dead letters with this id: one on a single node; on a cluster each dead-letter stream's
     * primary makes its own ids, so the dead letters of different source streams may share one.
     */
    public List<DeadLetterEntry> show(String handler, String id) {
        List<DeadLetterEntry> all = new ArrayList<>();
        for (String stream : streamsOf(handler)) {
            for (StreamMessage<byte[], byte[]> m : bytes().xrange(utf8(stream), Range.create(id, id))) {
                all.add(entry(m));
            }
        }
        return all;
    }

    /**
     * What a redrive or discard did.
     *
     * @param stoppedBy why the command stopped before its end, as a failure (a dead letter whose
     *     step Redis refused; a dead letter redriven whose delete failed, counted in {@code done};
     *     a read or delete between steps that failed, what was done before it counted), or null
     * @param interruptedBy the signal that stopped it between two dead letters ({@code SIGINT}), or
     *     null when it went through
     * @param stopSummary what the summary line adds when a failure stopped it ({@code stoppedBy}):
     *     where, and what became of the dead letter it stopped at, which {@code matched} counts and
     *     {@code done} only when its copy is known to be appended; "" when no failure stopped it
     * @param incomplete of the {@code skipped}, the dead letters left in place because they may not
     *     hold all of their entry's fields ({@link DeadLetterEntry#incompleteBecause}); 0 for a discard
     */
    public record Outcome(
            long matched,
            long done,
            long skipped,
            long incomplete,
            List<String> problems,
            String stoppedBy,
            String interruptedBy,
            String stopSummary) {}

    /**
     * Puts matching dead letters back on their source streams for this handler only, each in one
     * atomic step ({@link AtomicRedrive}).
     *
     * @param perSecond at most this many per second (0 = unlimited)
     * @param dryRun count and check, change nothing
     * @param stop asked before each dead letter: once it says stop, the redrive ends there
     */
    public Outcome redrive(
            String handler,
            DeadLetterFilter filter,
            long limit,
            double perSecond,
            boolean dryRun,
            Progress progress,
            StopRequest stop)
            throws InterruptedException {
        List<String> problems = new ArrayList<>();
        Map<String, Boolean> groupExists = new HashMap<>();
        StatusReader status = new StatusReader(redis, prefix, Clock.systemUTC());
        Pacer pacer = new Pacer(perSecond);
        AtomicRedrive step = new AtomicRedrive(redis);
        long[] counts = new long[4]; // matched, done, skipped, of those incomplete
        String[] current = new String[1]; // the dead letter being redriven
        String stoppedBy = null;
        String stopSummary = "";
        try {
            scan(handler, filter, limit, (key, e) -> {
                if (stop.stoppedBy() != null) {
                    throw new Interrupted();
                }
                counts[0]++;
                current[0] = e.id();
                String problem = problemWith(handler, e, groupExists, status);
                if (problem == null && !dryRun) {
                    if (!pacer.acquire(stop)) {
                        counts[0]--; // not looked at after all: the next run takes it
                        throw new Interrupted();
                    }
                    problem = redriveOne(step, key, handler, e);
                }
                if (problem != null) {
                    counts[2]++;
                    if (e.incompleteBecause() != null) {
                        counts[3]++;
                    }
                    if (problems.size() < 20) {
                        problems.add(e.id() + ": " + problem + ", left in place");
                    }
                } else {
                    counts[1]++;
                }
                progress.update(counts[1], counts[2]);
            });
        } catch (AtomicRedrive.HalfRedriven e) {
            if (e.appended()) {
                counts[1]++; // its copy is on the stream: redriven, and audited as such
                stopSummary = stoppedAt(
                        current[0], "it was redriven but is still listed: discard it, do not redrive it " + "again");
            } else {
                stopSummary = ", 1 maybe redriven"
                        + stoppedAt(
                                current[0], "its copy may have been appended: check before " + "redriving it again");
            }
            stoppedBy = e.getMessage();
        } catch (StepRefused e) {
            stopSummary = untouched(counts, current[0]);
            stoppedBy = e.getMessage();
        } catch (RedisException | OpsException e) {
            // A read between two steps (the next page, a source stream's groups) failed: the dead
            // letters redriven so far must still be summed up and audited.
            stopSummary = untouched(counts, current[0]);
            stoppedBy = failedBetweenSteps("redrive", e);
        } catch (Interrupted e) {
            // between two dead letters: what was done is said below
        }
        return new Outcome(
                counts[0], counts[1], counts[2], counts[3], problems, stoppedBy, stop.stoppedBy(), stopSummary);
    }

    /**
     * What a redrive's summary line says when a failure that changed nothing stopped it: at a dead
     * letter matched and neither redriven nor left in place (its step refused, or a read for it
     * failed), that one, or the summary did not add up while it was still listed (found from
     * outside: "1 matched, 0 redriven, 0 left in place"); else that it stopped between two.
     */
    private static String untouched(long[] counts, String id) {
        return counts[0] > counts[1] + counts[2]
                ? ", 1 not redriven" + stoppedAt(id, "nothing of it changed; it and " + NOT_REACHED)
                : "; stopped by a failure between two dead letters (each one done whole; " + NOT_REACHED + ")";
    }

    /** What a redrive's summary line says of the dead letter a failure stopped it at. */
    private static String stoppedAt(String id, String what) {
        return "; stopped at dead letter " + id + " by a failure (" + what + ")";
    }

    private static final String NOT_REACHED =
            "the dead letters not reached are untouched: the same command again goes on";

    /** Why a redrive or discard stopped when Redis failed a command outside a dead letter's step. */
    private static String failedBetweenSteps(String change, RuntimeException e) {
        return change + " stopped: " + (e instanceof OpsException ? e.getMessage() : Errors.describe(e))
                + "; the dead letters not reached are untouched: the same command again goes on";
    }

    /** The change stopped between two entries because its {@link StopRequest} said so. */
    private static final class Interrupted extends RuntimeException {
        Interrupted() {
            super(null, null, false, false);
        }
    }

    /** Redis refused (or did not answer) a dead letter's redrive step, which is atomic: nothing half done. */
    private static final class StepRefused extends RuntimeException {
        StepRefused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Redrives one dead letter; why it was left alone, or null when it went. */
    private static String redriveOne(AtomicRedrive step, byte[] key, String handler, DeadLetterEntry e) {
        String copy;
        try {
            copy = step.redrive(key, handler, e, AtomicRedrive.copyOf(handler, e));
        } catch (AtomicRedrive.HalfRedriven half) {
            throw half;
        } catch (RedisException failed) {
            String why = MissingPermission.describe(failed);
            throw new StepRefused(
                    "redriving dead letter " + e.id() + " failed (" + (why != null ? why : Errors.describe(failed))
                            + "); each dead letter is redriven in one atomic step, so it is either still listed or "
                            + "redriven, never both: the same command again goes on where this one stopped",
                    failed);
        }
        return copy == null
                ? "no longer in '" + new String(key, StandardCharsets.UTF_8)
                        + "' (redriven or discarded by another command meanwhile), nothing appended"
                : null;
    }

    private String problemWith(
            String handler, DeadLetterEntry e, Map<String, Boolean> groupExists, StatusReader status) {
        String source = e.sourceStream();
        if (source == null || source.isBlank()) {
            return "no eventbus-source-stream";
        }
        String incomplete = e.incompleteBecause();
        if (incomplete != null) {
            return incomplete + "; never redriven (the handler would get the event without what is missing, and "
                    + "this record of it would be deleted): publish the event again from its source, then discard "
                    + "this dead letter";
        }
        if (e.originalFields().isEmpty()) {
            return "no original fields (the loss record of an entry trimmed before it was handled)";
        }
        if (!groupExists.computeIfAbsent(source, s -> status.of(handler, s).isPresent())) {
            return "handler '" + handler + "' has no consumer group on stream '" + source + "'";
        }
        return null;
    }

    /**
     * Deletes matching dead letters: each XDEL (of up to {@value #BATCH}) is one step. Asked to stop,
     * it deletes the ones it gathered so far and ends there.
     */
    public Outcome discard(
            String handler, DeadLetterFilter filter, long limit, boolean dryRun, Progress progress, StopRequest stop)
            throws InterruptedException {
        long[] counts = new long[2];
        Map<String, List<String>> batches = new LinkedHashMap<>(); // ids by dead-letter stream
        String stoppedBy = null;
        try {
            scan(handler, filter, limit, (key, e) -> {
                if (stop.stoppedBy() != null) {
                    throw new Interrupted();
                }
                counts[0]++;
                if (!dryRun) {
                    List<String> batch =
                            batches.computeIfAbsent(new String(key, StandardCharsets.UTF_8), k -> new ArrayList<>());
                    batch.add(e.id());
                    if (batch.size() >= BATCH) {
                        counts[1] += bytes().xdel(key, batch.toArray(String[]::new));
                        batch.clear();
                    }
                } else {
                    counts[1]++;
                }
                progress.update(counts[1], 0); // deleted ones only: a gathered one may yet be refused
            });
        } catch (Interrupted e) {
            // the ones gathered so far go below, as at the end
        } catch (RedisException | OpsException e) {
            // A read or an XDEL failed: the batches deleted so far must still be summed up and
            // audited; the ones gathered are tried below, as at the end.
            stoppedBy = failedBetweenSteps("discard", e);
        }
        try {
            for (Map.Entry<String, List<String>> batch : batches.entrySet()) {
                if (!batch.getValue().isEmpty()) {
                    counts[1] +=
                            bytes().xdel(utf8(batch.getKey()), batch.getValue().toArray(String[]::new));
                }
            }
        } catch (RedisException e) {
            stoppedBy = stoppedBy != null ? stoppedBy : failedBetweenSteps("discard", e);
        }
        progress.update(counts[1], 0);
        return new Outcome(counts[0], counts[1], 0, 0, List.of(), stoppedBy, stop.stoppedBy(), "");
    }

    /**
     * Reads the range the filter selects in each of the handler's dead-letter streams, and passes
     * each match on, oldest id first (at most {@code limit}, 0 = all). With one stream the matches go
     * on as they are read; with several (a cluster) they are gathered and merged by id first.
     */
    private void scan(String handler, DeadLetterFilter filter, long limit, EntryAction action)
            throws InterruptedException {
        List<String> streams = streamsOf(handler);
        if (streams.size() == 1) {
            byte[] key = utf8(streams.get(0));
            scan(key, filter, limit, e -> action.accept(key, e));
            return;
        }
        record Found(byte[] key, DeadLetterEntry entry) {}
        List<Found> found = new ArrayList<>();
        for (String stream : streams) {
            byte[] key = utf8(stream);
            scan(key, filter, limit, e -> found.add(new Found(key, e)));
        }
        found.sort((a, b) -> compare(a.entry().id(), b.entry().id()));
        long n = 0;
        for (Found f : found) {
            if (limit > 0 && n++ >= limit) {
                return;
            }
            action.accept(f.key(), f.entry());
        }
    }

    /**
     * Reads the range the filter selects in one stream, in batches, up to the last entry present when
     * the scan began, and passes each match on (at most {@code limit}, 0 = all).
     */
    private void scan(byte[] key, DeadLetterFilter filter, long limit, MatchAction action) throws InterruptedException {
        String end = filter.endId();
        List<StreamMessage<byte[], byte[]>> last = bytes().xrevrange(key, Range.create("-", "+"), Limit.from(1));
        if (last.isEmpty()) {
            return;
        }
        String lastId = last.get(0).getId();
        if (end.equals("+") || compare(end, lastId) > 0) {
            end = lastId;
        }
        Range.Boundary<String> lower =
                filter.startId().equals("-") ? Range.Boundary.unbounded() : Range.Boundary.including(filter.startId());
        long matched = 0;
        while (true) {
            List<StreamMessage<byte[], byte[]>> page =
                    bytes().xrange(key, Range.from(lower, Range.Boundary.including(end)), Limit.from(BATCH));
            for (StreamMessage<byte[], byte[]> m : page) {
                DeadLetterEntry e = entry(m);
                if (filter.matches(e)) {
                    action.accept(e);
                    matched++;
                    if (limit > 0 && matched >= limit) {
                        return;
                    }
                }
            }
            if (page.size() < BATCH) {
                return;
            }
            lower = Range.Boundary.excluding(page.get(page.size() - 1).getId());
        }
    }

    /** Compares two full or partial entry ids numerically. */
    static int compare(String a, String b) {
        long[] x = parts(a);
        long[] y = parts(b);
        int c = Long.compareUnsigned(x[0], y[0]);
        return c != 0 ? c : Long.compareUnsigned(x[1], y[1]);
    }

    private static long[] parts(String id) {
        int dash = id.indexOf('-');
        return dash < 0
                ? new long[] {Long.parseUnsignedLong(id), 0}
                : new long[] {
                    Long.parseUnsignedLong(id.substring(0, dash)), Long.parseUnsignedLong(id.substring(dash + 1))
                };
    }

    @FunctionalInterface
    private interface EntryAction {
        void accept(byte[] deadLetterStream, DeadLetterEntry entry) throws InterruptedException;
    }

    @FunctionalInterface
    private interface MatchAction {
        void accept(DeadLetterEntry entry) throws InterruptedException;
    }

    static DeadLetterEntry entry(StreamMessage<byte[], byte[]> m) {
        List<Field> fields = new ArrayList<>();
        m.getBody().forEach((k, v) -> fields.add(new Field(k, v)));
        return new DeadLetterEntry(m.getId(), fields);
    }

    private RedisClusterCommands<byte[], byte[]> bytes() {
        return redis.bytes();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
