package dev.eventbus.runtime.it;

import dev.eventbus.producer.PartitionedStream;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.api.sync.RedisStreamCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Test-side Redis access: publish like an outside producer, inspect groups like an operator. */
final class Streams implements AutoCloseable {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    Streams(String uri) {
        client = RedisClient.create(uri);
        connection = client.connect();
    }

    RedisCommands<String, String> redis() {
        return connection.sync();
    }

    String publish(String stream, Map<String, String> fields) {
        return redis().xadd(stream, fields);
    }

    /** Publishes many entries pipelined; returns their ids in order. */
    List<String> publishAll(String stream, List<Map<String, String>> events) throws Exception {
        List<RedisFuture<String>> futures = new ArrayList<>(events.size());
        for (Map<String, String> e : events) {
            futures.add(connection.async().xadd(stream, e));
        }
        List<String> ids = new ArrayList<>(events.size());
        for (RedisFuture<String> f : futures) {
            ids.add(f.get(10, TimeUnit.SECONDS));
        }
        return ids;
    }

    /** Creates the consumer group (and the stream) from the stream's start, as a runtime does before it reads. */
    void createGroup(String stream, String group) {
        redis().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
    }

    /** Reads the group's new entries (up to 100) as {@code consumer}, acknowledging none: a consumer that died holding them. */
    void readWithoutAck(String stream, String group, String consumer) {
        redis().xreadgroup(
                        Consumer.from(group, consumer),
                        XReadArgs.Builder.count(100),
                        XReadArgs.StreamOffset.lastConsumed(stream));
    }

    long pending(String stream, String group) {
        return redis().xpending(stream, group).getCount();
    }

    /** The entries pending for {@code group} on all partitions of {@code stream}, one Redis or a cluster. */
    static long pending(RedisStreamCommands<byte[], byte[]> redis, PartitionedStream stream, String group) {
        byte[] name = group.getBytes(StandardCharsets.UTF_8);
        long pending = 0;
        for (String key : stream.keys()) {
            pending +=
                    redis.xpending(key.getBytes(StandardCharsets.UTF_8), name).getCount();
        }
        return pending;
    }

    /** XINFO GROUPS as name -> fields. */
    Map<String, Object> group(String stream, String group) {
        for (Object g : redis().xinfoGroups(stream)) {
            List<?> kv = (List<?>) g;
            Map<String, Object> m = new java.util.HashMap<>();
            for (int i = 0; i + 1 < kv.size(); i += 2) {
                m.put(String.valueOf(kv.get(i)), kv.get(i + 1));
            }
            if (group.equals(m.get("name"))) {
                return m;
            }
        }
        throw new AssertionError("no group " + group + " on " + stream);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
