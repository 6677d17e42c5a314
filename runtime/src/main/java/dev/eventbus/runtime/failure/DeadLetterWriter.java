package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.internal.LuaLimits;
import dev.eventbus.runtime.stream.FieldList;
import dev.eventbus.runtime.stream.KeyLayout;
import dev.eventbus.runtime.stream.ReservedNames;
import dev.eventbus.runtime.stream.WireFields;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes dead letters to the stream the {@link KeyLayout} names for a handler and source stream, each entry the original fields plus provenance
 * fields prefixed {@code eventbus-}. A producer's own {@code eventbus-} fields are stored kept apart
 * ({@link ReservedNames}), so the provenance read back is always the runtime's. A dead letter of an
 * entry still pending is written and the original acknowledged in one script ({@link #writeIfPending});
 * when Redis refuses the XADD (for example out of memory) neither happens, the original stays pending
 * and is tried again. An entry of more fields than a script can pass to one XADD ({@link LuaLimits})
 * is dead-lettered in two steps instead ({@link #writeThenAcknowledge}).
 *
 * <p>Thread-safe.
 */
public final class DeadLetterWriter {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterWriter.class);

    /** Longest error message kept: enough to act on, short enough to never carry a payload dump. */
    static final int MAX_MESSAGE = 500;

    private final RedisClusterAsyncCommands<byte[], byte[]> redis;
    private final KeyLayout keys;

    public DeadLetterWriter(RedisClusterAsyncCommands<byte[], byte[]> redis, KeyLayout keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** The dead-letter stream of a handler's entries from {@code stream}. */
    public String streamOf(String handler, String stream) {
        return keys.deadLetters(handler, stream);
    }

    private String streamOf(DeadLetter letter) {
        return streamOf(letter.handler(), letter.entry().stream());
    }

    /**
     * Writes a dead letter at most once per entry: writes it and acknowledges the original in one
     * atomic step, only if the entry is still pending in the group. Whoever gets there first (this
     * instance's worker, retry poller, history read or reclaimer, another instance that holds the
     * same entry) records it; the others find it settled and write nothing. The two keys share a
     * slot on a cluster ({@link KeyLayout}).
     *
     * @return true when this call recorded it; false when the entry was no longer pending
     */
    public CompletableFuture<Boolean> writeIfPending(DeadLetter letter, String group) {
        Map<byte[], byte[]> fields = fields(letter);
        if (!LuaLimits.fitsOneCall(fields.size() * 2)) {
            return writeThenAcknowledge(letter, group, fields);
        }
        byte[][] args = new byte[2 + fields.size() * 2][];
        args[0] = Bytes.utf8(group);
        args[1] = Bytes.utf8(letter.entry().id());
        int i = 2;
        for (Map.Entry<byte[], byte[]> f : fields.entrySet()) {
            args[i++] = f.getKey();
            args[i++] = f.getValue();
        }
        return redis.<Long>eval(
                        RECORD_IF_PENDING,
                        ScriptOutputType.INTEGER,
                        new byte[][] {Bytes.utf8(letter.entry().stream()), Bytes.utf8(streamOf(letter))},
                        args)
                .toCompletableFuture()
                .thenApply(n -> n != null && n == 1L);
    }

    // The XADD and XACK replies are not read: a refused XADD (out of memory) raises and ends the
    // script before the XACK, so the entry stays pending and the caller sees the error; the XACK
    // cannot miss, the entry was pending a line earlier in the same atomic script.
    private static final String RECORD_IF_PENDING = """
            local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
            if #p == 0 then return 0 end
            redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
            redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
            return 1
            """;

    /**
     * For an entry of more fields than a script can pass to one XADD: the dead letter first, then
     * the original acknowledged in a script if it is still pending. The order loses nothing, but is
     * not one step: when the second step fails (the entry stays pending, comes back and is
     * dead-lettered again) or finds the entry settled elsewhere meanwhile (another consumer that
     * held it too), the entry has a second dead letter, which the failure or a warning names; a
     * process that dies between the two steps leaves one nothing names (the entry comes back and is
     * dead-lettered again). The runtime's Redis user may not delete it (no {@code xdel}); the
     * operator can.
     */
    private CompletableFuture<Boolean> writeThenAcknowledge(
            DeadLetter letter, String group, Map<byte[], byte[]> fields) {
        String deadLetters = streamOf(letter);
        String entryId = letter.entry().id();
        return redis.xadd(Bytes.utf8(deadLetters), fields)
                .toCompletableFuture()
                .exceptionally(err -> {
                    Throwable cause = unwrapped(err);
                    if (cause instanceof RedisCommandExecutionException) {
                        throw new CompletionException(cause); // refused: nothing written
                    }
                    throw new CompletionException(new RedisException(
                            "the dead letter of " + entryId + " (" + fields.size() + " fields, written before the"
                                    + " acknowledgement, in two steps) got no answer: it may be in " + deadLetters
                                    + ", and the entry, still pending, may get a second one",
                            cause));
                })
                .thenCompose(copyId -> redis.<Long>eval(
                                ACK_IF_PENDING,
                                ScriptOutputType.INTEGER,
                                new byte[][] {Bytes.utf8(letter.entry().stream())},
                                Bytes.utf8(group),
                                Bytes.utf8(entryId))
                        .toCompletableFuture()
                        .handle((acked, err) -> {
                            if (err != null) {
                                throw new CompletionException(new RedisException(
                                        "dead letter " + copyId + " of " + entryId + " (" + fields.size()
                                                + " fields: written before the acknowledgement, in two steps) is in "
                                                + deadLetters + ", but the entry could not be acknowledged: it"
                                                + " comes back and may get a second dead letter",
                                        unwrapped(err)));
                            }
                            boolean recorded = acked != null && acked == 1L;
                            if (!recorded) {
                                LOG.warn(
                                        "dead letter {} in {} is a second one of {} {}: the entry was settled elsewhere while"
                                                + " it was written ({} fields are written in two steps); remove it with"
                                                + " eventbus dlq discard --handler {} {}",
                                        copyId,
                                        deadLetters,
                                        letter.entry().stream(),
                                        entryId,
                                        fields.size(),
                                        letter.handler(),
                                        copyId);
                            }
                            return recorded;
                        }));
    }

    /** The failure a completion stage wraps, or the failure itself. */
    private static Throwable unwrapped(Throwable err) {
        return err instanceof CompletionException c && c.getCause() != null ? c.getCause() : err;
    }

    private static final String ACK_IF_PENDING = """
            local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
            if #p == 0 then return 0 end
            return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
            """;

    /**
     * Writes unconditionally, acknowledging nothing: only for an entry Redis already dropped from the
     * pending list, which {@link #writeIfPending} would skip.
     *
     * @return the dead-letter entry id, once Redis stored it (callers need only that it was stored)
     */
    public CompletableFuture<String> write(DeadLetter letter) {
        return redis.xadd(Bytes.utf8(streamOf(letter)), fields(letter)).toCompletableFuture();
    }

    private static Map<byte[], byte[]> fields(DeadLetter letter) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        if (letter.entry().fields() != null) {
            // A fresh array per name: the map's keys go by identity, and a reader keeps the wire
            // format's names as one shared array, so a repeated field would otherwise replace the first.
            letter.entry()
                    .fields()
                    .forEach((name, value) ->
                            fields.put(ReservedNames.keptApart(name).clone(), value));
        }
        put(fields, WireFields.REASON, letter.reason().wireName());
        put(fields, WireFields.SOURCE_STREAM, letter.entry().stream());
        put(fields, WireFields.SOURCE_ID, letter.entry().id());
        put(fields, WireFields.HANDLER, letter.handler());
        put(fields, WireFields.PLUGIN, letter.pluginId());
        put(fields, WireFields.PLUGIN_VERSION, letter.pluginVersion());
        put(fields, WireFields.ATTEMPTS, Integer.toString(letter.attempts()));
        put(fields, WireFields.FIRST_FAILURE, letter.firstFailure().toString());
        put(fields, WireFields.LAST_FAILURE, letter.lastFailure().toString());
        if (letter.error() != null) {
            put(fields, WireFields.ERROR_CLASS, letter.error().getClass().getName());
            put(
                    fields,
                    WireFields.ERROR_MESSAGE,
                    truncate(MissingClass.reasonOr(
                            letter.error(), String.valueOf(letter.error().getMessage()))));
        } else if (letter.detail() != null) {
            put(fields, WireFields.ERROR_MESSAGE, truncate(letter.detail()));
        }
        if (letter.entry().fields() instanceof FieldList read && read.truncated()) {
            // Any reason, not only too-large: an entry over the limit read back past max-deliveries
            // is held in part too. Redrive leaves such a dead letter in place: its copy would reach
            // the handler without the fields that did not fit, the payload among them.
            put(
                    fields,
                    WireFields.PARTIAL,
                    "holds " + read.size() + " field(s), " + read.heldBytes() + " of the entry's " + read.wireBytes()
                            + " bytes: the entry is over consumer.max-event-bytes and the rest was not read");
        }
        return fields;
    }

    static String truncate(String s) {
        return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
    }

    private static void put(Map<byte[], byte[]> fields, String name, String value) {
        fields.put(Bytes.utf8(name), Bytes.utf8(value == null ? "" : value));
    }
}
