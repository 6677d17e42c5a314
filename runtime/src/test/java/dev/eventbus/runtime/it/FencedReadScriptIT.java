package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.producer.EventPublisher;
import dev.eventbus.producer.OutgoingEvent;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.ownership.OwnershipView;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fenced read of an ordered handler on a partitioned stream is sent by its SHA (EVALSHA), not
 * its text, and goes on when Redis forgets its scripts: after a real {@code SCRIPT FLUSH} (as after
 * a restart or a failover) the NOSCRIPT reply is answered by sending the script again; a Redis user
 * made from the ACL rules of an earlier version, without {@code +evalsha}, still reads.
 */
class FencedReadScriptIT {

    /** An owned redis-server (never EVENTBUS_TEST_REDIS_URI): the test flushes its scripts and makes a user. */
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension(RedisServer.Options.defaults());

    private static final PartitionedStream STREAM = new PartitionedStream("it-stream", 8);
    private static final int EVENTS = 100;

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private final HandlerCalls calls = new HandlerCalls();

    @Test
    void fencedReadsGoByShaAndSurviveScriptFlush() throws Exception {
        var runtime = env.start(
                "inst-a",
                Map.of(
                        "eventbus.streams.it-stream.partitions",
                        8,
                        "eventbus.handlers.recorder.ordered-by-subject",
                        true,
                        "eventbus.consumer.block",
                        "500ms"),
                calls.observer("inst-a"));
        Streams.await("all 8 partitions owned", Duration.ofSeconds(30), () -> {
            OwnershipView v = runtime.view().ownership();
            return v.unowned().isEmpty() && v.ownedBy("inst-a").size() == 8;
        });
        RedisClient client = RedisClient.create(REDIS.uri());
        try (StatefulRedisConnection<String, String> text = client.connect();
                StatefulRedisConnection<byte[], byte[]> bytes =
                        client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            RedisCommands<String, String> redis = text.sync();
            EventPublisher publisher = new EventPublisher(bytes.sync(), List.of(STREAM));
            publish(publisher, 0);
            awaitHandled(EVENTS);
            assertTrue(
                    stat(redis.info("commandstats"), "cmdstat_evalsha:calls=(\\d+)") > 0,
                    "the fenced reads went by EVALSHA: " + redis.info("commandstats"));

            redis.configResetstat();
            redis.scriptFlush();
            publish(publisher, EVENTS);
            awaitHandled(2 * EVENTS);
            assertTrue(
                    stat(redis.info("errorstats"), "errorstat_NOSCRIPT:count=(\\d+)") > 0,
                    "a fenced read met NOSCRIPT after the flush: " + redis.info("errorstats"));
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aUserWithoutEvalshaStillReads() throws Exception {
        RedisClient client = RedisClient.create(REDIS.uri());
        try (StatefulRedisConnection<String, String> text = client.connect();
                StatefulRedisConnection<byte[], byte[]> bytes =
                        client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            RedisCommands<String, String> redis = text.sync();
            redis.aclSetuser(
                    "legacy",
                    io.lettuce.core.AclSetuserArgs.Builder.on()
                            .addPassword("legacy-pw")
                            .allKeys()
                            .allChannels()
                            .allCommands()
                            .removeCommand(io.lettuce.core.protocol.CommandType.EVALSHA));
            redis.aclLogReset();
            var runtime = env.start(
                    "inst-a",
                    Map.of(
                            "eventbus.redis.uri",
                            REDIS.uri().replace("redis://", "redis://legacy:legacy-pw@"),
                            "eventbus.streams.it-stream.partitions",
                            8,
                            "eventbus.handlers.recorder.ordered-by-subject",
                            true,
                            "eventbus.consumer.block",
                            "500ms"),
                    calls.observer("inst-a"));
            Streams.await(
                    "all 8 partitions owned",
                    Duration.ofSeconds(30),
                    () -> runtime.view().ownership().ownedBy("inst-a").size() == 8);
            publish(new EventPublisher(bytes.sync(), List.of(STREAM)), 0);
            awaitHandled(EVENTS);
            assertTrue(
                    redis.aclLog().stream().anyMatch(e -> "evalsha".equals(e.get("object"))),
                    "EVALSHA was tried and refused: " + redis.aclLog());
        } finally {
            client.shutdown();
        }
    }

    private static void publish(EventPublisher publisher, int from) {
        for (int i = from; i < from + EVENTS; i++) {
            publisher.publish(
                    "it-stream",
                    OutgoingEvent.of("it.recorded").subject("order-" + (i % 20)).field("seq", Integer.toString(i)));
        }
    }

    private void awaitHandled(int events) throws InterruptedException {
        Streams.await(
                events + " events handled",
                Duration.ofSeconds(60),
                () -> calls.stream()
                                .map(c -> c.subject() + "#" + c.seq())
                                .distinct()
                                .count()
                        == events);
    }

    private static long stat(String info, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
