package dev.eventbus.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * One scenario for one system, in a JVM of its own (so that its peak RSS is its own), started by
 * {@link Benchmark}. Arguments are {@code key=value}; the figures go to the file named by
 * {@code out} as properties, with {@code ok=true}, or {@code ok=false} and {@code error}.
 *
 * <ul>
 *   <li>{@code kind=drain}: the stream holds {@code events} entries over {@code subjects}
 *       subjects (0: one per event); the consumer drains them, with {@code ordered=true} Eventbus
 *       orders by subject. Throughput counts the events after the first {@code warm}, up to the
 *       moment the group has nothing pending and has read every entry. Every event must be handled
 *       (duplicates are counted) and, with subjects, each subject's events in stream order.</li>
 *   <li>{@code kind=drain} with {@code processes=N} above 1: one of N scenario JVMs sharing the
 *       group as consumer {@code consumer}. They start their consumers together (a barrier in
 *       Redis), each waits until the group is drained, and reports what it handled, writing its
 *       {@link Coverage} to {@code coverage}; {@link SharedDrain} times the drain from outside and
 *       merges the coverage.</li>
 *   <li>{@code kind=latency}: the stream starts empty. {@code prewarm} events are added at full
 *       speed and drained (JIT warm-up), then a producer in this JVM adds events at {@code rate}
 *       per second, each carrying {@code ts} = its {@link System#nanoTime()} at XADD, for
 *       {@code warmSeconds} (not recorded) and {@code measureSeconds} (recorded).</li>
 * </ul>
 */
public final class ScenarioMain {

    private ScenarioMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Path out = Path.of(a.get("out"));
        Properties result = new Properties();
        try {
            Map<String, Double> figures = switch (a.get("kind")) {
                case "drain" -> drain(a);
                case "cluster-drain" -> ClusterScenario.drain(a);
                case "cluster-failover" -> ClusterScenario.failover(a);
                default -> latency(a);
            };
            figures.forEach((k, v) -> result.setProperty(k, Double.toString(v)));
            result.setProperty("ok", "true");
        } catch (Throwable t) {
            t.printStackTrace();
            result.setProperty("ok", "false");
            result.setProperty("error", t.getClass().getSimpleName() + ": " + t.getMessage());
        }
        try (Writer w = Files.newBufferedWriter(out)) {
            result.store(w, null);
        }
        System.out.flush();
        System.exit(0);
    }

    /** A progress line in the scenario's log, with the JVM's uptime. */
    static void log(String format, Object... args) {
        System.err.printf(
                "[%6.2f s] %s%n", ManagementFactory.getRuntimeMXBean().getUptime() / 1e3, String.format(format, args));
    }

    private interface Consumer extends AutoCloseable {
        String group();
    }

    private static Consumer consumer(Map<String, String> a, Progress progress) {
        String redis = a.get("redis");
        String grpc = "rpc".equals(a.get("handler")) ? a.get("grpc") : null;
        if ("reference".equals(a.get("system"))) {
            ReferenceConsumer ref =
                    new ReferenceConsumer(redis, a.getOrDefault("consumer", "reference-1"), grpc, progress);
            ref.start();
            return new Consumer() {
                public String group() {
                    return ReferenceConsumer.GROUP;
                }

                public void close() throws Exception {
                    ref.close();
                }
            };
        }
        if ("strongest".equals(a.get("system"))) {
            StrongestReferenceConsumer ref = new StrongestReferenceConsumer(
                    redis,
                    a.getOrDefault("consumer", "reference-1"),
                    grpc,
                    // More readers, each on its own connection: --jvm-flags "... -Dbench.strongest.readers=2".
                    Integer.parseInt(a.getOrDefault("readers", System.getProperty("bench.strongest.readers", "1"))),
                    progress);
            ref.start();
            return new Consumer() {
                public String group() {
                    return StrongestReferenceConsumer.GROUP;
                }

                public void close() throws Exception {
                    ref.close();
                }
            };
        }
        EventbusHarness eb = new EventbusHarness(
                redis,
                Path.of(a.get("plugins")),
                a.getOrDefault("consumer", "bench-1"),
                grpc,
                Boolean.parseBoolean(a.get("ordered")),
                progress);
        eb.start();
        return new Consumer() {
            public String group() {
                return eb.group();
            }

            public void close() {
                // Not stopped: the figures are taken and the JVM exits next. A graceful stop waits
                // for the reader's blocking XREADGROUP (consumer.block, 2 s), which is not measured.
            }
        };
    }

    private static Map<String, Double> drain(Map<String, String> a) throws Exception {
        long events = Long.parseLong(a.get("events"));
        long warm = Long.parseLong(a.get("warm"));
        long subjects = Long.parseLong(a.get("subjects"));
        int processes = Integer.parseInt(a.get("processes"));
        Duration timeout = Duration.ofSeconds(Long.parseLong(a.get("timeout")));
        Coverage coverage = new Coverage(events, subjects);
        Progress progress = new Progress(warm, events, coverage);
        Map<String, Double> f = new LinkedHashMap<>();
        try (RedisOps ops = new RedisOps(a.get("redis"))) {
            long backlog = ops.streamLength(Duration.ofSeconds(30));
            if (backlog != events) {
                throw new IllegalStateException("stream holds " + backlog + " entries, expected " + events);
            }
            if (processes > 1) {
                shared(a, ops, events, processes, timeout, progress, f);
            } else {
                alone(a, ops, events, warm, timeout, progress, f);
            }
            f.put("errors", (double) progress.errors());
            f.put("duplicates", (double) coverage.duplicates());
            f.put("out_of_order", (double) coverage.outOfOrder());
            if (progress.errors() != 0 || coverage.foreign() != 0 || coverage.outOfOrder() != 0) {
                throw new IllegalStateException(progress.errors() + " errors, " + coverage.foreign()
                        + " events not of the backlog, " + coverage.outOfOrder() + " events handled after a later "
                        + "event of their subject");
            }
        }
        f.put("rss_peak_mb", Probe.peakRssMb());
        return f;
    }

    /** The whole drain in this process: throughput over the measured window, and every event handled. */
    private static void alone(
            Map<String, String> a,
            RedisOps ops,
            long events,
            long warm,
            Duration timeout,
            Progress progress,
            Map<String, Double> f)
            throws Exception {
        log(
                "drain of %d events (%s, %s, %s subjects%s) starting",
                events,
                a.get("system"),
                a.get("handler"),
                a.get("subjects"),
                Boolean.parseBoolean(a.get("ordered")) ? ", ordered by subject" : "");
        long t0 = System.nanoTime();
        long end;
        String group;
        try (Consumer consumer = consumer(a, progress)) {
            f.put("start_s", (System.nanoTime() - t0) / 1e9);
            group = consumer.group();
            log("consumer started");
            PendingSampler sampler = new PendingSampler(a.get("redis"), group);
            progress.await(events, timeout, "drain");
            f.put("max_pending", (double) sampler.stop());
            end = ops.awaitDrained(group, events, Duration.ofSeconds(30));
            long cpu = Probe.cpuNanos();
            log("drained");
            double seconds = (end - progress.warmAt()) / 1e9;
            f.put("events", (double) events);
            f.put("measured_events", (double) (events - warm));
            f.put("seconds", seconds);
            f.put("events_per_s", (events - warm) / seconds);
            f.put("total_s", (end - t0) / 1e9);
            f.put("events_per_s_from_start", events / ((end - t0) / 1e9));
            f.put("cpu_pct", 100.0 * (cpu - progress.warmCpu()) / (end - progress.warmAt()));
            f.put("cpu_us_per_event", (cpu - progress.warmCpu()) / 1e3 / (events - warm));
            f.put("rss_end_mb", Probe.rssMb());
        }
        log("consumer stopped");
        RedisOps.GroupState state = ops.group(group);
        f.put("pending_after", (double) state.pending());
        long distinct = progress.coverage().distinct();
        if (state.pending() != 0 || distinct != events) {
            throw new IllegalStateException("drain left " + state.pending() + " pending and " + (events - distinct)
                    + " of " + events + " events never handled");
        }
    }

    /**
     * This process's part of a drain shared by {@code processes} JVMs: starts its consumer together
     * with the others, waits until the group is drained, and reports what it handled; the timing
     * and the no-loss check are {@link SharedDrain}'s, which sees every process.
     */
    private static void shared(
            Map<String, String> a,
            RedisOps ops,
            long events,
            int processes,
            Duration timeout,
            Progress progress,
            Map<String, Double> f)
            throws Exception {
        ops.barrier(SharedDrain.BARRIER_KEY, processes, timeout);
        long startedAt = Probe.epochMicros();
        log(
                "shared drain of %d events (%s, %s) starting as %s",
                events, a.get("system"), a.get("handler"), a.get("consumer"));
        try (Consumer consumer = consumer(a, progress)) {
            log("consumer started");
            ops.awaitDrainedByAll(consumer.group(), events, timeout);
            log(
                    "group drained; this process handled %d events",
                    progress.coverage().handled());
        }
        progress.coverage().write(Path.of(a.get("coverage")));
        f.put("started_at_epoch_us", (double) startedAt);
        f.put("handled", (double) progress.coverage().handled());
    }

    private static Map<String, Double> latency(Map<String, String> a) throws Exception {
        long prewarm = Long.parseLong(a.get("prewarm"));
        double rate = Double.parseDouble(a.get("rate"));
        double warmSeconds = Double.parseDouble(a.get("warmSeconds"));
        double measureSeconds = Double.parseDouble(a.get("measureSeconds"));
        Duration timeout = Duration.ofSeconds(Long.parseLong(a.get("timeout")));
        Progress progress = new Progress(Long.MAX_VALUE, Long.MAX_VALUE, null);
        Map<String, Double> f = new LinkedHashMap<>();
        RedisURI uri = RedisURI.create(a.get("redis"));
        uri.setTimeout(Duration.ofSeconds(10));
        RedisClient client = RedisClient.create(uri);
        try (RedisOps ops = new RedisOps(a.get("redis"));
                StatefulRedisConnection<byte[], byte[]> producer = client.connect(ByteArrayCodec.INSTANCE);
                Consumer consumer = consumer(a, progress)) {
            log("consumer started (%s, %s)", a.get("system"), a.get("handler"));
            ops.fill(0, prewarm);
            progress.await(prewarm, timeout, "pre-warm");
            log("%d pre-warm events drained; paced phase at %.0f/s", prewarm, rate);

            long interval = (long) (1e9 / rate);
            long total = (long) ((warmSeconds + measureSeconds) * rate);
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
            long from = start + (long) (warmSeconds * 1e9);
            long to = from + (long) (measureSeconds * 1e9);
            progress.window(from, to);
            // Async XADD: the producer's pace must not depend on round trips; ts is taken at send time.
            RedisAsyncCommands<byte[], byte[]> redis = producer.async();
            AtomicLong failedSends = new AtomicLong();
            RedisFuture<String> last = null;
            long inWindow = 0;
            long lateSends = 0;
            long cpu0 = 0;
            long cpuFrom = 0;
            for (long i = 0; i < total; i++) {
                long due = start + i * interval;
                long now;
                while ((now = System.nanoTime()) < due) {
                    LockSupport.parkNanos(due - now);
                }
                if (now - due > 1_000_000) {
                    lateSends++;
                }
                if (now >= from && cpuFrom == 0) {
                    cpuFrom = now;
                    cpu0 = Probe.cpuNanos();
                }
                last = redis.xadd(Wire.STREAM_KEY, Wire.event(prewarm + i, now));
                last.whenComplete((id, err) -> {
                    if (err != null) {
                        failedSends.incrementAndGet();
                    }
                });
                if (now >= from && now < to) {
                    inWindow++;
                }
            }
            if (last != null) {
                last.get(30, TimeUnit.SECONDS);
            }
            if (failedSends.get() > 0) {
                throw new IllegalStateException(failedSends.get() + " XADDs failed");
            }
            log("paced phase over");
            long cpuTo = System.nanoTime();
            long cpu1 = Probe.cpuNanos();
            progress.await(prewarm + total, timeout, "latency");
            ops.awaitDrained(consumer.group(), prewarm + total, Duration.ofSeconds(30));
            Histogram h = progress.latency();
            f.put("rate", rate);
            f.put("produced_in_window", (double) inWindow);
            f.put("samples", (double) h.getTotalCount());
            f.put("late_sends", (double) lateSends);
            f.put("p50_ms", h.getValueAtPercentile(50) / 1e6);
            f.put("p99_ms", h.getValueAtPercentile(99) / 1e6);
            f.put("p999_ms", h.getValueAtPercentile(99.9) / 1e6);
            f.put("max_ms", h.getMaxValue() / 1e6);
            f.put("mean_ms", h.getMean() / 1e6);
            f.put("cpu_pct", 100.0 * (cpu1 - cpu0) / Math.max(1, cpuTo - cpuFrom));
            f.put("errors", (double) progress.errors());
            if (h.getTotalCount() != inWindow || progress.errors() != 0) {
                throw new IllegalStateException("recorded " + h.getTotalCount() + " of " + inWindow
                        + " events of the window, " + progress.errors() + " errors");
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        f.put("rss_peak_mb", Probe.peakRssMb());
        return f;
    }

    /**
     * Samples the group's pending-entries list every 50 ms: entries read but not yet acknowledged.
     * The reference never has more than one read (500) pending.
     */
    private static final class PendingSampler {
        private final Thread thread;
        private volatile boolean stopping;
        private volatile long max;

        PendingSampler(String redisUri, String group) {
            thread = Thread.ofPlatform().daemon(true).name("pending-sampler").start(() -> {
                try (RedisOps ops = new RedisOps(redisUri)) {
                    while (!stopping) {
                        max = Math.max(max, ops.group(group).pending());
                        Thread.sleep(50);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    log("pending sampler: %s", e);
                }
            });
        }

        long stop() throws InterruptedException {
            stopping = true;
            thread.join(2_000);
            return max;
        }
    }
}
