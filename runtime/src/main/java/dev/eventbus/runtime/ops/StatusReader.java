package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.internal.EntryIds;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.ReconnectReason;
import dev.eventbus.runtime.stream.KeyLayout;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.models.stream.PendingMessages;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Reads the state of subscriptions from Redis alone: every consumer group on every stream is a
 * handler's subscription (the runtime names groups after handlers). Used by {@code eventbus status}
 * and by the metrics poller. Read-only.
 */
public final class StatusReader {

    /** On Redis 7.2+, a group whose consumers have not tried to read for this long is stalled. */
    static final long ACTIVE_WITHIN_MILLIS = 60_000;

    private final FailFastRedis ops;
    private final String deadLetterPrefix;
    private final KeyLayout keys;
    private final Clock clock;
    private final LiveInstances live;

    /** A reader that counts no consumer as a ghost. */
    /** Why the client it reads through fails to reconnect, for the words of a failed read. */
    public ReconnectReason reconnectReason() {
        return ops.reconnectReason();
    }

    public StatusReader(FailFastRedis ops, String deadLetterPrefix, Clock clock) {
        this(ops, deadLetterPrefix, clock, LiveInstances.EVERY_CONSUMER);
    }

    /**
     * @param ops connected on first use, so a reader can be made while Redis is still away
     * @param live which consumers belong to a live instance; the others are counted as ghosts
     */
    public StatusReader(FailFastRedis ops, String deadLetterPrefix, Clock clock, LiveInstances live) {
        this.live = live;
        this.ops = ops;
        this.deadLetterPrefix = deadLetterPrefix;
        this.keys = ops.keys(deadLetterPrefix);
        this.clock = clock;
    }

    /** Every stream (dead-letter streams aside), sorted. */
    public List<String> streams() {
        TreeSet<String> streams = new TreeSet<>();
        for (String key : ops.streams(null)) {
            if (!key.startsWith(deadLetterPrefix)) {
                streams.add(key);
            }
        }
        return List.copyOf(streams);
    }

    /** Every subscription on every stream, by handler then stream; {@code handler} filters when not null. */
    public List<SubscriptionStatus> all(String handler) {
        List<SubscriptionStatus> result = new ArrayList<>();
        // A handler's dead letters once per handler, not per row: on a cluster each count SCANs every primary.
        Map<String, Long> deadLettersByHandler = new HashMap<>();
        for (String stream : streams()) {
            for (Map<String, Object> group : groups(stream)) {
                String name = String.valueOf(group.get("name"));
                if (handler == null || handler.equals(name)) {
                    result.add(
                            status(name, stream, group, deadLettersByHandler.computeIfAbsent(name, this::deadLetters)));
                }
            }
        }
        result.sort(Comparator.comparing(SubscriptionStatus::handler).thenComparing(SubscriptionStatus::stream));
        return result;
    }

    /** One subscription, or empty when its group does not exist (yet). */
    public Optional<SubscriptionStatus> of(String handler, String stream) {
        for (Map<String, Object> group : groups(stream)) {
            if (handler.equals(String.valueOf(group.get("name")))) {
                return Optional.of(status(handler, stream, group, deadLetters(handler)));
            }
        }
        return Optional.empty();
    }

    /** The streams on which a handler has a consumer group. */
    public List<String> streamsOf(String handler) {
        List<String> streams = new ArrayList<>();
        for (String stream : streams()) {
            if (groups(stream).stream().anyMatch(g -> handler.equals(String.valueOf(g.get("name"))))) {
                streams.add(stream);
            }
        }
        return streams;
    }

    /** Dead letters of a handler, in all its dead-letter streams (0 when it has none). */
    public long deadLetters(String handler) {
        long n = 0;
        for (String stream : keys.deadLetterStreams(handler, ops::streams)) {
            n += redis().xlen(stream);
        }
        return n;
    }

    private RedisClusterCommands<String, String> redis() {
        return ops.text();
    }

    /** @param deadLetters the handler's dead letters, in all its dead-letter streams */
    private SubscriptionStatus status(String handler, String stream, Map<String, Object> group, long deadLetters) {
        long allConsumers = number(group.get("consumers"), 0);
        long ghosts = 0;
        long pending = number(group.get("pending"), 0);
        long lag = caughtUp(stream, group, number(group.get("lag"), -1));
        long oldest = -1;
        if (pending > 0) {
            PendingMessages summary = redis().xpending(stream, handler);
            if (summary.getCount() > 0 && summary.getMessageIds().getLower().getValue() != null) {
                long at = EntryIds.millis(summary.getMessageIds().getLower().getValue());
                oldest = at > 0 ? Math.max(0, clock.millis() - at) : -1;
            }
        }
        long idle = -1;
        boolean attemptsKnown = false; // Redis 7.2+: idle counts read attempts, not only deliveries
        if (allConsumers > 0) {
            LiveInstances live = this.live.now();
            for (Object c : redis().xinfoConsumers(stream, handler)) {
                Map<String, Object> consumer = fields(c);
                attemptsKnown |= consumer.containsKey("inactive");
                long consumerIdle = number(consumer.get("idle"), -1);
                if (!live.isLive(String.valueOf(consumer.get("name")), consumerIdle)) {
                    ghosts++;
                }
                if (consumerIdle >= 0 && (idle < 0 || consumerIdle < idle)) {
                    idle = consumerIdle;
                }
            }
        }
        String retryDue = keys.retryDue(handler, stream);
        long retries = redis().zcard(retryDue);
        long notDue = retries == 0
                ? 0
                : redis().zcount(
                                retryDue,
                                Range.from(Range.Boundary.excluding(clock.millis()), Range.Boundary.unbounded()));
        long consumers = allConsumers - ghosts;
        // One XLEN, no SCAN: the row's own share of the dead letters wherever the layout gives it one.
        String deadLetterStream = keys.deadLetters(handler, stream);
        long streamDeadLetters = redis().xlen(deadLetterStream);
        String state;
        if (consumers == 0) {
            state = "no-consumers";
        } else if (attemptsKnown && idle > ACTIVE_WITHIN_MILLIS) {
            state = "stalled";
        } else if (retries > 0) {
            state = "retrying";
        } else if (lag > 0 || lag < 0 && pending > 0) {
            state = "behind";
        } else {
            state = "ok";
        }
        return new SubscriptionStatus(
                handler,
                stream,
                consumers,
                ghosts,
                pending,
                lag,
                oldest,
                String.valueOf(group.get("last-delivered-id")),
                retries,
                notDue,
                deadLetters,
                deadLetterStream,
                streamDeadLetters,
                idle,
                state);
    }

    /**
     * Redis's {@code lag} of the group, or 0 when no entry comes after the group's last-delivered
     * id: after a failover the promoted replica's {@code entries-read} counter can trail the
     * stream's own count, and the lag then read high (and the row {@code behind}) for a group that
     * had read everything. Asked (one XRANGE, which the runtime's and the operator's ACL rules
     * grant) only when the lag says the group is behind.
     */
    private long caughtUp(String stream, Map<String, Object> group, long lag) {
        Object delivered = group.get("last-delivered-id");
        if (lag <= 0 || delivered == null) {
            return lag;
        }
        List<StreamMessage<String, String>> after = redis().xrange(
                        stream,
                        Range.from(Range.Boundary.excluding(String.valueOf(delivered)), Range.Boundary.unbounded()),
                        Limit.from(1));
        return after.isEmpty() ? 0 : lag;
    }

    private List<Map<String, Object>> groups(String stream) {
        List<Object> raw;
        try {
            raw = redis().xinfoGroups(stream);
        } catch (RedisCommandExecutionException e) {
            if (Errors.isPermissionDenied(e)) {
                throw new OpsException(
                        "XINFO GROUPS of stream '" + stream + "': " + Errors.describe(e, ops.reconnectReason()), e);
            }
            return List.of(); // no such key, or not a stream
        }
        List<Map<String, Object>> groups = new ArrayList<>();
        for (Object g : raw) {
            groups.add(fields(g));
        }
        return groups;
    }

    private static Map<String, Object> fields(Object reply) {
        Map<String, Object> m = new HashMap<>();
        if (reply instanceof List<?> kv) {
            for (int i = 0; i + 1 < kv.size(); i += 2) {
                m.put(String.valueOf(kv.get(i)), kv.get(i + 1));
            }
        }
        return m;
    }

    private static long number(Object value, long otherwise) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        if (value instanceof String s) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                return otherwise;
            }
        }
        return otherwise;
    }
}
