package dev.eventbus.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The figures of a benchmark run: medians over the repetitions of each figure, for the reference
 * and for Eventbus, and the ratio Eventbus / reference next to the target it is held to; a few
 * rows instead hold each system's ratio of two of its own scenarios (ordering on / off, pair /
 * single process), and their target holds the Eventbus figure. Prints a table and writes
 * {@code benchmark.json}.
 */
final class Report {

    /**
     * One line of the table.
     *
     * @param higherIsBetter whether a ratio above 1 favours Eventbus (throughput) or not (latency, memory)
     * @param limit the ratio target ({@code null}: informative only)
     * @param ownRatioOf {@code null} for a figure of both systems compared by the ratio Eventbus /
     *     reference; otherwise the two scenarios ("a / b") each system's figure is the ratio of, in
     *     the same run: such a row has no ratio, and its target holds the Eventbus figure
     * @param absolute whether the target holds the Eventbus figure itself, not a ratio
     * @param eventbusOnly whether only Eventbus has the figure (the reference column stays empty)
     */
    record Row(
            String figure,
            String unit,
            Double reference,
            Double eventbus,
            boolean higherIsBetter,
            Double limit,
            String ownRatioOf,
            boolean absolute,
            boolean eventbusOnly) {

        Row(
                String figure,
                String unit,
                Double reference,
                Double eventbus,
                boolean higherIsBetter,
                Double limit,
                String ownRatioOf,
                boolean absolute) {
            this(figure, unit, reference, eventbus, higherIsBetter, limit, ownRatioOf, absolute, false);
        }

        Row(
                String figure,
                String unit,
                Double reference,
                Double eventbus,
                boolean higherIsBetter,
                Double limit,
                String ownRatioOf) {
            this(figure, unit, reference, eventbus, higherIsBetter, limit, ownRatioOf, false, false);
        }

        Double ratio() {
            return ownRatioOf != null || reference == null || eventbus == null || reference == 0
                    ? null
                    : eventbus / reference;
        }

        /**
         * Whether the ratio (own-ratio rows and absolute targets: the Eventbus figure) meets the
         * target; {@code null} without one.
         */
        Boolean meets() {
            Double r = ownRatioOf != null || absolute ? eventbus : ratio();
            if (limit == null || r == null) {
                return null;
            }
            return higherIsBetter ? r >= limit : r <= limit;
        }

        /** Indented rows explain the figure above them; they may legitimately be zero. */
        boolean diagnostic() {
            return figure.startsWith("  ");
        }

        String target() {
            return limit == null ? "" : (higherIsBetter ? ">= " : "<= ") + fmt(limit) + (absolute ? " " + unit : "x");
        }
    }

    /** Which runtime build was measured: the JAR's name, newest entry time, size and SHA-256 prefix. */
    static final String RUNTIME = runtimeJar();

    private final Settings settings;
    private final List<Benchmark.Run> runs;
    private final String redisVersion;
    private final double minutes;
    private final Double loadMedian;
    private final Double loadMax;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    /** How rows that are not plain Eventbus-vs-reference comparisons were measured. */
    private final List<String> notes = new ArrayList<>();

    Report(
            Settings settings,
            List<Scenario> scenarios,
            List<Benchmark.Run> runs,
            String redisVersion,
            double minutes,
            Double loadMedian,
            Double loadMax) {
        this.settings = settings;
        this.loadMedian = loadMedian;
        this.loadMax = loadMax;
        this.runs = List.copyOf(runs);
        this.redisVersion = redisVersion;
        this.minutes = minutes;
        for (Benchmark.Run r : runs) {
            if (!r.ok()) {
                problems.add("rep " + r.rep() + " " + r.scenario().id + " " + r.system() + " failed: " + r.error());
            }
        }
        build(scenarios);
    }

    private void build(List<Scenario> scenarios) {
        String noopRate = String.format(Locale.ROOT, "%,.0f/s", settings.noopRate());
        String rpcRate = String.format(Locale.ROOT, "%,.0f/s", settings.rpcRate());
        for (Scenario s : scenarios) {
            switch (s) {
                case DRAIN_NOOP -> {
                    String n = String.format(Locale.ROOT, "%,d", settings.drainEvents());
                    rows.add(row("no-op drain, " + n + " backlog", "events/s", s, "events_per_s", true, 0.9));
                    rows.add(vs(
                            STRONGEST,
                            "  vs strongest reference (overlapped reads, async acks)",
                            "events/s",
                            s,
                            "events_per_s",
                            true,
                            1.0));
                    rows.add(row("  client CPU (measured window)", "% core", s, "cpu_pct", false, null));
                    rows.add(row("client CPU per event (measured window)", "us", s, "cpu_us_per_event", false, null));
                    rows.add(vs(STRONGEST, "  vs strongest reference", "us", s, "cpu_us_per_event", false, 1.15));
                    rows.add(row("  entries per XREADGROUP", "entries", s, "entries_per_read", true, null));
                    rows.add(vs(
                            STRONGEST,
                            "  entries per XREADGROUP, strongest reference",
                            "entries",
                            s,
                            "entries_per_read",
                            true,
                            null));
                    rows.add(row("  XACK calls", "calls", s, "xack_calls", false, null));
                    rows.add(row(
                            "  peak pending entries (PEL, 50 ms samples)", "entries", s, "max_pending", false, null));
                    rows.add(row("peak RSS, no-op drain " + n, "MB", s, "rss_peak_mb", false, 1.2));
                }
                case ORDERED_BY_SUBJECT -> {
                    String n = String.format(Locale.ROOT, "%,d", settings.orderedSubjects());
                    rows.add(row(
                            "no-op drain ordered by subject, " + n + " subjects",
                            "events/s",
                            s,
                            "events_per_s",
                            true,
                            null));
                    rows.add(own(
                            "ordering on / off (ordered / no-op drain)", s, Scenario.DRAIN_NOOP, "events_per_s", 0.8));
                    rows.add(row("  client CPU (measured window)", "% core", s, "cpu_pct", false, null));
                    rows.add(row("  entries per XREADGROUP", "entries", s, "entries_per_read", true, null));
                    rows.add(row(
                            "  peak pending entries (PEL, 50 ms samples)", "entries", s, "max_pending", false, null));
                    notes.add("ordered-by-subject: the no-op backlog over " + n + " subjects in turn; Eventbus with "
                            + "ordered-by-subject = true; the reference is the drain-noop loop unchanged (one thread "
                            + "handling each read in stream order is ordered by construction). A run in which an event "
                            + "was handled after a later one of its subject fails. The 0.8x target holds Eventbus's "
                            + "ordered / unordered throughput; the reference's shows the run's noise.");
                }
                case DRAIN_NOOP_PAIR -> {
                    rows.add(row(
                            "no-op drain, 2 processes sharing the group", "events/s", s, "events_per_s", true, null));
                    rows.add(own(
                            "pair / single process (pair / no-op drain)",
                            s,
                            Scenario.DRAIN_NOOP,
                            "events_per_s",
                            null));
                    rows.add(own(
                            "  the same from consumer start to drained",
                            s,
                            Scenario.DRAIN_NOOP,
                            "events_per_s_from_start",
                            null));
                    rows.add(row("  events handled twice", "events", s, "duplicates", false, null));
                    rows.add(row("  smaller process's share of the events", "%", s, "smaller_share_pct", true, null));
                    rows.add(
                            row("  client CPU, both processes (measured window)", "% core", s, "cpu_pct", false, null));
                    rows.add(row("  entries per XREADGROUP", "entries", s, "entries_per_read", true, null));
                    notes.add("drain-noop-pair: two JVMs of each system share the group (consumers -1 and -2), "
                            + "started together; timed from Redis, from the group's entries-read passing the "
                            + "warm-up share to the group drained. A run fails unless every event was handled by one "
                            + "of the two and nothing stayed pending; duplicates are counted. Both processes share the box's CPUs with Redis: on 2 cores "
                            + "a pair is not expected to double.");
                }
                case DRAIN_NOOP_SMALL -> {
                    String n = String.format(Locale.ROOT, "%,d", settings.smallDrainEvents());
                    rows.add(row("peak RSS, no-op drain " + n, "MB", s, "rss_peak_mb", false, 1.2));
                    if (scenarios.contains(Scenario.DRAIN_NOOP)) {
                        rows.add(derived(
                                "  RSS growth " + String.format(Locale.ROOT, "%,d", settings.drainEvents()) + " / " + n
                                        + " backlog (flat = 1.0)",
                                "x",
                                (big, small) -> big / small,
                                Scenario.DRAIN_NOOP,
                                s,
                                "rss_peak_mb"));
                    }
                }
                case DRAIN_RPC -> {
                    String n = String.format(Locale.ROOT, "%,d", settings.rpcEvents());
                    rows.add(row("gRPC drain, " + n + " backlog", "events/s", s, "events_per_s", true, 0.9));
                    rows.add(vs(
                            STRONGEST,
                            "  vs strongest reference (async calls, reads not waiting)",
                            "events/s",
                            s,
                            "events_per_s",
                            true,
                            1.0));
                    rows.add(row("  client CPU (measured window)", "% core", s, "cpu_pct", false, null));
                    rows.add(row("client CPU per event, gRPC drain", "us", s, "cpu_us_per_event", false, null));
                    rows.add(vs(STRONGEST, "  vs strongest reference", "us", s, "cpu_us_per_event", false, 1.15));
                    rows.add(row("  entries per XREADGROUP", "entries", s, "entries_per_read", true, null));
                    rows.add(row(
                            "  peak pending entries (PEL, 50 ms samples)", "entries", s, "max_pending", false, null));
                    rows.add(row("peak RSS, gRPC drain", "MB", s, "rss_peak_mb", false, 1.2));
                }
                case BURST_10K, BURST_100K -> {
                    String n = String.format(Locale.ROOT, "%,d", s.backlog(settings));
                    rows.add(row(
                            "burst of " + n + " from a cold process, start to drained",
                            "events/s",
                            s,
                            "events_per_s_from_start",
                            true,
                            null));
                    rows.add(vs(
                            STRONGEST,
                            "  vs strongest reference",
                            "events/s",
                            s,
                            "events_per_s_from_start",
                            true,
                            0.9));
                    rows.add(new Row(
                            "  start to first event acknowledged",
                            "ms",
                            median(s, "reference", "first_ack_ms"),
                            median(s, "eventbus", "first_ack_ms"),
                            false,
                            1000.0,
                            null,
                            true));
                    if (s.systems().contains(NO_AOT)) {
                        rows.add(vs(
                                NO_AOT,
                                "  the same, Eventbus without its AOT cache (left) / with",
                                "ms",
                                s,
                                "first_ack_ms",
                                false,
                                null));
                        rows.add(vs(
                                NO_AOT,
                                "  burst, Eventbus without its AOT cache (left) / with",
                                "events/s",
                                s,
                                "events_per_s_from_start",
                                true,
                                null));
                    }
                    rows.add(row("  client CPU, process start to drained", "ms", s, "cpu_ms", false, null));
                    rows.add(vs(STRONGEST, "  the same, strongest reference", "ms", s, "cpu_ms", false, null));
                    if (s == Scenario.BURST_10K) {
                        notes.add(
                                "burst-10k, burst-100k: the stream holds the burst before the consumer's process "
                                        + "starts; timed from outside, from just before the process starts to the first XACK "
                                        + "and to the group drained (XINFO GROUPS every ms). Eventbus is bin/eventbus run of "
                                        + "the unpacked distribution (" + settings.dist()
                                        + "), the references a plain java "
                                        + "process; same JVM flags. The first-event target (1,000 ms) holds Eventbus's figure.");
                    }
                }
                case DRAIN_NOOP_CLUSTER -> {
                    String n = String.format(Locale.ROOT, "%,d", settings.clusterDrainEvents());
                    String from = String.format(
                            Locale.ROOT, "%,d", (long) (settings.drainEvents() * settings.warmFraction()));
                    String to = String.format(Locale.ROOT, "%,d", settings.drainEvents());
                    rows.add(row(
                            "no-op drain on a Redis Cluster, " + n + " over " + ClusterOps.PARTITIONS + " streams",
                            "events/s",
                            s,
                            "events_per_s",
                            true,
                            0.9));
                    rows.add(row("  client CPU (measured window)", "% core", s, "cpu_pct", false, null));
                    rows.add(row("  client CPU per event (measured window)", "us", s, "cpu_us_per_event", false, null));
                    rows.add(row("  last half of the backlog only", "events/s", s, "late_events_per_s", true, null));
                    rows.add(row("  client CPU per event, last half", "us", s, "late_cpu_us_per_event", false, null));
                    rows.add(row(
                            "  events " + from + " to " + to + " only (JIT warm-up)",
                            "events/s",
                            s,
                            "first_events_per_s",
                            true,
                            null));
                    rows.add(row(
                            "  client CPU per event, " + from + " to " + to,
                            "us",
                            s,
                            "first_cpu_us_per_event",
                            false,
                            null));
                    rows.add(row(
                            "  redis-servers' CPU per event (whole drain)",
                            "us",
                            s,
                            "server_cpu_us_per_event",
                            false,
                            null));
                    rows.add(row("  peak RSS", "MB", s, "rss_peak_mb", false, null));
                    notes.add("drain-noop-cluster: a local Redis Cluster of 3 primaries with a replica each; the "
                            + "backlog over " + ClusterOps.PARTITIONS
                            + " partitions of one stream (keys {bench:events:i/"
                            + ClusterOps.PARTITIONS + "}) on the 3 primaries; Eventbus on a redis-cluster:// URI with "
                            + "streams.\"bench:events\".partitions = " + ClusterOps.PARTITIONS
                            + ", the reference a RedisClusterClient loop (XREADGROUP COUNT 500 BLOCK 100 >, XACK) per "
                            + "partition, each on its own thread and connection. "
                            + (settings.clusterDrainEvents() > settings.drainEvents()
                                    ? "The backlog is three times the one-node drain's"
                                    : "The backlog is the one-node drain's here (smoke); in full mode three times it")
                            + ": on 2 cores beside six redis-servers the JIT compiles Eventbus's code for about "
                            + "15 s (the reference's about 6 s), and the one-node backlog's window (events " + from
                            + " to " + to + ", shown, no target) lies inside that warm-up. The last-half lines time, "
                            + "for both, only the events after the first half of the backlog (no target). The redis-servers' CPU "
                            + "(INFO cpu of the 6 nodes, from the consumer's start to the end) counts too: the drain is "
                            + "bound by the client's CPU and the servers' together.");
                }
                case FAILOVER_CLUSTER -> {
                    rows.add(row(
                            "cluster failover: primary kill -9 to first event handled",
                            "ms",
                            s,
                            "failover_ms",
                            false,
                            null));
                    rows.add(row("  kill -9 to first XADD the cluster took", "ms", s, "first_xadd_ms", false, null));
                    rows.add(row("  kill -9 to every event after it handled", "ms", s, "all_handled_ms", false, null));
                    rows.add(row("  events lost", "events", s, "lost", false, null));
                    rows.add(row("  events handled twice", "events", s, "duplicates", false, null));
                    notes.add(
                            "failover-cluster: the primary of partition 0 is killed with SIGKILL after the first "
                                    + "events were handled; events produced to partition 0 after the kill (each XADD tried "
                                    + "again every 20 ms until taken) carry the kill's time; the figure is the first of them "
                                    + "handled. Node timeout 1 s; both systems' Lettuce clients refresh the topology (the "
                                    + "reference: every second and on MOVED/reconnect, retrying a failed command after 100 ms).");
                }
                case ORDERED_INSTANCES -> instanceRows(s);
                case REBALANCE -> rebalanceRows(s);
                case ORDERED_CLUSTER -> {
                    String n = String.format(Locale.ROOT, "%,d", settings.smallDrainEvents());
                    rows.add(between(
                            "ordered drain on a Redis Cluster, " + n + ": " + ClusterOps.PARTITIONS
                                    + " partitions (right) / one key",
                            "events/s",
                            s,
                            "single-key",
                            "partitioned",
                            "events_per_s",
                            true));
                    rows.add(between(
                            "  client CPU per event (measured window)",
                            "us",
                            s,
                            "single-key",
                            "partitioned",
                            "cpu_us_per_event",
                            false));
                    notes.add("ordered-cluster: the local Redis Cluster of drain-noop-cluster; the " + n
                            + "-event backlog over " + settings.orderedSubjects() + " subjects in turn, either on "
                            + ClusterOps.PARTITIONS + " partitions (each subject's events on partition crc32(subject) "
                            + "mod " + ClusterOps.PARTITIONS + ", slots on the 3 primaries) or on the one key "
                            + Wire.STREAM + " (one slot, so one primary); one Eventbus instance in-process with "
                            + "ordered-by-subject = true. A run fails if an event of a subject was handled after a "
                            + "later one.");
                }
                case LATENCY_NOOP -> {
                    rows.add(row("no-op @" + noopRate + " XADD->handled p50", "ms", s, "p50_ms", false, null));
                    rows.add(row("no-op @" + noopRate + " XADD->handled p99", "ms", s, "p99_ms", false, 1.5));
                    rows.add(row("no-op @" + noopRate + " XADD->handled p99.9", "ms", s, "p999_ms", false, null));
                    rows.add(row("  client CPU incl. producer", "% core", s, "cpu_pct", false, null));
                }
                case LATENCY_RPC -> {
                    rows.add(row("gRPC @" + rpcRate + " XADD->handled p50", "ms", s, "p50_ms", false, null));
                    rows.add(row("gRPC @" + rpcRate + " XADD->handled p99", "ms", s, "p99_ms", false, 1.5));
                    rows.add(row("gRPC @" + rpcRate + " XADD->handled p99.9", "ms", s, "p999_ms", false, null));
                    rows.add(row("  client CPU incl. producer", "% core", s, "cpu_pct", false, null));
                }
            }
        }
        for (Row r : rows) {
            if (!r.diagnostic()
                    && ((!r.eventbusOnly() && (r.reference() == null || !(r.reference() > 0)))
                            || r.eventbus() == null
                            || !(r.eventbus() > 0))) {
                problems.add("figure '" + r.figure().trim() + "' is missing or not positive: reference " + r.reference()
                        + ", eventbus " + r.eventbus());
            }
        }
    }

    /** The rows of {@link Scenario#ORDERED_INSTANCES}: each count of instances against one on the unpartitioned stream. */
    private void instanceRows(Scenario s) {
        String n = String.format(Locale.ROOT, "%,d", settings.drainEvents());
        int p = InstancesDrain.PARTITIONS;
        for (int k = 1; k <= 3; k++) {
            rows.add(between(
                    (k == 1 ? "ordered drain, " + n + ", " : "  ") + p + " partitions, " + k + " instance"
                            + (k == 1 ? "" : "s") + " (right) / 1 unpartitioned",
                    "events/s",
                    s,
                    "unpartitioned",
                    "partitioned-" + k,
                    "events_per_s",
                    true));
        }
        rows.add(between(
                "  3 instances (right) / 1, both partitioned",
                "events/s",
                s,
                "partitioned-1",
                "partitioned-3",
                "events_per_s",
                true));
        rows.add(between(
                "  2 instances (right) / 1, both partitioned",
                "events/s",
                s,
                "partitioned-1",
                "partitioned-2",
                "events_per_s",
                true));
        rows.add(between(
                "  client CPU, all instances: 3 partitioned (right) / 1 unpartitioned",
                "% core",
                s,
                "unpartitioned",
                "partitioned-3",
                "cpu_pct",
                false));
        rows.add(between(
                "  Redis CPU per event: 1 partitioned (right) / 1 unpartitioned",
                "us",
                s,
                "unpartitioned",
                "partitioned-1",
                "redis_cpu_us_per_event",
                false));
        rows.add(between(
                "  client CPU per event: 1 partitioned (right) / 1 unpartitioned",
                "us",
                s,
                "unpartitioned",
                "partitioned-1",
                "cpu_us_per_event",
                false));
        rows.add(between(
                "  client CPU per event: 3 partitioned (right) / 1 unpartitioned",
                "us",
                s,
                "unpartitioned",
                "partitioned-3",
                "cpu_us_per_event",
                false));
        notes.add("ordered-instances: the " + n + "-event backlog over " + settings.orderedSubjects()
                + " subjects in turn, no-op handler with ordered-by-subject = true; each instance is bin/eventbus run "
                + "of the unpacked distribution (" + settings.dist() + "), a process of its own, reference.conf "
                + "defaults. Partitioned: " + p + " partitions, partition crc32(subject) mod " + p + ". The group "
                + "waits at the stream's end until every partition is owned as assigned (or the unpartitioned "
                + "instance has joined), then XGROUP SETID 0; timed from Redis (acknowledged over all partitions "
                + "passing the warm-up share to all acknowledged, nothing pending). Order across instances is "
                + "PartitionOwnershipIT's to prove; here nothing may be lost or left pending. All instances share "
                + Runtime.getRuntime().availableProcessors() + " CPUs with Redis.");
    }

    /** The rows of {@link Scenario#REBALANCE}: Eventbus alone. */
    private void rebalanceRows(Scenario s) {
        rows.add(only(
                "rebalance under load: instance joins (2 -> 3), heartbeat to owned and flowing", "ms", s, "join_ms"));
        rows.add(only("  the same from the joiner's process start", "ms", s, "join_from_start_ms"));
        rows.add(only("  heartbeat to every partition owned as assigned", "ms", s, "join_owned_ms"));
        rows.add(only(
                "rebalance under load: instance leaves (SIGTERM, 3 -> 2), to owned and flowing", "ms", s, "leave_ms"));
        rows.add(only("  SIGTERM to every partition owned as assigned", "ms", s, "leave_owned_ms"));
        rows.add(only("  SIGTERM to the leaver's exit", "ms", s, "leave_exit_ms"));
        rows.add(only("  partitions that moved to the joiner / from the leaver", "partitions", s, "joiner_partitions"));
        rows.add(only("  events lost", "events", s, "lost"));
        notes.add("rebalance: two instances (bin/eventbus run, reference.conf ownership defaults: renew-every 3 s, "
                + "lease-ttl 10 s) own the " + InstancesDrain.PARTITIONS + " partitions of the ordered no-op "
                + "handler while the runner adds events at a fixed rate; a third starts, then the first gets SIGTERM. "
                + "Each is timed until every partition's lease (read from Redis) is held by the instance rendezvous "
                + "hashing assigns it to and every partition has acknowledged an event since. Every event must be "
                + "acknowledged in the end.");
    }

    /** Eventbus in two configurations of one scenario: {@code left} in the reference column. */
    private Row between(
            String figure, String unit, Scenario s, String left, String right, String key, boolean higherIsBetter) {
        return new Row(figure, unit, median(s, left, key), median(s, right, key), higherIsBetter, null, null);
    }

    /** A figure only Eventbus has. */
    private Row only(String figure, String unit, Scenario s, String key) {
        return new Row(figure, unit, null, median(s, "eventbus", key), false, null, null, false, true);
    }

    /** The strongest hand-written reference ({@link StrongestReferenceConsumer}). */
    static final String STRONGEST = "strongest";
    /** Eventbus started without its AOT cache. */
    static final String NO_AOT = "eventbus-no-aot";

    /** Eventbus against {@code against} (shown in the reference column), in the same run. */
    private Row vs(
            String against, String figure, String unit, Scenario s, String key, boolean higherIsBetter, Double limit) {
        return new Row(figure, unit, median(s, against, key), median(s, "eventbus", key), higherIsBetter, limit, null);
    }

    private Row row(String figure, String unit, Scenario s, String key, boolean higherIsBetter, Double limit) {
        return new Row(
                figure, unit, median(s, "reference", key), median(s, "eventbus", key), higherIsBetter, limit, null);
    }

    /**
     * Each system's figure in {@code s} divided by its figure in {@code base}, from the same run.
     *
     * @param limit the target of the Eventbus figure, or {@code null}
     */
    private Row own(String figure, Scenario s, Scenario base, String key, Double limit) {
        BiFunction<Double, Double, Double> ratio = (x, y) -> x / y;
        return new Row(
                figure,
                "x",
                combine(ratio, median(s, "reference", key), median(base, "reference", key)),
                combine(ratio, median(s, "eventbus", key), median(base, "eventbus", key)),
                true,
                limit,
                s.id + " / " + base.id);
    }

    private Row derived(
            String figure, String unit, BiFunction<Double, Double, Double> f, Scenario a, Scenario b, String key) {
        Double ref = combine(f, median(a, "reference", key), median(b, "reference", key));
        Double eb = combine(f, median(a, "eventbus", key), median(b, "eventbus", key));
        return new Row(figure, unit, ref, eb, false, null, null);
    }

    private static Double combine(BiFunction<Double, Double, Double> f, Double x, Double y) {
        return x == null || y == null || y == 0 ? null : f.apply(x, y);
    }

    /** Median over the successful repetitions, or {@code null} when none has the figure. */
    Double median(Scenario s, String system, String key) {
        List<Double> values = new ArrayList<>();
        for (Benchmark.Run r : runs) {
            if (r.ok()
                    && r.scenario() == s
                    && r.system().equals(system)
                    && r.values().containsKey(key)) {
                values.add(r.values().get(key));
            }
        }
        if (values.isEmpty()) {
            return null;
        }
        values.sort(Double::compare);
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }

    List<Row> rows() {
        return rows;
    }

    List<Benchmark.Run> runs() {
        return runs;
    }

    /** Failed scenarios and missing or non-positive figures; empty when the run is complete. */
    List<String> problems() {
        return problems;
    }

    void print(PrintStream out) {
        out.println();
        out.printf(
                Locale.ROOT,
                "Eventbus vs raw Lettuce reference (%s mode, median of %d run%s, scenario JVMs: %s; "
                        + "Redis %s; %d CPUs; %.1f min)%n",
                settings.mode(),
                settings.runs(),
                settings.runs() == 1 ? "" : "s",
                String.join(" ", settings.jvmFlags()),
                redisVersion,
                Runtime.getRuntime().availableProcessors(),
                minutes);
        out.println("runtime under test: " + RUNTIME);
        if (loadMedian != null) {
            out.printf(
                    Locale.ROOT,
                    "load average during the run: median %.1f, max %.1f%s%n",
                    loadMedian,
                    loadMax,
                    loadMedian > 2 * Runtime.getRuntime().availableProcessors()
                            ? "  (WARNING: other processes shared the CPUs; figures are unreliable)"
                            : "");
        }
        String format = "%-58s %-9s %12s %12s %8s %8s %s%n";
        out.printf(Locale.ROOT, format, "figure", "unit", "reference", "eventbus", "ratio", "target", "");
        out.println("-".repeat(124));
        out.println("(rows starting with 'vs' or naming another system show that system in the reference column)");
        for (Row r : rows) {
            Boolean meets = r.meets();
            out.printf(
                    Locale.ROOT,
                    format,
                    r.figure(),
                    r.unit(),
                    fmt(r.reference()),
                    fmt(r.eventbus()),
                    r.ratio() == null ? "-" : fmt(r.ratio()) + "x",
                    r.target(),
                    meets == null ? "" : meets ? "ok" : "BELOW TARGET");
        }
        if (!notes.isEmpty()) {
            out.println();
            notes.forEach(n -> out.println("* " + n));
        }
        if (!problems.isEmpty()) {
            out.println();
            out.println("PROBLEMS:");
            problems.forEach(p -> out.println("  " + p));
        }
    }

    void writeJson(Path file) throws IOException {
        StringBuilder j = new StringBuilder();
        j.append("{\n");
        j.append("  \"mode\": ").append(str(settings.mode())).append(",\n");
        j.append("  \"runs\": ").append(settings.runs()).append(",\n");
        j.append("  \"statistic\": \"median\",\n");
        j.append("  \"redis\": ").append(str(redisVersion)).append(",\n");
        j.append("  \"java\": ").append(str(System.getProperty("java.version"))).append(",\n");
        j.append("  \"cpus\": ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(",\n");
        j.append("  \"jvmFlags\": [");
        for (int i = 0; i < settings.jvmFlags().size(); i++) {
            j.append(i == 0 ? "" : ", ").append(str(settings.jvmFlags().get(i)));
        }
        j.append("],\n");
        j.append("  \"settings\": {\"drainEvents\": ")
                .append(settings.drainEvents())
                .append(", \"orderedSubjects\": ")
                .append(settings.orderedSubjects())
                .append(", \"smallDrainEvents\": ")
                .append(settings.smallDrainEvents())
                .append(", \"rpcEvents\": ")
                .append(settings.rpcEvents())
                .append(", \"warmFraction\": ")
                .append(num(settings.warmFraction()))
                .append(", \"noopRate\": ")
                .append(num(settings.noopRate()))
                .append(", \"rpcRate\": ")
                .append(num(settings.rpcRate()))
                .append(", \"warmSeconds\": ")
                .append(num(settings.warmSeconds()))
                .append(", \"measureSeconds\": ")
                .append(num(settings.measureSeconds()))
                .append("},\n");
        j.append("  \"runtimeJar\": ").append(str(RUNTIME)).append(",\n");
        j.append("  \"minutes\": ").append(num(minutes)).append(",\n");
        j.append("  \"loadAverage\": {\"median\": ")
                .append(num(loadMedian))
                .append(", \"max\": ")
                .append(num(loadMax))
                .append("},\n");
        j.append("  \"complete\": ").append(problems.isEmpty()).append(",\n");
        j.append("  \"problems\": [");
        for (int i = 0; i < problems.size(); i++) {
            j.append(i == 0 ? "" : ", ").append(str(problems.get(i)));
        }
        j.append("],\n");
        j.append("  \"notes\": [");
        for (int i = 0; i < notes.size(); i++) {
            j.append(i == 0 ? "" : ", ").append(str(notes.get(i)));
        }
        j.append("],\n");
        j.append("  \"figures\": [\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            j.append("    {\"figure\": ")
                    .append(str(r.figure().trim()))
                    .append(", \"unit\": ")
                    .append(str(r.unit()));
            j.append(", \"reference\": ")
                    .append(num(r.reference()))
                    .append(", \"eventbus\": ")
                    .append(num(r.eventbus()))
                    .append(", \"ratio\": ")
                    .append(num(r.ratio()));
            if (r.ownRatioOf() != null) {
                j.append(", \"eachSystemRatioOf\": ").append(str(r.ownRatioOf()));
            }
            if (r.limit() != null) {
                j.append(", \"target\": ")
                        .append(str(r.target()))
                        .append(", \"meetsTarget\": ")
                        .append(r.meets());
            }
            j.append(i == rows.size() - 1 ? "}\n" : "},\n");
        }
        j.append("  ],\n");
        j.append("  \"runDetails\": [\n");
        for (int i = 0; i < runs.size(); i++) {
            Benchmark.Run r = runs.get(i);
            j.append("    {\"rep\": ")
                    .append(r.rep())
                    .append(", \"scenario\": ")
                    .append(str(r.scenario().id))
                    .append(", \"system\": ")
                    .append(str(r.system()))
                    .append(", \"ok\": ")
                    .append(r.ok());
            if (r.ok()) {
                j.append(", \"values\": {");
                int k = 0;
                for (Map.Entry<String, Double> e : r.values().entrySet()) {
                    j.append(k++ == 0 ? "" : ", ")
                            .append(str(e.getKey()))
                            .append(": ")
                            .append(num(e.getValue()));
                }
                j.append("}");
            } else {
                j.append(", \"error\": ").append(str(r.error()));
            }
            j.append(i == runs.size() - 1 ? "}\n" : "},\n");
        }
        j.append("  ]\n}\n");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, j);
    }

    static String fmt(Double v) {
        if (v == null) {
            return "-";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String num(Double v) {
        if (v == null || v.isNaN() || v.isInfinite()) {
            return "null";
        }
        return String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static String str(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String runtimeJar() {
        try {
            Path jar = Path.of(dev.eventbus.runtime.EventbusRuntime.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            if (!Files.isRegularFile(jar)) {
                return jar.toString();
            }
            long newest = 0;
            try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
                for (var e = f.entries(); e.hasMoreElements(); ) {
                    newest = Math.max(newest, e.nextElement().getTime());
                }
            }
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(jar));
            return String.format(
                    Locale.ROOT,
                    "%s, built %s, %,d bytes, sha256 %s",
                    jar.getFileName(),
                    java.time.Instant.ofEpochMilli(newest).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                    Files.size(jar),
                    java.util.HexFormat.of().formatHex(digest, 0, 6));
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }
}
