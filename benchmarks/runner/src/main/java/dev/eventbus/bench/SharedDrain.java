package dev.eventbus.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outside half of a drain shared by several scenario JVMs of one system
 * ({@link Scenario#DRAIN_NOOP_PAIR}); the inside half is {@link ScenarioMain}'s. No one process sees
 * the whole drain, so this one times it from Redis: the measured window opens when the group's
 * {@code entries-read} crosses the warm-up mark and closes when the group has read every entry and
 * has nothing pending (the single-process drain's end), polling {@code XINFO GROUPS} every
 * millisecond. CPU is both processes' over that window. Afterwards it merges the processes'
 * {@link Coverage}: every event must have been handled by one of them (nothing lost), and events
 * handled more than once are counted as duplicates.
 */
final class SharedDrain {

    /** Where the processes count themselves in before they start their consumers together. */
    static final String BARRIER_KEY = "bench:barrier";

    private SharedDrain() {}

    /** One scenario JVM of the drain and the file its coverage goes to. */
    record Part(ScenarioJvm jvm, Path coverage) {}

    /** Watches the drain to its end, then collects and checks the parts' figures. */
    static Map<String, Double> run(RedisOps ops, long events, long warm, long timeoutSeconds, List<Part> parts)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        String group = awaitGroup(ops, parts, deadline);
        long warmAt = 0;
        long readAtWarm = 0;
        long cpuAtWarm = 0;
        long maxPending = 0;
        long end;
        long endEpochMicros;
        long cpuAtEnd;
        while (true) {
            RedisOps.GroupState g = ops.group(group);
            long now = System.nanoTime();
            maxPending = Math.max(maxPending, g.pending());
            if (warmAt == 0 && g.entriesRead() >= warm) {
                warmAt = now;
                readAtWarm = g.entriesRead();
                cpuAtWarm = cpu(parts);
            }
            if (g.pending() == 0 && g.entriesRead() >= events) {
                end = now;
                endEpochMicros = Probe.epochMicros();
                cpuAtEnd = cpu(parts);
                break;
            }
            if (now > deadline) {
                throw new IllegalStateException("group " + group + " not drained after " + timeoutSeconds + " s: " + g);
            }
            for (Part p : parts) {
                // A process ends only once it saw the group drained: look again before calling it a crash.
                if (!p.jvm().isAlive() && !drained(ops.group(group), events)) {
                    throw new IllegalStateException("a scenario JVM ended before the group was drained; log: "
                            + p.jvm().log());
                }
            }
            Thread.sleep(1);
        }
        if (end <= warmAt) {
            throw new IllegalStateException("the measured window is empty: raise --events");
        }

        Map<String, Double> f = new LinkedHashMap<>();
        long[] seen = new long[(int) ((events + 63) / 64)];
        long[] twice = new long[seen.length];
        long handled = 0;
        long fewest = Long.MAX_VALUE;
        long firstStart = Long.MAX_VALUE;
        double rssPeak = 0;
        double errors = 0;
        double outOfOrder = 0;
        for (int i = 0; i < parts.size(); i++) {
            Map<String, Double> v = parts.get(i).jvm().await(60);
            long n = v.get("handled").longValue();
            f.put("handled_" + (i + 1), (double) n);
            handled += n;
            fewest = Math.min(fewest, n);
            firstStart = Math.min(firstStart, v.get("started_at_epoch_us").longValue());
            rssPeak = Math.max(rssPeak, v.get("rss_peak_mb"));
            errors += v.get("errors");
            outOfOrder += v.get("out_of_order");
            long[] words = Coverage.read(parts.get(i).coverage(), events);
            for (int w = 0; w < seen.length; w++) {
                twice[w] |= seen[w] & words[w];
                seen[w] |= words[w];
            }
        }
        long distinct = 0;
        long acrossProcesses = 0;
        for (int w = 0; w < seen.length; w++) {
            distinct += Long.bitCount(seen[w]);
            acrossProcesses += Long.bitCount(twice[w]);
        }
        long pendingAfter = ops.group(group).pending();
        double seconds = (end - warmAt) / 1e9;
        double totalSeconds = (endEpochMicros - firstStart) / 1e6;
        f.put("events", (double) events);
        f.put("measured_events", (double) (events - readAtWarm));
        f.put("seconds", seconds);
        f.put("events_per_s", (events - readAtWarm) / seconds);
        f.put("total_s", totalSeconds);
        f.put("events_per_s_from_start", events / totalSeconds);
        if (cpuAtWarm >= 0 && cpuAtEnd >= 0) {
            f.put("cpu_pct", 100.0 * (cpuAtEnd - cpuAtWarm) / (end - warmAt));
        }
        f.put("max_pending", (double) maxPending);
        f.put("pending_after", (double) pendingAfter);
        f.put("lost", (double) (events - distinct));
        f.put("duplicates", (double) (handled - distinct));
        f.put("duplicates_across_processes", (double) acrossProcesses);
        f.put("smaller_share_pct", 100.0 * fewest / Math.max(1, handled));
        f.put("out_of_order", outOfOrder);
        f.put("errors", errors);
        f.put("rss_peak_mb", rssPeak);
        if (distinct != events || pendingAfter != 0 || errors != 0) {
            throw new IllegalStateException((events - distinct) + " of " + events + " events never handled, "
                    + pendingAfter + " pending, " + (long) errors + " errors");
        }
        return f;
    }

    /** The one consumer group the processes create on the fresh stream. */
    private static String awaitGroup(RedisOps ops, List<Part> parts, long deadline) throws InterruptedException {
        while (true) {
            List<String> groups = ops.groupNames();
            if (groups.size() == 1) {
                return groups.get(0);
            }
            if (groups.size() > 1) {
                throw new IllegalStateException("expected one consumer group, found " + groups);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no consumer group was created");
            }
            for (Part p : parts) {
                if (!p.jvm().isAlive()) {
                    throw new IllegalStateException("a scenario JVM ended before it created its group; log: "
                            + p.jvm().log());
                }
            }
            Thread.sleep(1);
        }
    }

    private static boolean drained(RedisOps.GroupState g, long events) {
        return g.pending() == 0 && g.entriesRead() >= events;
    }

    /** The processes' CPU time so far, or -1 when the OS does not tell. */
    private static long cpu(List<Part> parts) {
        long sum = 0;
        for (Part p : parts) {
            long n = Probe.cpuNanos(p.jvm().handle());
            if (n < 0) {
                return -1;
            }
            sum += n;
        }
        return sum;
    }
}
