package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.consumer.MissingPermission;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.LuaLimits;
import dev.eventbus.runtime.stream.WireFields;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Redrives one dead letter in one atomic step: a script appends its copy to the source stream and
 * deletes it from the dead-letter stream, and only while it is still there. A redrive killed at
 * any moment ({@code kill -9}, a lost connection) leaves each dead letter either still listed or
 * redriven, never both (redriven again, the event went twice, under a new entry id the receiver
 * cannot tell from a new event) and never neither; two redrives at once, or one run again, append
 * it once.
 *
 * <p>The script needs its two keys in one hash slot on a Redis Cluster. The runtime writes a dead
 * letter to the dead-letter stream of its source stream's hash tag ({@link
 * dev.eventbus.runtime.stream.HashTaggedKeys}), so they always are; on one node (and Sentinel) any
 * two keys are. Only a dead letter whose {@code eventbus-source-stream} names a stream of another
 * slot (written there by hand or by another tool, or kept in the one-node dead-letter stream a
 * deployment moved from one node brought along) cannot be redriven atomically: it is redriven in
 * the order that loses nothing, the copy first and then the delete, and a failure between the two
 * is said as such ({@link HalfRedriven}). So is a dead letter of more fields than a script can pass
 * to one XADD ({@link LuaLimits}: over 3,500).
 *
 * <p>Sent with EVAL (the operator's ACL needs {@code +eval}); Redis caches the script, a few
 * hundred bytes, after the first call. Not thread-safe (as {@link DeadLetters}).
 */
final class AtomicRedrive {

    // KEYS[1] the dead-letter stream, KEYS[2] the source stream; ARGV[1] the dead letter's id, the
    // rest the copy's fields. A script is not rolled back when a command in it fails: the XDEL
    // permission is asked before the XADD (Redis 7; on 6.2 a refused XDEL is reported as a half
    // redrive), and the XADD, the only command that can be refused for memory or type, comes before
    // the only other write.
    private static final String REDRIVE_IF_PRESENT = """
            if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) == 0 then return {0} end
            if redis.acl_check_cmd and not redis.acl_check_cmd('XDEL', KEYS[1], ARGV[1]) then
              return redis.error_reply("NOPERM this user has no permissions to run the 'xdel' command")
            end
            local copy = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
            local deleted = redis.pcall('XDEL', KEYS[1], ARGV[1])
            if type(deleted) == 'table' and deleted.err then return {2, copy, deleted.err} end
            return {1, copy}
            """;

    private final FailFastRedis redis;

    AtomicRedrive(FailFastRedis redis) {
        this.redis = redis;
    }

    /** A redrive whose copy was appended and whose dead letter could not be deleted. */
    static final class HalfRedriven extends RuntimeException {
        private final boolean appended;

        HalfRedriven(String message, Throwable cause) {
            this(message, cause, true);
        }

        /** @param appended whether the copy is known to be on the source stream (else: unknown) */
        HalfRedriven(String message, Throwable cause, boolean appended) {
            super(message, cause);
            this.appended = appended;
        }

        /** Whether the copy is known to be on the source stream: counted as redriven then. */
        boolean appended() {
            return appended;
        }
    }

    /**
     * Appends the copy of dead letter {@code e} of {@code deadLetters} to its source stream and
     * deletes it, at once.
     *
     * @param copy the copy's fields, names and values in turn
     * @return the copy's entry id, or {@code null} when the dead letter was gone already (redriven
     *     or discarded by another command meanwhile): nothing appended then
     * @throws HalfRedriven when the copy went and the dead letter stayed, or (two steps) when it is
     *     unknown whether the copy went
     * @throws RedisException when Redis refused the step: nothing changed (a timeout: either the
     *     whole step or nothing)
     */
    String redrive(byte[] deadLetters, String handler, DeadLetterEntry e, List<byte[]> copy) {
        byte[] source = utf8(e.sourceStream());
        if (!LuaLimits.fitsOneCall(copy.size())
                || redis.clustered() && SlotHash.getSlot(deadLetters) != SlotHash.getSlot(source)) {
            return inTwoSteps(deadLetters, source, handler, e, copy);
        }
        byte[][] args = new byte[1 + copy.size()][];
        args[0] = utf8(e.id());
        for (int i = 0; i < copy.size(); i++) {
            args[i + 1] = copy.get(i);
        }
        List<Object> answer =
                bytes().eval(REDRIVE_IF_PRESENT, ScriptOutputType.MULTI, new byte[][] {deadLetters, source}, args);
        long outcome = (Long) answer.get(0);
        if (outcome == 0) {
            return null;
        }
        String copyId = text(answer.get(1));
        if (outcome == 2) {
            throw halfRedriven(deadLetters, handler, e, copyId, new RedisException(text(answer.get(2))));
        }
        return copyId;
    }

    /** The order that loses nothing, for two keys no script may touch together. */
    private String inTwoSteps(byte[] deadLetters, byte[] source, String handler, DeadLetterEntry e, List<byte[]> copy) {
        if (bytes().xrange(deadLetters, Range.create(e.id(), e.id())).isEmpty()) {
            return null;
        }
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        for (int i = 0; i < copy.size(); i += 2) {
            fields.put(copy.get(i), copy.get(i + 1));
        }
        String copyId;
        try {
            copyId = bytes().xadd(source, fields); // first the copy...
        } catch (RedisException failed) {
            throw appendFailed(deadLetters, handler, e, failed);
        }
        try {
            bytes().xdel(deadLetters, e.id()); // ...then, once it is stored, the dead letter
        } catch (RedisException failed) {
            throw halfRedriven(deadLetters, handler, e, copyId, failed);
        }
        return copyId;
    }

    /**
     * What a failed XADD of a two-step redrive means. An error reply from Redis (a permission,
     * memory, a wrong type) says nothing was appended: the step was refused and the same command
     * again goes on. Any other failure (a timeout, a connection lost with the command sent) leaves
     * it unknown whether the copy went: redriving again could deliver the event twice, so it is a
     * half redrive, to be checked before anything else.
     */
    static RuntimeException appendFailed(byte[] deadLetters, String handler, DeadLetterEntry e, RedisException failed) {
        if (failed instanceof RedisCommandExecutionException) {
            return failed;
        }
        return new HalfRedriven(
                "dead letter " + e.id() + " may have been appended to '" + e.sourceStream() + "' ("
                        + Errors.messageAndRoot(failed) + ": the answer did not come) and is still listed in '"
                        + new String(deadLetters, StandardCharsets.UTF_8) + "'; check the stream before redriving "
                        + "it again (redriving it again would deliver the event twice if it went): an entry with "
                        + WireFields.REDRIVE_OF + " = " + e.id() + " there means it went, then remove it with "
                        + "'eventbus dlq discard --handler " + handler + " " + e.id() + "'",
                failed,
                false);
    }

    // The copy is on its way to the handler already: the same command again would send it twice.
    // Said as it is, with what to do instead.
    private static HalfRedriven halfRedriven(
            byte[] deadLetters, String handler, DeadLetterEntry e, String copyId, RedisException failed) {
        String why = MissingPermission.describe(failed);
        return new HalfRedriven(
                "dead letter " + e.id() + " was redriven to '" + e.sourceStream() + "' as " + copyId
                        + ", but deleting it from '" + new String(deadLetters, StandardCharsets.UTF_8) + "' failed ("
                        + (why != null ? why : Errors.messageAndRoot(failed)) + "): it is still listed; remove "
                        + "it with 'eventbus dlq discard --handler " + handler + " " + e.id()
                        + "' once that works (redriving it again would deliver the event again)",
                failed);
    }

    /** The copy of a dead letter for its handler: its original fields and the routing markers. */
    static List<byte[]> copyOf(String handler, DeadLetterEntry e) {
        List<byte[]> fields = new ArrayList<>();
        boolean hasId = false;
        for (Field f : e.originalFields()) {
            fields.add(f.name());
            fields.add(f.value());
            hasId |= f.nameText().equals(WireFields.ID);
        }
        if (!hasId && e.sourceId() != null) {
            fields.add(utf8(WireFields.ID));
            fields.add(utf8(e.sourceId()));
        }
        fields.add(utf8(WireFields.TARGET_HANDLER));
        fields.add(utf8(handler));
        fields.add(utf8(WireFields.REDRIVE_OF));
        fields.add(utf8(e.id()));
        return fields;
    }

    private static String text(Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    private RedisClusterCommands<byte[], byte[]> bytes() {
        return redis.bytes();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
