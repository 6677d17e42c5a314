package dev.eventbus.runtime.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.dispatch.ManualDispatch;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.FieldList;
import dev.eventbus.runtime.stream.SingleNodeKeys;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.runtime.stream.WireFields;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A dead letter is written at most once per entry, against a real Redis: two sinks on their own
 * connections stand for two instances that both hold the same pending entry (A stalled past
 * {@code recovery.claim-idle}, B took it over).
 */
class AckingDeadLetterSinkIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private final Subscription sub = ManualDispatch.subscription();
    private final SingleNodeKeys keys = new SingleNodeKeys("dlq:");
    private final AtomicInteger deadLettered = new AtomicInteger();
    private final DeliveryObserver observer = new DeliveryObserver() {
        @Override
        public void deadLettered(Subscription s, StreamEntry entry, DeadLetterReason reason) {
            deadLettered.incrementAndGet();
        }
    };
    private RedisClient client;
    private RedisCommands<byte[], byte[]> redis;
    private AckingDeadLetterSink a;
    private AckingDeadLetterSink b;
    private String id;
    private Map<byte[], byte[]> fields;

    @BeforeEach
    void entryHeldByTwoConsumers() {
        REDIS.command("FLUSHALL");
        client = RedisClient.create(REDIS.uri());
        redis = client.connect(ByteArrayCodec.INSTANCE).sync();
        a = sink();
        b = sink();
        redis.xgroupCreate(
                XReadArgs.StreamOffset.from(b(sub.stream()), "0"), b(sub.group()), XGroupCreateArgs.Builder.mkstream());
        fields = new LinkedHashMap<>();
        fields.put(b("type"), b("paid"));
        fields.put(b("subject"), b("s-1"));
        id = redis.xadd(b(sub.stream()), fields);
        redis.xreadgroup(Consumer.from(b(sub.group()), b("A")), XReadArgs.StreamOffset.lastConsumed(b(sub.stream())));
        // B's reclaimer takes it over while A still runs it.
        redis.xclaim(b(sub.stream()), Consumer.from(b(sub.group()), b("B")), XClaimArgs.Builder.minIdleTime(0), id);
    }

    @AfterEach
    void close() {
        REDIS.command("CONFIG", "SET", "maxmemory", "0");
        client.shutdown();
    }

    /** A sink of its own instance: its own connection, retry store and writer. */
    private AckingDeadLetterSink sink() {
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        return new AckingDeadLetterSink(
                new DeadLetterWriter(connection.async(), keys),
                new RetryStore(connection.async(), keys),
                observer,
                Clock.systemUTC());
    }

    private StreamEntry entry(StreamEntry.Origin origin) {
        return new StreamEntry(sub.stream(), id, fields, 2, origin);
    }

    /** Starts a dead letter; the future completes with its resolution. */
    private CompletableFuture<Boolean> deadLetter(
            AckingDeadLetterSink sink, StreamEntry entry, DeadLetterReason reason) {
        CompletableFuture<Boolean> resolved = new CompletableFuture<>();
        sink.deadLetter(sub, DeadLetter.of(sub, entry, reason, 2, null, "given up"), resolved::complete);
        return resolved;
    }

    private List<StreamMessage<byte[], byte[]>> deadLetters() {
        return redis.xrange(b(keys.deadLetters(sub.handler().name(), sub.stream())), Range.create("-", "+"));
    }

    private long pending() {
        return redis.xpending(b(sub.stream()), b(sub.group())).getCount();
    }

    @Test
    void twoConsumersThatHoldTheSameEntryLeaveOneDeadLetter() throws Exception {
        // Both at once, each on its own connection: the one whose script runs first records it.
        CompletableFuture<Boolean> byA = deadLetter(a, entry(StreamEntry.Origin.NEW), DeadLetterReason.HANDLER_ERROR);
        CompletableFuture<Boolean> byB =
                deadLetter(b, entry(StreamEntry.Origin.RECLAIM), DeadLetterReason.MAX_DELIVERIES);

        assertTrue(byA.get(10, TimeUnit.SECONDS), "final for A: settled, by A or by B");
        assertTrue(byB.get(10, TimeUnit.SECONDS), "final for B too");
        List<StreamMessage<byte[], byte[]>> letters = deadLetters();
        assertEquals(1, letters.size(), "one dead letter for one entry");
        assertEquals(id, field(letters.get(0), WireFields.SOURCE_ID));
        assertEquals("paid", field(letters.get(0), "type"));
        assertEquals(0, pending(), "acknowledged with the dead letter");
        assertEquals(1, deadLettered.get(), "counted once, by the one that wrote it");
    }

    @Test
    void aRepeatedFieldWhoseNameTheReaderSharesIsKeptTwiceInTheDeadLetter() throws Exception {
        // The reader keeps the wire format's names as one shared array (EventCodec.knownFieldName):
        // an entry whose first 'time' is not UTF-8 is dead-lettered with both, the evidence kept.
        byte[] time = EventCodec.knownFieldName(ByteBuffer.wrap(b("time")));
        byte[] bad = {(byte) 0xff};
        StreamEntry repeated = new StreamEntry(
                sub.stream(),
                id,
                new FieldList(new byte[][] {b("type"), b("paid"), time, bad, time, b("2026-12-06")}, 3),
                2,
                StreamEntry.Origin.RECLAIM);

        assertTrue(deadLetter(b, repeated, DeadLetterReason.DECODE).get(10, TimeUnit.SECONDS));

        List<String> times = deadLetters().get(0).getBody().entrySet().stream()
                .filter(f -> Arrays.equals(f.getKey(), b("time")))
                .map(f -> Arrays.toString(f.getValue()))
                .toList();
        assertEquals(List.of(Arrays.toString(bad), Arrays.toString(b("2026-12-06"))), times, "both, in order");
    }

    @Test
    void theSecondOfTwoDeadLettersInTurnWritesNothing() throws Exception {
        assertTrue(deadLetter(a, entry(StreamEntry.Origin.NEW), DeadLetterReason.HANDLER_ERROR)
                .get(10, TimeUnit.SECONDS));
        assertEquals(0, pending());

        assertTrue(deadLetter(b, entry(StreamEntry.Origin.RECLAIM), DeadLetterReason.MAX_DELIVERIES)
                .get(10, TimeUnit.SECONDS));

        assertEquals(1, deadLetters().size());
        assertEquals(
                DeadLetterReason.HANDLER_ERROR.wireName(),
                field(deadLetters().get(0), WireFields.REASON),
                "the first writer's");
        assertEquals(1, deadLettered.get());
    }

    @Test
    void aDeadLetterOfAnEntryAcknowledgedMeanwhileWritesNothing() throws Exception {
        redis.xack(b(sub.stream()), b(sub.group()), id); // B handled it while A was stalled

        boolean resolved = deadLetter(a, entry(StreamEntry.Origin.NEW), DeadLetterReason.TIMEOUT)
                .get(10, TimeUnit.SECONDS);

        assertTrue(resolved, "its outcome is final, just not by A");
        assertEquals(List.of(), deadLetters());
        assertEquals(0, deadLettered.get());
        assertEquals("", a.failure(sub));
    }

    /** An entry of {@code n} fields besides its type, appended and read by consumer A: pending. */
    private StreamEntry pendingEntryOf(int n) {
        Map<byte[], byte[]> many = new LinkedHashMap<>();
        many.put(b("type"), b("paid"));
        for (int i = 0; i < n; i++) {
            many.put(b("h" + i), b("v" + i));
        }
        String manyId = redis.xadd(b(sub.stream()), many);
        redis.xreadgroup(Consumer.from(b(sub.group()), b("A")), XReadArgs.StreamOffset.lastConsumed(b(sub.stream())));
        return new StreamEntry(sub.stream(), manyId, many, 1, StreamEntry.Origin.NEW);
    }

    @Test
    void anEntryOfMoreFieldsThanAScriptCanPassIsDeadLetteredWholeAndAcknowledged() throws Exception {
        // Lua refuses a command of about 8,000 arguments: one script could never store this one, and
        // the entry stayed pending, failing its dead letter on every delivery.
        redis.xack(b(sub.stream()), b(sub.group()), id);
        StreamEntry big = pendingEntryOf(4_000);

        assertTrue(deadLetter(a, big, DeadLetterReason.HANDLER_ERROR).get(10, TimeUnit.SECONDS));

        List<StreamMessage<byte[], byte[]>> letters = deadLetters();
        assertEquals(1, letters.size());
        assertEquals(big.id(), field(letters.get(0), WireFields.SOURCE_ID));
        assertEquals("v3999", field(letters.get(0), "h3999"), "every field kept");
        assertEquals(0, pending(), "acknowledged after its dead letter was stored");
        assertEquals(1, deadLettered.get());
        assertEquals("", a.failure(sub));
    }

    @Test
    void anEntryOfMoreFieldsThanAScriptCanPassSettledMeanwhileKeepsTheDeadLetterWrittenFirst() throws Exception {
        // Its two steps are the dead letter, then the acknowledgement if still pending: an entry
        // settled between them (here, before both) is left with a dead letter, which a warning names.
        redis.xack(b(sub.stream()), b(sub.group()), id);
        StreamEntry big = pendingEntryOf(4_000);
        redis.xack(b(sub.stream()), b(sub.group()), big.id());

        assertTrue(deadLetter(a, big, DeadLetterReason.HANDLER_ERROR).get(10, TimeUnit.SECONDS), "final");

        assertEquals(1, deadLetters().size(), "written first, so it stays");
        assertEquals(0, deadLettered.get(), "not counted: the entry's outcome was another's");
    }

    @Test
    void anEntryRedisAlreadyDroppedFromThePendingListIsStillRecorded() throws Exception {
        redis.xdel(b(sub.stream()), id);
        redis.xack(b(sub.stream()), b(sub.group()), id); // as XAUTOCLAIM does when it reports it deleted

        boolean resolved = deadLetter(b, entry(StreamEntry.Origin.VANISHED), DeadLetterReason.TRIMMED)
                .get(10, TimeUnit.SECONDS);

        assertTrue(resolved);
        assertEquals(1, deadLetters().size(), "nobody else can record it: written although not pending");
        assertEquals(1, deadLettered.get());
    }

    @Test
    void aRefusedDeadLetterLeavesTheEntryPendingAndIsReportedUntilOneIsStored() throws Exception {
        REDIS.command("CONFIG", "SET", "maxmemory", "1"); // noeviction: the script's XADD is refused

        boolean resolved = deadLetter(a, entry(StreamEntry.Origin.NEW), DeadLetterReason.HANDLER_ERROR)
                .get(10, TimeUnit.SECONDS);

        assertFalse(resolved, "not final: it stays pending");
        assertEquals(1, pending(), "not acknowledged without its dead letter");
        assertTrue(a.failure(sub).contains("could not dead-letter " + id), a.failure(sub));
        assertEquals(0, deadLettered.get());

        REDIS.command("CONFIG", "SET", "maxmemory", "0");
        assertTrue(deadLetter(a, entry(StreamEntry.Origin.RECLAIM), DeadLetterReason.HANDLER_ERROR)
                .get(10, TimeUnit.SECONDS));
        assertEquals(1, deadLetters().size());
        assertEquals(0, pending());
        assertEquals("", a.failure(sub));
    }

    @Test
    void aRefusedLossRecordIsReportedAsADeadLetterIsAndWrittenOnceRedisTakesIt() throws Exception {
        REDIS.command("CONFIG", "SET", "maxmemory", "1");

        boolean resolved = deadLetter(a, entry(StreamEntry.Origin.NEW), DeadLetterReason.TRIMMED)
                .get(10, TimeUnit.SECONDS);

        assertFalse(resolved, "not final: it stays pending");
        assertEquals(1, pending());
        assertTrue(a.failure(sub).contains("could not record the loss of " + id), a.failure(sub));

        REDIS.command("CONFIG", "SET", "maxmemory", "0");
        assertTrue(deadLetter(b, entry(StreamEntry.Origin.RECLAIM), DeadLetterReason.TRIMMED)
                .get(10, TimeUnit.SECONDS));
        assertTrue(
                deadLetter(a, entry(StreamEntry.Origin.NEW), DeadLetterReason.TRIMMED)
                        .get(10, TimeUnit.SECONDS),
                "settled elsewhere: final");
        assertEquals(1, deadLetters().size(), "recorded once, by the first that could");
        assertEquals(1, deadLettered.get());
        assertEquals(0, pending());
        assertEquals("", a.failure(sub), "A's failure no longer stands once the entry is settled: A is ready again");
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A field's value (byte[] keys have no equality, so the body is searched). */
    private static String field(StreamMessage<byte[], byte[]> message, String name) {
        for (Map.Entry<byte[], byte[]> f : message.getBody().entrySet()) {
            if (name.equals(new String(f.getKey(), StandardCharsets.UTF_8))) {
                return new String(f.getValue(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
