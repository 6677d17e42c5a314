package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.stream.WireFields;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Re-processes a range of a stream for one handler: each entry of the range is appended again to
 * the same stream with {@code eventbus-target-handler = <handler>} (every other handler of the
 * stream skips it) and {@code eventbus-replay = <original entry id>} ({@code Event.isReplay()} is
 * true for the handler). An event without {@code id} gets its original entry id as {@code id}.
 *
 * <p>Left out of a replay: copies made by earlier replays (they would double the event) and
 * entries targeted at another handler (this handler never had them). The range ends at the last
 * entry present when the replay starts, so the copies it appends are never replayed again.
 *
 * <p>Talks to Redis directly: a runtime need not be running. Not thread-safe.
 */
public final class Replayer {

    private static final int BATCH = 500;

    private final FailFastRedis redis;
    private final StatusReader status;

    public Replayer(FailFastRedis redis, StatusReader status) {
        this.redis = redis;
        this.status = status;
    }

    /**
     * What a replay did.
     *
     * @param interruptedBy the signal that stopped it between two entries ({@code SIGINT}), or null
     *     when it went through
     */
    public record Outcome(
            String stream,
            String firstId,
            String lastId,
            long read,
            long replayed,
            long skipped,
            String interruptedBy) {}

    /**
     * @param fromId first entry id of the range (inclusive)
     * @param toId last entry id of the range (inclusive), or {@code +}
     * @param limit at most this many copies (0 = all)
     * @param perSecond at most this many copies per second (0 = unlimited)
     * @param dryRun count, append nothing
     * @param stop asked before each entry: once it says stop, the replay ends there (each copy is
     *     one XADD: a stop never leaves half of one)
     * @throws OpsException when the handler has no consumer group on the stream
     */
    public Outcome replay(
            String handler,
            String stream,
            String fromId,
            String toId,
            long limit,
            double perSecond,
            boolean dryRun,
            Progress progress,
            StopRequest stop)
            throws InterruptedException {
        if (status.of(handler, stream).isEmpty()) {
            throw new OpsException("handler '" + handler + "' has no consumer group on stream '" + stream
                    + "' (groups are named after handlers): check the names with `eventbus status`");
        }
        RedisClusterCommands<byte[], byte[]> r = redis.bytes();
        byte[] key = DeadLetters.utf8(stream);
        String end = endOf(stream, toId);
        if (end == null) {
            return new Outcome(stream, null, null, 0, 0, 0, null);
        }
        Pacer pacer = new Pacer(perSecond);
        Range.Boundary<String> lower =
                fromId.equals("-") ? Range.Boundary.unbounded() : Range.Boundary.including(fromId);
        long read = 0;
        long replayed = 0;
        long skipped = 0;
        String first = null;
        String lastReplayed = null;
        while (true) {
            List<StreamMessage<byte[], byte[]>> page =
                    r.xrange(key, Range.from(lower, Range.Boundary.including(end)), Limit.from(BATCH));
            for (StreamMessage<byte[], byte[]> m : page) {
                if (stop.stoppedBy() != null) {
                    return new Outcome(stream, first, lastReplayed, read, replayed, skipped, stop.stoppedBy());
                }
                read++;
                Map<byte[], byte[]> copy = copyFor(handler, m);
                if (copy == null) {
                    skipped++;
                } else {
                    if (!dryRun) {
                        if (!pacer.acquire(stop)) {
                            return new Outcome(
                                    stream, first, lastReplayed, read - 1, replayed, skipped, stop.stoppedBy());
                        }
                        r.xadd(key, copy);
                    }
                    replayed++;
                    first = first == null ? m.getId() : first;
                    lastReplayed = m.getId();
                }
                progress.update(replayed, skipped);
                if (limit > 0 && replayed >= limit) {
                    return new Outcome(stream, first, lastReplayed, read, replayed, skipped, null);
                }
            }
            if (page.size() < BATCH) {
                return new Outcome(stream, first, lastReplayed, read, replayed, skipped, null);
            }
            lower = Range.Boundary.excluding(page.get(page.size() - 1).getId());
        }
    }

    /**
     * Where a range up to {@code toId} ends on {@code stream} now: {@code toId}, or the stream's last
     * entry when that comes first ({@code +}: always); null when the stream has no entry.
     */
    public String endOf(String stream, String toId) {
        List<StreamMessage<byte[], byte[]>> last =
                redis.bytes().xrevrange(DeadLetters.utf8(stream), Range.create("-", "+"), Limit.from(1));
        if (last.isEmpty()) {
            return null;
        }
        String lastId = last.get(0).getId();
        return toId.equals("+") || DeadLetters.compare(toId, lastId) > 0 ? lastId : toId;
    }

    /** The replay copy of an entry, or {@code null} when it is left out. */
    private static Map<byte[], byte[]> copyFor(String handler, StreamMessage<byte[], byte[]> m) {
        Map<byte[], byte[]> copy = new LinkedHashMap<>();
        boolean hasId = false;
        for (Map.Entry<byte[], byte[]> f : m.getBody().entrySet()) {
            String name = new String(f.getKey(), java.nio.charset.StandardCharsets.UTF_8);
            if (name.equals(WireFields.REPLAY)) {
                return null;
            }
            if (name.equals(WireFields.TARGET_HANDLER) && !handler.equals(Field.utf8(f.getValue()))) {
                return null;
            }
            if (!WireFields.ROUTING.contains(name)) {
                copy.put(f.getKey(), f.getValue());
                hasId |= name.equals(WireFields.ID);
            }
        }
        if (!hasId) {
            copy.put(DeadLetters.utf8(WireFields.ID), DeadLetters.utf8(m.getId()));
        }
        copy.put(DeadLetters.utf8(WireFields.TARGET_HANDLER), DeadLetters.utf8(handler));
        copy.put(DeadLetters.utf8(WireFields.REPLAY), DeadLetters.utf8(m.getId()));
        return copy;
    }
}
