package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.stream.FieldList;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The reader's own XREADGROUP decoding against a real Redis, in both protocols, with Lettuce's
 * standard decoding of the same entries (read by a second group) as the oracle.
 */
class NewEntriesOutputIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final byte[] STREAM = b("orders");
    private static final String OURS = "ours";
    private static final String ORACLE = "oracle";

    private RedisClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.shutdown();
        }
    }

    private RedisCommands<byte[], byte[]> connect(ProtocolVersion protocol) {
        REDIS.command("FLUSHALL");
        client = RedisClient.create(REDIS.uri());
        client.setOptions(ClientOptions.builder().protocolVersion(protocol).build());
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        RedisCommands<byte[], byte[]> redis = connection.sync();
        for (String group : List.of(OURS, ORACLE)) {
            redis.xgroupCreate(XReadArgs.StreamOffset.from(STREAM, "0"), b(group), XGroupCreateArgs.Builder.mkstream());
        }
        return redis;
    }

    private static List<StreamEntry> read(RedisCommands<byte[], byte[]> redis, String from, int count) {
        CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE)
                .add("GROUP")
                .add(b(OURS))
                .add(b("c"))
                .add("COUNT")
                .add(count)
                .add("BLOCK")
                .add(50)
                .add("STREAMS")
                .addKey(STREAM)
                .add(from);
        return redis.dispatch(CommandType.XREADGROUP, new NewEntriesOutput("orders", StreamEntry.Origin.NEW), args);
    }

    private static List<StreamMessage<byte[], byte[]>> oracle(
            RedisCommands<byte[], byte[]> redis, String from, int count) {
        return redis.xreadgroup(
                Consumer.from(b(ORACLE), b("c")),
                XReadArgs.Builder.count(count),
                XReadArgs.StreamOffset.from(STREAM, from));
    }

    /** Field names and values in order, as text (binary values as their byte lists). */
    private static List<String> pairs(Map<byte[], byte[]> fields) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> f : fields.entrySet()) {
            out.add(Arrays.toString(f.getKey()) + "=" + Arrays.toString(f.getValue()));
        }
        return out;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void decodesEntriesExactlyAsLettuceDoes(ProtocolVersion protocol) {
        RedisCommands<byte[], byte[]> redis = connect(protocol);
        byte[] binary = {(byte) 0xff, 0, (byte) 0xc3, 0x28, 10, 13};
        byte[] large = new byte[16 * 1024];
        Arrays.fill(large, (byte) 'x');
        List<String> ids = new ArrayList<>();
        ids.add(redis.xadd(STREAM, b("type"), b("order.created"), b("subject"), b("o-1"), b("data"), b("{\"n\":1}")));
        ids.add(redis.xadd(STREAM, b("type"), b("t"), b("data"), binary, b("empty"), new byte[0]));
        ids.add(redis.xadd(STREAM, b("type"), b("t"), b("tag"), b("a"), b("tag"), b("b"))); // a repeated name
        ids.add(redis.xadd(STREAM, b("type"), b("t"), b("data"), large));
        for (int i = 0; i < 20; i++) {
            ids.add(redis.xadd(STREAM, b("type"), b("t"), b("n"), b(Integer.toString(i))));
        }

        List<StreamEntry> ours = new ArrayList<>(read(redis, ">", 10));
        assertEquals(10, ours.size(), "COUNT is respected");
        ours.addAll(read(redis, ">", 100));
        List<StreamMessage<byte[], byte[]>> expected = oracle(redis, ">", 100);

        assertEquals(ids.size(), ours.size());
        assertEquals(expected.size(), ours.size());
        for (int i = 0; i < ours.size(); i++) {
            StreamEntry e = ours.get(i);
            assertEquals(ids.get(i), e.id());
            assertEquals(expected.get(i).getId(), e.id());
            assertEquals("orders", e.stream());
            assertEquals(StreamEntry.Origin.NEW, e.origin());
            assertEquals(1, e.deliveries());
            assertFalse(e.isDeleted());
            assertEquals(pairs(expected.get(i).getBody()), pairs(e.fields()), "entry " + i);
        }
        assertSame(
                FieldList.of(ours.get(0).fields()).name(0),
                FieldList.of(ours.get(1).fields()).name(0),
                "a wire-format name is one array for every entry, not a copy each");
        assertEquals(
                List.of(
                        Arrays.toString(b("type")) + "=" + Arrays.toString(b("t")),
                        Arrays.toString(b("tag")) + "=" + Arrays.toString(b("a")),
                        Arrays.toString(b("tag")) + "=" + Arrays.toString(b("b"))),
                pairs(ours.get(2).fields()),
                "both fields of a repeated name are kept");
        assertArrayEquals(
                large,
                ours.get(3).fields().entrySet().stream()
                        .filter(f -> Arrays.equals(f.getKey(), b("data")))
                        .findFirst()
                        .orElseThrow()
                        .getValue());
        assertEquals(16 * 1024 + 4 + 4 + 1, ours.get(3).sizeInBytes());
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void nothingNewBeforeTheBlockRunsOutIsAnEmptyList(ProtocolVersion protocol) {
        RedisCommands<byte[], byte[]> redis = connect(protocol);
        assertEquals(List.of(), read(redis, ">", 10));
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void anEntryDeletedWhilePendingComesBackWithoutFields(ProtocolVersion protocol) {
        RedisCommands<byte[], byte[]> redis = connect(protocol);
        String first = redis.xadd(STREAM, b("type"), b("a"));
        String second = redis.xadd(STREAM, b("type"), b("b"));
        String third = redis.xadd(STREAM, b("type"), b("c"));
        assertEquals(3, read(redis, ">", 10).size());
        redis.xdel(STREAM, second);

        List<StreamEntry> history = read(redis, "0", 10); // this consumer's pending entries
        assertEquals(
                List.of(first, second, third),
                history.stream().map(StreamEntry::id).toList());
        assertFalse(history.get(0).isDeleted());
        assertTrue(history.get(1).isDeleted());
        assertEquals(0, history.get(1).sizeInBytes());
        assertFalse(history.get(2).isDeleted());
        assertEquals(
                pairs(Map.of(b("type"), b("c"))).toString(),
                pairs(history.get(2).fields()).toString());
    }

    @ParameterizedTest
    @EnumSource(ProtocolVersion.class)
    void anXclaimReplyIsDecodedLikeLettucesAndAnOversizedEntryKeepsOnlyTheFieldsThatFit(ProtocolVersion protocol) {
        RedisCommands<byte[], byte[]> redis = connect(protocol);
        byte[] large = new byte[64 * 1024];
        Arrays.fill(large, (byte) 'x');
        String small = redis.xadd(STREAM, b("type"), b("t"), b("tag"), b("a"), b("tag"), b("b"));
        String oversized = redis.xadd(STREAM, b("type"), b("t"), b("data"), large, b("subject"), b("s"));
        assertEquals(2, read(redis, ">", 10).size());

        CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE)
                .addKey(STREAM)
                .add(b(OURS))
                .add(b("other"))
                .add(0)
                .add(small)
                .add(oversized);
        List<StreamEntry> claimed = redis.dispatch(
                CommandType.XCLAIM, NewEntriesOutput.entryList("orders", StreamEntry.Origin.RECLAIM, 1024), args);

        assertEquals(
                List.of(small, oversized), claimed.stream().map(StreamEntry::id).toList());
        assertEquals(StreamEntry.Origin.RECLAIM, claimed.get(0).origin());
        List<StreamMessage<byte[], byte[]>> expected = redis.xrange(STREAM, io.lettuce.core.Range.create(small, small));
        assertEquals(pairs(expected.get(0).getBody()), pairs(claimed.get(0).fields()));
        FieldList kept = (FieldList) claimed.get(1).fields();
        assertTrue(kept.truncated());
        assertFalse(claimed.get(1).isDeleted(), "held in part, not gone");
        assertEquals(4 + 1 + 4 + large.length + 7 + 1, claimed.get(1).sizeInBytes(), "its size in Redis");
        assertEquals(
                List.of(
                        Arrays.toString(b("type")) + "=" + Arrays.toString(b("t")),
                        Arrays.toString(b("subject")) + "=" + Arrays.toString(b("s"))),
                pairs(kept),
                "the payload that does not fit is not copied");
    }
}
