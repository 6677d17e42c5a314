package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.redis.RedisCluster;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.ClusterRecordingHandler;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The runtime on a real Redis Cluster of three primaries and three replicas, through a
 * {@code redis-cluster://} URI: one handler's three streams, one on each primary, each with events
 * handled at once, retried, and dead-lettered. Every dead letter is in its stream's slot (written
 * and acknowledged in one script), nothing is left pending or scheduled.
 */
class ClusterDeliveryIT {

    private static final String HANDLER = "clustered";
    private static final int PER_STREAM = 30;

    @RegisterExtension
    static final ClusterFixture ENV = ClusterFixture.with(HANDLER, ClusterRecordingHandler.class);

    @Test
    void eventsOnStreamsOfAllThreePrimariesAreHandledRetriedAndDeadLetteredInTheirSlots() throws Exception {
        RedisCluster cluster = ENV.cluster();
        Set<Integer> primaries = new HashSet<>();
        for (String stream : ClusterRecordingHandler.STREAMS) {
            primaries.add(cluster.primaryOf(stream).port());
        }
        assertEquals(3, primaries.size(), "the streams lie on the three primaries");

        EventbusRuntime runtime = ENV.start(
                "it-1",
                Map.of(
                        "eventbus.handler-defaults.retry.backoff.initial", "50ms",
                        "eventbus.handler-defaults.retry.backoff.max", "200ms",
                        "eventbus.recovery.retry-poll-interval", "50ms"));

        Set<String> handled = new HashSet<>();
        Map<String, Set<String>> deadByStream = new HashMap<>();
        try (StatefulRedisClusterConnection<String, String> connection =
                ENV.client().connect()) {
            RedisAdvancedClusterCommands<String, String> redis = connection.sync();
            for (String stream : ClusterRecordingHandler.STREAMS) {
                for (int i = 0; i < PER_STREAM; i++) {
                    String subject = stream + "-" + i;
                    Map<String, String> fields = new HashMap<>(Map.of("type", "it.recorded", "subject", subject));
                    if (i % 10 == 3) {
                        fields.put("fail", "never-again");
                        deadByStream
                                .computeIfAbsent(stream, s -> new HashSet<>())
                                .add(subject);
                    } else {
                        if (i % 5 == 1) {
                            fields.put("fail", "before-attempt-3");
                        }
                        handled.add(subject);
                    }
                    redis.xadd(stream, fields);
                }
            }

            Streams.await(
                    "every event handled",
                    Duration.ofSeconds(60),
                    () -> applied().containsAll(handled));
            for (String stream : ClusterRecordingHandler.STREAMS) {
                String dlq = "eventbus:dlq:{" + stream + "}:" + HANDLER;
                Streams.await(
                        "the dead letters of " + stream,
                        Duration.ofSeconds(30),
                        () -> redis.xlen(dlq) == deadByStream.get(stream).size());
                assertEquals(cluster.slot(stream), cluster.slot(dlq), "in the stream's slot");
                Set<String> subjects = redis.xrange(dlq, io.lettuce.core.Range.create("-", "+")).stream()
                        .map(StreamMessage::getBody)
                        .map(b -> b.get("subject"))
                        .collect(Collectors.toSet());
                assertEquals(deadByStream.get(stream), subjects, stream);
                Streams.await(
                        "the pending list of " + stream + " empty",
                        Duration.ofSeconds(30),
                        () -> redis.xpending(stream, HANDLER).getCount() == 0);
                Streams.await(
                        "no retry left on " + stream,
                        Duration.ofSeconds(30),
                        () -> redis.zcard("eventbus:retry:{" + stream + "}:" + HANDLER + ":" + stream) == 0);
            }
            assertEquals(0L, redis.exists("eventbus:dlq:" + HANDLER), "no dead-letter stream of the one-node layout");
        }
        Map<String, Long> callsBySubject = ENV.orders().calls().stream()
                .filter(ReceivedCall::applied)
                .collect(Collectors.groupingBy(ReceivedCall::orderId, Collectors.counting()));
        assertEquals(handled, callsBySubject.keySet(), "handled, and no dead-lettered event reached the service");
        assertTrue(runtime.view().isReady() && runtime.view().readersAlive());

        operatorCommandsSeeTheWholeCluster(deadByStream);
    }

    /** A dead letter of another stream given the same id (as another primary can): show asks which. */
    private void sharedIdIsNotShownAsOneDeadLetter(String uri, JsonNode last) throws Exception {
        String id = last.get("id").asText();
        String other = java.util.Arrays.stream(ClusterRecordingHandler.STREAMS)
                .filter(st -> !st.equals(last.get("sourceStream").asText()))
                .findFirst()
                .orElseThrow();
        String otherDlq = "eventbus:dlq:{" + other + "}:" + HANDLER;
        try (StatefulRedisClusterConnection<String, String> connection =
                ENV.client().connect()) {
            RedisAdvancedClusterCommands<String, String> redis = connection.sync();
            boolean added;
            try { // the last id of all: above every other stream's ids, unless one shares it already
                redis.xadd(
                        otherDlq,
                        new io.lettuce.core.XAddArgs().id(id),
                        Map.of(
                                "eventbus-reason",
                                "handler-error",
                                "eventbus-source-stream",
                                other,
                                "type",
                                "it.recorded"));
                added = true;
            } catch (io.lettuce.core.RedisCommandExecutionException sharedAlready) {
                added = false; // refused as not above its top id: that stream has a dead letter with this id
            }
            try {
                OpsHarness.Cli ambiguous = OpsHarness.cliRaw("dlq", "show", "--handler", HANDLER, id, "--redis", uri);
                assertEquals(1, ambiguous.exit(), ambiguous.toString());
                assertTrue(ambiguous.err().contains("2 dead letters have id " + id), ambiguous.toString());
                assertTrue(ambiguous.err().contains("add --source-stream"), ambiguous.toString());
                OpsHarness.Cli picked = OpsHarness.cliRaw(
                        "dlq", "show", "--handler", HANDLER, id, "--source-stream", other, "--redis", uri);
                assertEquals(0, picked.exit(), picked.toString());
                assertTrue(picked.out().contains(other), picked.toString());
                // By id, discard (as redrive) takes each dead letter with it, unless the stream narrows it.
                OpsHarness.Cli both =
                        OpsHarness.cliRaw("dlq", "discard", "--handler", HANDLER, id, "--dry-run", "--redis", uri);
                assertEquals(0, both.exit(), both.toString());
                assertTrue(both.out().contains(": 2 matched"), both.toString());
                OpsHarness.Cli one = OpsHarness.cliRaw(
                        "dlq",
                        "discard",
                        "--handler",
                        HANDLER,
                        id,
                        "--source-stream",
                        other,
                        "--dry-run",
                        "--redis",
                        uri);
                assertEquals(0, one.exit(), one.toString());
                assertTrue(one.out().contains(": 1 matched"), one.toString());
            } finally {
                if (added) {
                    redis.xdel(otherDlq, id);
                }
            }
        }
    }

    /** status and dlq list, show, redrive: on every primary, a handler's dead letters as one list. */
    private void operatorCommandsSeeTheWholeCluster(Map<String, Set<String>> deadByStream) throws Exception {
        String uri = ENV.uri();
        OpsHarness.Cli status = OpsHarness.cliRaw(
                "status", "--redis", uri, "--admin", "127.0.0.1:1"); // no runtime of another test answers
        assertEquals(0, status.exit(), status.toString());
        for (String stream : ClusterRecordingHandler.STREAMS) {
            assertTrue(
                    status.out().lines().anyMatch(l -> l.matches(HANDLER + "\\s+" + stream + "\\s+.*")), status.out());
        }
        int dead = deadByStream.values().stream().mapToInt(Set::size).sum();

        OpsHarness.Cli list = OpsHarness.cliRaw("dlq", "list", "--handler", HANDLER, "--redis", uri, "--json");
        assertEquals(0, list.exit(), list.toString());
        JsonNode rows = new ObjectMapper().readTree(list.out());
        assertEquals(dead, rows.size(), list.out());
        Set<String> listed = new HashSet<>();
        String previous = "0-0";
        for (JsonNode row : rows) {
            listed.add(row.get("subject").asText());
            String id = row.get("id").asText();
            assertTrue(compareIds(previous, id) <= 0, "merged by id: " + list.out());
            previous = id;
        }
        assertEquals(deadByStream.values().stream().flatMap(Set::stream).collect(Collectors.toSet()), listed);
        OpsHarness.Cli table = OpsHarness.cliRaw("dlq", "list", "--handler", HANDLER, "--redis", uri);
        assertTrue(
                table.out().contains(dead + " dead letter(s) shown; eventbus:dlq:{*}:" + HANDLER + " holds " + dead),
                table.toString());

        JsonNode last = rows.get(rows.size() - 1);
        // Each stream's primary makes its own ids: dead letters of two streams may share one, so an
        // operator names the source stream the list shows.
        OpsHarness.Cli show = OpsHarness.cliRaw(
                "dlq",
                "show",
                "--handler",
                HANDLER,
                last.get("id").asText(),
                "--source-stream",
                last.get("sourceStream").asText(),
                "--redis",
                uri);
        assertEquals(0, show.exit(), show.toString());
        assertTrue(show.out().contains(last.get("subject").asText()), show.out());
        sharedIdIsNotShownAsOneDeadLetter(uri, last);

        try (StatefulRedisClusterConnection<String, String> connection =
                ENV.client().connect()) {
            RedisAdvancedClusterCommands<String, String> redis = connection.sync();
            Map<String, Long> lengths = new HashMap<>();
            for (String stream : ClusterRecordingHandler.STREAMS) {
                lengths.put(stream, redis.xlen(stream));
            }
            OpsHarness.Cli redrive = OpsHarness.cliRaw("dlq", "redrive", "--handler", HANDLER, "--redis", uri);
            assertEquals(0, redrive.exit(), redrive.toString());
            assertTrue(
                    redrive.out().contains(dead + " matched, " + dead + " redriven, 0 left in place"),
                    redrive.toString());
            for (String stream : ClusterRecordingHandler.STREAMS) {
                assertEquals(
                        lengths.get(stream) + deadByStream.get(stream).size(),
                        redis.xlen(stream),
                        "each dead letter back on its own stream");
                // Still failing for good: each copy is dead-lettered again, in its stream's slot.
                String dlq = "eventbus:dlq:{" + stream + "}:" + HANDLER;
                Streams.await(
                        "the copies of " + stream + " dead-lettered again",
                        Duration.ofSeconds(30),
                        () -> redis.xrange(dlq, io.lettuce.core.Range.create("-", "+")).stream()
                                        .filter(m -> m.getBody().keySet().stream()
                                                .anyMatch(k -> k.endsWith("eventbus-redrive-of")))
                                        .count()
                                == deadByStream.get(stream).size());
                Streams.await(
                        "the pending list of " + stream + " empty",
                        Duration.ofSeconds(30),
                        () -> redis.xpending(stream, HANDLER).getCount() == 0);
            }
        }
    }

    private static int compareIds(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return c != 0 ? c : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }

    private Set<String> applied() {
        return ENV.orders().calls().stream()
                .filter(ReceivedCall::applied)
                .map(ReceivedCall::orderId)
                .collect(Collectors.toSet());
    }
}
