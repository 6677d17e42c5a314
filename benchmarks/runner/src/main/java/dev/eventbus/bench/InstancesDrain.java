package dev.eventbus.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@link Scenario#ORDERED_INSTANCES}: an ordered drain (no-op handler,
 * {@code ordered-by-subject = true}) by N Eventbus instances, each {@code bin/eventbus run} in a
 * process of its own ({@link EventbusProcess}), of a stream of {@link #PARTITIONS} partitions, or
 * by one instance of the unpartitioned stream. The backlog waits before the instances start, but
 * their group is created at the stream's end, so they read nothing until every partition is owned
 * as rendezvous hashing assigns it over the N instances; then the group is moved back to the start
 * ({@code XGROUP SETID 0}) and they drain. Timed from Redis: from the group's acknowledged entries
 * (entries-read - pending, over all partitions) passing the warm-up share to every entry read and
 * acknowledged. Not thread-safe.
 */
final class InstancesDrain {

    /** Partitions of the partitioned stream: as many as the cluster rows have. */
    static final int PARTITIONS = ClusterOps.PARTITIONS;
    /** The no-op plugin's handler, and so its consumer group. */
    static final String HANDLER = "bench-noop";

    private InstancesDrain() {}

    /** {@code unpartitioned} (one instance) or {@code partitioned-N} (N instances). */
    static Map<String, Double> run(
            Settings settings, String system, String redisUri, Path scratch, Path logs, String name) throws Exception {
        boolean partitioned = system.startsWith("partitioned-");
        int instances = partitioned ? Integer.parseInt(system.substring("partitioned-".length())) : 1;
        long events = settings.drainEvents();
        long warm = (long) (events * settings.warmFraction());
        // Plus 90 s: up to three JVMs start and take their partitions first, slowly on a loaded machine.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.childTimeoutSeconds() + 90L);
        List<EventbusProcess> started = new ArrayList<>();
        try (PartitionOps ops = new PartitionOps(redisUri, partitioned ? PARTITIONS : 1);
                RedisOps stats = new RedisOps(redisUri)) {
            ops.fill(events, settings.orderedSubjects());
            ops.createGroupsAtEnd(HANDLER);
            List<String> names = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 1; i <= instances; i++) {
                String instance = "bench-" + i;
                names.add(instance);
                started.add(EventbusProcess.start(
                        settings,
                        redisUri,
                        instance,
                        ops.partitions(),
                        scratch,
                        logs.resolve(name + "-" + i + ".log")));
            }
            while (!(partitioned
                    ? ops.ownedAsAssigned(HANDLER, names)
                    : ops.consumers(HANDLER).containsAll(names))) {
                check(started, deadline, "the instances did not take their partitions");
                Thread.sleep(20);
            }
            long ready = System.nanoTime();
            ops.rewindGroups(HANDLER);
            long total = events + ops.partitions(); // and the wake-up entries
            long warmAt = 0;
            long warmAcked = 0;
            long warmCpu = 0;
            double warmRedisCpu = 0;
            PartitionOps.Progress p;
            long polls = 0;
            while (true) {
                p = ops.progress(HANDLER);
                long now = System.nanoTime();
                if (warmAt == 0 && p.ackedTotal() >= warm) {
                    warmAt = now;
                    warmAcked = p.ackedTotal();
                    warmCpu = cpu(started);
                    warmRedisCpu = redisCpuSeconds(stats);
                }
                if (p.ackedTotal() >= total && p.pendingTotal() == 0) {
                    break;
                }
                if (++polls % 100 == 0) {
                    check(
                            started,
                            deadline,
                            "the instances did not drain the backlog (" + p.ackedTotal() + " of " + events
                                    + " acknowledged, " + p.pendingTotal() + " pending)");
                }
                Thread.sleep(1);
            }
            long end = System.nanoTime();
            long cpu = cpu(started) - warmCpu;
            double redisCpu = redisCpuSeconds(stats) - warmRedisCpu;
            double seconds = (end - warmAt) / 1e9;
            Map<String, Double> f = new LinkedHashMap<>();
            f.put("instances", (double) instances);
            f.put("partitions", (double) ops.partitions());
            f.put("events", (double) events);
            f.put("measured_events", (double) (total - warmAcked));
            f.put("seconds", seconds);
            f.put("events_per_s", (total - warmAcked) / seconds);
            f.put("events_per_s_per_instance", (total - warmAcked) / seconds / instances);
            f.put("ready_s", (ready - t0) / 1e9);
            f.put("cpu_pct", 100.0 * cpu / (end - warmAt));
            f.put("cpu_us_per_event", cpu / 1e3 / (total - warmAcked));
            f.put("pending_after", (double) p.pendingTotal());
            f.put("lost", (double) (total - p.ackedTotal()));
            // Redis's CPU includes the fill's tail and this runner's polls (XINFO GROUPS per partition every ms).
            f.put("redis_cpu_pct", 100.0 * redisCpu / seconds);
            f.put("redis_cpu_us_per_event", redisCpu * 1e6 / (total - warmAcked));
            // Reads: XREADGROUP, or on owned partitions the lease-checked read script (EVAL); XREAD waits.
            Map<String, Long> calls = stats.commandCalls();
            long reads = calls.getOrDefault("xreadgroup", 0L)
                    + calls.getOrDefault("eval", 0L)
                    + calls.getOrDefault("evalsha", 0L);
            f.put("read_calls", (double) reads);
            f.put("xread_calls", (double) calls.getOrDefault("xread", 0L));
            f.put("entries_per_read", reads == 0 ? 0.0 : (double) events / reads);
            if (ops.length() != total || p.ackedTotal() != total) {
                throw new IllegalStateException("acknowledged " + p.ackedTotal() + " of " + total + " entries");
            }
            return f;
        } finally {
            for (EventbusProcess e : started) {
                e.close();
            }
        }
    }

    /** The redis-server's CPU time so far (user + system, INFO cpu), in seconds. */
    static double redisCpuSeconds(RedisOps stats) {
        return RedisOps.cpuSeconds(stats.sync().info("cpu"));
    }

    /** CPU time of the instances' JVMs (bin/eventbus execs java, so the process is the JVM). */
    static long cpu(List<EventbusProcess> instances) {
        long n = 0;
        for (EventbusProcess e : instances) {
            n += Math.max(0, Probe.cpuNanos(e.handle()));
        }
        return n;
    }

    static void check(List<EventbusProcess> instances, long deadline, String what) {
        for (EventbusProcess e : instances) {
            e.checkAlive();
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(what + " in time");
        }
    }
}
