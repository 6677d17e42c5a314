package dev.eventbus.bench;

import dev.eventbus.runtime.ownership.Rendezvous;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@link Scenario#REBALANCE}: two Eventbus instances ({@link EventbusProcess}) own the
 * {@link InstancesDrain#PARTITIONS} partitions of an ordered handler while a producer adds events
 * at a fixed rate; a third instance joins, then the first one is stopped with SIGTERM. Each change
 * is timed until every partition's lease is held by the instance rendezvous hashing assigns it to
 * over the new set of instances (read from the leases in Redis) and every partition has
 * acknowledged an event since (events flowing again). The join is timed from the newcomer's first
 * heartbeat in the instance registry (and, apart, from its process start); the leave from the
 * SIGTERM. At the end every event produced must be acknowledged, with nothing pending.
 */
final class Rebalance {

    private Rebalance() {}

    static Map<String, Double> run(Settings settings, String redisUri, Path scratch, Path logs, String name)
            throws Exception {
        boolean smoke = settings.mode().equals("smoke");
        double rate = smoke ? 1_000 : 2_000;
        // Plus 90 s: up to three JVMs start and take their partitions first, slowly on a loaded machine.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.childTimeoutSeconds() + 90L);
        String handler = InstancesDrain.HANDLER;
        List<EventbusProcess> started = new ArrayList<>();
        Map<String, Double> f = new LinkedHashMap<>();
        try (PartitionOps ops = new PartitionOps(redisUri, InstancesDrain.PARTITIONS)) {
            ops.createGroupsAtEnd(handler);
            for (int i = 1; i <= 2; i++) {
                started.add(EventbusProcess.start(
                        settings,
                        redisUri,
                        "bench-" + i,
                        ops.partitions(),
                        scratch,
                        logs.resolve(name + "-" + i + ".log")));
            }
            List<String> live = new ArrayList<>(List.of("bench-1", "bench-2"));
            while (!ops.ownedAsAssigned(handler, live)) {
                InstancesDrain.check(started, deadline, "two instances did not take their partitions");
                Thread.sleep(20);
            }
            try (PacedProducer producer = new PacedProducer(redisUri, ops, settings.orderedSubjects(), rate)) {
                Thread.sleep(smoke ? 1_000 : 3_000);
                awaitFlowing(ops, handler, ops.progress(handler), started, deadline);

                EventbusProcess third = EventbusProcess.start(
                        settings, redisUri, "bench-3", ops.partitions(), scratch, logs.resolve(name + "-3.log"));
                started.add(third);
                while (!ops.registered().contains("bench-3")) {
                    InstancesDrain.check(started, deadline, "the third instance did not heartbeat");
                    Thread.sleep(2);
                }
                long heartbeat = System.nanoTime();
                live.add("bench-3");
                long owned = awaitOwned(ops, handler, live, started, deadline);
                long flowing = awaitFlowing(ops, handler, ops.progress(handler), started, deadline);
                f.put("join_ms", (flowing - heartbeat) / 1e6);
                f.put("join_owned_ms", (owned - heartbeat) / 1e6);
                f.put("join_from_start_ms", (flowing - third.startedAt()) / 1e6);
                f.put("joiner_partitions", (double) assigned(ops, handler, live, "bench-3"));

                f.put("leaver_partitions", (double) assigned(ops, handler, live, "bench-1"));
                EventbusProcess first = started.removeFirst();
                long term = System.nanoTime();
                first.terminate();
                live.remove("bench-1");
                owned = awaitOwned(ops, handler, live, started, deadline);
                flowing = awaitFlowing(ops, handler, ops.progress(handler), started, deadline);
                f.put("leave_ms", (flowing - term) / 1e6);
                f.put("leave_owned_ms", (owned - term) / 1e6);
                if (!first.awaitExit(60)) {
                    throw new IllegalStateException("the stopped instance did not exit within 60 s");
                }
                f.put("leave_exit_ms", (System.nanoTime() - term) / 1e6);

                long produced = producer.stop();
                PartitionOps.Progress p;
                while ((p = ops.progress(handler)).ackedTotal() < produced || p.pendingTotal() != 0) {
                    InstancesDrain.check(
                            started,
                            deadline,
                            "the instances did not handle every event ("
                                    + ops.progress(handler).ackedTotal() + " of " + produced + ")");
                    Thread.sleep(5);
                }
                f.put("events", (double) produced);
                f.put("rate", rate);
                f.put("lost", (double) (produced - p.ackedTotal()));
                f.put("pending_after", (double) p.pendingTotal());
                if (ops.length() != produced) {
                    throw new IllegalStateException(
                            "the stream holds " + ops.length() + " entries, " + produced + " produced");
                }
            }
            return f;
        } finally {
            for (EventbusProcess e : started) {
                e.close();
            }
        }
    }

    /** Partitions rendezvous hashing assigns to {@code instance} among {@code live}. */
    private static int assigned(PartitionOps ops, String handler, List<String> live, String instance) {
        int n = 0;
        for (int i = 0; i < ops.partitions(); i++) {
            if (instance.equals(Rendezvous.owner(handler + "@" + ops.key(i), live))) {
                n++;
            }
        }
        return n;
    }

    /** Waits until every partition's lease is held by its assigned owner among {@code live}; returns that moment. */
    private static long awaitOwned(
            PartitionOps ops, String handler, List<String> live, List<EventbusProcess> running, long deadline)
            throws Exception {
        while (!ops.ownedAsAssigned(handler, live)) {
            InstancesDrain.check(running, deadline, "the partitions were not owned as assigned to " + live);
            Thread.sleep(2);
        }
        return System.nanoTime();
    }

    /** Waits until every partition has acknowledged more than in {@code since}; returns that moment. */
    private static long awaitFlowing(
            PartitionOps ops, String handler, PartitionOps.Progress since, List<EventbusProcess> running, long deadline)
            throws Exception {
        boolean[] moved = new boolean[ops.partitions()];
        int left = moved.length;
        while (left > 0) {
            PartitionOps.Progress now = ops.progress(handler);
            for (int i = 0; i < moved.length; i++) {
                if (!moved[i] && now.acked()[i] > since.acked()[i]) {
                    moved[i] = true;
                    left--;
                }
            }
            if (left > 0) {
                InstancesDrain.check(running, deadline, left + " partition(s) acknowledged nothing");
                Thread.sleep(2);
            }
        }
        return System.nanoTime();
    }
}
