package dev.eventbus.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The Redis Cluster scenarios, in a {@link ScenarioMain} JVM: the stream is partitioned
 * ({@link ClusterOps#PARTITIONS} keys whose slots lie on the cluster's 3 primaries); {@code seeds}
 * names the nodes.
 *
 * <ul>
 *   <li>{@code kind=cluster-drain}: the partitions hold {@code events} entries; the consumer
 *       drains them. Throughput counts the events after the first {@code warm} up to the moment
 *       every event was handled and nothing is pending in any partition.</li>
 *   <li>{@code kind=cluster-failover}: {@code warm} events are produced and handled, then the
 *       primary of partition 0 is killed with SIGKILL and {@code after} events are produced to
 *       partition 0, each tried again every 20 ms until the cluster takes it. The figure is the time
 *       from the kill to the first of those events handled (they carry the kill's time as
 *       {@code ts}).</li>
 * </ul>
 */
final class ClusterScenario {

    private ClusterScenario() {}

    /** A consumer of the partitioned stream: Eventbus or the reference. */
    private interface Consumer extends AutoCloseable {
        String group();
    }

    private static Consumer consumer(Map<String, String> a, Progress progress) {
        String seeds = a.get("seeds");
        if ("reference".equals(a.get("system"))) {
            ClusterReferenceConsumer ref = new ClusterReferenceConsumer(seeds, "reference-1", progress);
            ref.start();
            return new Consumer() {
                public String group() {
                    return ClusterReferenceConsumer.GROUP;
                }

                public void close() throws Exception {
                    ref.close();
                }
            };
        }
        EventbusHarness eb = new EventbusHarness(
                ClusterOps.uri(seeds),
                Path.of(a.get("plugins")),
                "bench-1",
                null,
                Boolean.parseBoolean(a.getOrDefault("ordered", "false")),
                partitioned(a)
                        ? Map.of("eventbus.streams.\"" + Wire.STREAM + "\".partitions", ClusterOps.PARTITIONS)
                        : Map.of(),
                progress);
        eb.start();
        return new Consumer() {
            public String group() {
                return eb.group();
            }

            public void close() {
                // Not stopped: the JVM exits next (as in ScenarioMain).
            }
        };
    }

    /** Whether the stream is partitioned: in every system but {@code single-key} of {@link Scenario#ORDERED_CLUSTER}. */
    static boolean partitioned(Map<String, String> a) {
        return !"single-key".equals(a.get("system"));
    }

    static Map<String, Double> drain(Map<String, String> a) throws Exception {
        long events = Long.parseLong(a.get("events"));
        long warm = Long.parseLong(a.get("warm"));
        long subjects = Long.parseLong(a.getOrDefault("subjects", "0"));
        Duration timeout = Duration.ofSeconds(Long.parseLong(a.get("timeout")));
        Coverage coverage = new Coverage(events, subjects);
        // The one-node drain's window (events firstFrom to firstTo), timed within the longer backlog.
        long firstFrom = Long.parseLong(a.getOrDefault("firstFrom", "0"));
        long firstTo = Long.parseLong(a.getOrDefault("firstTo", "0"));
        Progress progress = new Progress(warm, events, coverage, firstFrom, firstTo);
        Map<String, Double> f = new LinkedHashMap<>();
        try (ClusterOps ops = new ClusterOps(a.get("seeds"), Duration.ofSeconds(10), partitioned(a))) {
            long length = ops.length();
            if (length != events) {
                throw new IllegalStateException("partitions hold " + length + " entries, expected " + events);
            }
            ScenarioMain.log(
                    "cluster drain of %d events over %d key(s) on %s primaries (%s) starting",
                    events, ops.keys().size(), ops.spread(), a.get("system"));
            long serverCpu = ops.serverCpuMicros();
            long t0 = System.nanoTime();
            String group;
            try (Consumer consumer = consumer(a, progress)) {
                group = consumer.group();
                f.put("start_s", (System.nanoTime() - t0) / 1e9);
                progress.await(events, timeout, "cluster drain");
                long end = ops.awaitNothingPending(group, Duration.ofSeconds(30));
                long cpu = Probe.cpuNanos();
                ScenarioMain.log("drained");
                double seconds = (end - progress.warmAt()) / 1e9;
                f.put("events", (double) events);
                f.put("measured_events", (double) (events - warm));
                f.put("seconds", seconds);
                f.put("events_per_s", (events - warm) / seconds);
                f.put("total_s", (end - t0) / 1e9);
                f.put("cpu_pct", 100.0 * (cpu - progress.warmCpu()) / (end - progress.warmAt()));
                f.put("cpu_us_per_event", (cpu - progress.warmCpu()) / 1e3 / (events - warm));
                // The last half alone: on 2 cores the JIT compiles Eventbus's event path into the
                // window above, so this tells the steady state apart from the warm-up.
                long late = events - events / 2;
                f.put("late_events_per_s", late / ((end - progress.lateAt()) / 1e9));
                f.put("late_cpu_us_per_event", (cpu - progress.lateCpu()) / 1e3 / late);
                if (firstTo > firstFrom) {
                    long first = firstTo - firstFrom;
                    long took = progress.at(firstTo) - progress.at(firstFrom);
                    f.put("first_events_per_s", first / (took / 1e9));
                    f.put(
                            "first_cpu_us_per_event",
                            (progress.cpuAt(firstTo) - progress.cpuAt(firstFrom)) / 1e3 / first);
                }
            }
            f.put("server_cpu_us_per_event", (ops.serverCpuMicros() - serverCpu) / (double) events);
            long pending = ops.pending(group);
            Map<String, Long> calls = ops.commandCalls();
            f.put("xreadgroup_calls", (double) calls.getOrDefault("xreadgroup", 0L));
            f.put("xack_calls", (double) calls.getOrDefault("xack", 0L));
            if (calls.getOrDefault("xreadgroup", 0L) > 0) {
                f.put("entries_per_read", (double) events / calls.get("xreadgroup"));
            }
            f.put("pending_after", (double) pending);
            f.put("errors", (double) progress.errors());
            f.put("duplicates", (double) coverage.duplicates());
            f.put("out_of_order", (double) coverage.outOfOrder());
            if (pending != 0
                    || coverage.distinct() != events
                    || progress.errors() != 0
                    || coverage.foreign() != 0
                    || coverage.outOfOrder() != 0) {
                throw new IllegalStateException("cluster drain left " + pending + " pending, "
                        + (events - coverage.distinct()) + " of " + events + " events never handled, "
                        + progress.errors() + " errors, " + coverage.outOfOrder() + " out of order");
            }
        }
        f.put("rss_peak_mb", Probe.peakRssMb());
        return f;
    }

    static Map<String, Double> failover(Map<String, String> a) throws Exception {
        long warm = Long.parseLong(a.get("warm"));
        long after = Long.parseLong(a.get("after"));
        long events = warm + after;
        Duration timeout = Duration.ofSeconds(Long.parseLong(a.get("timeout")));
        Coverage coverage = new Coverage(events, 0);
        Progress progress = new Progress(Long.MAX_VALUE, Long.MAX_VALUE, coverage);
        Map<String, Double> f = new LinkedHashMap<>();
        try (ClusterOps ops = new ClusterOps(a.get("seeds"), Duration.ofSeconds(10));
                // 1 s: an XADD queued for the dead primary fails soon and is tried again on the promoted one.
                ClusterOps after1s = new ClusterOps(a.get("seeds"), Duration.ofSeconds(1));
                Consumer consumer = consumer(a, progress)) {
            ops.fill(0, warm);
            progress.await(warm, timeout, "before the kill");
            awaitDistinct(coverage, warm, timeout);
            ops.awaitNothingPending(consumer.group(), Duration.ofSeconds(30));
            long pid = ops.primaryPid(0);
            ScenarioMain.log("%d events handled; killing the primary of %s (pid %d)", warm, ClusterOps.key(0), pid);
            var producer = after1s.connection().sync();
            byte[] key = Wire.bytes(ClusterOps.key(0));
            long killedAt = System.nanoTime();
            progress.window(killedAt, Long.MAX_VALUE);
            if (!ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
                throw new IllegalStateException("could not kill pid " + pid);
            }
            long deadline = killedAt + timeout.toNanos();
            long firstAccepted = 0;
            long refused = 0;
            for (long i = warm; i < events; ) {
                try {
                    producer.xadd(key, Wire.event(i, killedAt));
                    if (firstAccepted == 0) {
                        firstAccepted = System.nanoTime();
                        ScenarioMain.log("first XADD after the kill accepted (%d refused)", refused);
                    }
                    i++;
                } catch (RuntimeException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the cluster took no XADD within " + timeout, e);
                    }
                    refused++;
                    LockSupport.parkNanos(20_000_000L);
                }
            }
            awaitDistinct(coverage, events, timeout);
            long allHandled = System.nanoTime();
            Histogram h = progress.latency();
            ScenarioMain.log("all %d events after the kill handled", after);
            f.put("failover_ms", h.getMinValue() / 1e6);
            f.put("first_xadd_ms", (firstAccepted - killedAt) / 1e6);
            f.put("all_handled_ms", (allHandled - killedAt) / 1e6);
            f.put("refused_xadds", (double) refused);
            f.put("events", (double) events);
            f.put("after_kill", (double) after);
            f.put("lost", (double) (events - coverage.distinct()));
            f.put("duplicates", (double) coverage.duplicates());
            f.put("errors", (double) progress.errors());
        }
        f.put("rss_peak_mb", Probe.peakRssMb());
        return f;
    }

    private static void awaitDistinct(Coverage coverage, long count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (coverage.distinct() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "only " + coverage.distinct() + " of " + count + " events handled within " + timeout);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
