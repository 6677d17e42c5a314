package dev.eventbus.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The scenarios, each run once per repetition for the reference and for Eventbus, in JVMs of their
 * own against a fresh redis-server.
 */
enum Scenario {

    /** (a)/(b) Drain the pre-filled backlog with the no-op handler. */
    DRAIN_NOOP("drain-noop", "noop", 1),
    /**
     * (g) The same backlog over {@link Settings#orderedSubjects()} subjects in turn, Eventbus with
     * {@code ordered-by-subject = true}; held to Eventbus's own {@link #DRAIN_NOOP} of the same run.
     * The reference is the same loop: it handles each read in stream order, so it is ordered by
     * construction (checked, as for Eventbus, by {@link Coverage}).
     */
    ORDERED_BY_SUBJECT("ordered-by-subject", "noop", 1),
    /**
     * Scale-out: two scenario JVMs of the same system share the consumer group (consumer names
     * {@code -1} and {@code -2}) and drain the {@link #DRAIN_NOOP} backlog together; compared with
     * the single process of the same run. Nothing may be lost; duplicates are counted.
     */
    DRAIN_NOOP_PAIR("drain-noop-pair", "noop", 2),
    /** (f) The same with a tenth of the backlog: peak RSS must not depend on the backlog. */
    DRAIN_NOOP_SMALL("drain-noop-small", "noop", 1),
    /** (c)/(d) Drain with one gRPC unary call per event. */
    DRAIN_RPC("drain-rpc", "rpc", 1),
    /** (e) XADD-to-handled latency at a fixed rate, no-op handler. */
    LATENCY_NOOP("latency-noop", "noop", 1),
    /** (e) XADD-to-handled latency at a fixed rate, one gRPC call per event. */
    LATENCY_RPC("latency-rpc", "rpc", 1),
    /**
     * A short burst from a cold process: 10,000 entries wait in the stream, then the consumer's
     * process starts ({@code bin/eventbus run} of the unpacked distribution for Eventbus, with and
     * without its AOT cache; a plain {@code java} for the references); timed from the process start
     * to the first event and to the group drained ({@link ColdBurst}).
     */
    BURST_10K("burst-10k", "noop", 1),
    /** The same with 100,000 entries. */
    BURST_100K("burst-100k", "noop", 1),
    /**
     * The no-op drain on a local Redis Cluster (3 primaries, a replica each): the backlog of
     * {@link #DRAIN_NOOP} (1,000,000 in a full run) over {@link ClusterOps#PARTITIONS} partitions whose slots lie on the
     * 3 primaries; the reference reads each partition in a loop of its own ({@link
     * ClusterReferenceConsumer}).
     */
    DRAIN_NOOP_CLUSTER("drain-noop-cluster", "noop", 1),
    /** A primary of the cluster killed with SIGKILL: time to the first event handled after promotion. */
    FAILOVER_CLUSTER("failover-cluster", "noop", 1),
    /**
     * Ordered drain (no-op, {@code ordered-by-subject = true}) of the {@link #DRAIN_NOOP} backlog over
     * {@link Settings#orderedSubjects()} subjects by 1, 2 and 3 instances ({@code bin/eventbus run},
     * processes of their own) of a stream of {@link InstancesDrain#PARTITIONS} partitions, against one
     * instance of the unpartitioned stream ({@link InstancesDrain}).
     */
    ORDERED_INSTANCES("ordered-instances", "noop", 1),
    /**
     * Time to rebalance the partitions of an ordered handler under load when an instance joins and
     * when one leaves with SIGTERM ({@link Rebalance}).
     */
    REBALANCE("rebalance", "noop", 1),
    /**
     * Ordered drain on the local Redis Cluster: the {@link #DRAIN_NOOP_SMALL} backlog over
     * {@link Settings#orderedSubjects()} subjects, on {@link ClusterOps#PARTITIONS} partitions
     * against one stream key, one Eventbus instance each.
     */
    ORDERED_CLUSTER("ordered-cluster", "noop", 1);

    /** The two references and Eventbus: the scenarios compared with the strongest reference too. */
    private static final List<String> WITH_STRONGEST = List.of("reference", "strongest", "eventbus");

    final String id;
    final String handler;
    /** Scenario JVMs per system, sharing one consumer group. */
    final int processes;

    Scenario(String id, String handler, int processes) {
        this.id = id;
        this.handler = handler;
        this.processes = processes;
    }

    /**
     * The systems this scenario runs, in the order of odd repetitions: the simple reference and
     * Eventbus always; the strongest reference in the throughput rows held to it; Eventbus without
     * its AOT cache in the small burst, to show what the cache buys at start.
     */
    List<String> systems() {
        return switch (this) {
            case DRAIN_NOOP, DRAIN_RPC, BURST_100K -> WITH_STRONGEST;
            case BURST_10K -> List.of("reference", "strongest", "eventbus", "eventbus-no-aot");
            case ORDERED_INSTANCES -> List.of("unpartitioned", "partitioned-1", "partitioned-2", "partitioned-3");
            case REBALANCE -> List.of("eventbus");
            case ORDERED_CLUSTER -> List.of("single-key", "partitioned");
            default -> List.of("reference", "eventbus");
        };
    }

    /** Whether the scenario starts the consumer's process cold and times it from outside ({@link ColdBurst}). */
    boolean cold() {
        return this == BURST_10K || this == BURST_100K;
    }

    /** Whether the scenario runs against a Redis Cluster ({@link ClusterScenario}) instead of one redis-server. */
    boolean cluster() {
        return this == DRAIN_NOOP_CLUSTER || this == FAILOVER_CLUSTER || this == ORDERED_CLUSTER;
    }

    /** Whether the scenario starts Eventbus instances as processes ({@link EventbusProcess}) on one redis-server. */
    boolean instances() {
        return this == ORDERED_INSTANCES || this == REBALANCE;
    }

    static Scenario byId(String id) {
        for (Scenario s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no scenario '" + id + "'; scenarios: "
                + String.join(", ", List.of(values()).stream().map(s -> s.id).toList()));
    }

    /**
     * The scenario of the same run this one's headline ratio is taken against (ordering on / off,
     * pair / single), which therefore runs too; {@code null} when none.
     */
    Scenario baseline() {
        return this == ORDERED_BY_SUBJECT || this == DRAIN_NOOP_PAIR ? DRAIN_NOOP : null;
    }

    /** Backlog the stream holds when the scenario starts (0: the scenario produces its own events). */
    long backlog(Settings s) {
        return switch (this) {
            case DRAIN_NOOP, ORDERED_BY_SUBJECT, DRAIN_NOOP_PAIR -> s.drainEvents();
            case DRAIN_NOOP_SMALL -> s.smallDrainEvents();
            case DRAIN_RPC -> s.rpcEvents();
            // The rows with several instances and the cluster rows fill their streams themselves.
            case LATENCY_NOOP,
                    LATENCY_RPC,
                    DRAIN_NOOP_CLUSTER,
                    FAILOVER_CLUSTER,
                    ORDERED_INSTANCES,
                    REBALANCE,
                    ORDERED_CLUSTER -> 0;
            case BURST_10K -> 10_000;
            case BURST_100K -> 100_000;
        };
    }

    /** Subjects the backlog's events share in turn (0: a subject per event). */
    long subjects(Settings s) {
        return this == ORDERED_BY_SUBJECT ? s.orderedSubjects() : 0;
    }

    /** The scenario JVM's arguments, less the connection details and the consumer name. */
    List<String> args(Settings s) {
        List<String> a = new ArrayList<>();
        a.add("handler=" + handler);
        switch (this) {
            case DRAIN_NOOP,
                    ORDERED_BY_SUBJECT,
                    DRAIN_NOOP_PAIR,
                    DRAIN_NOOP_SMALL,
                    DRAIN_RPC,
                    BURST_10K,
                    BURST_100K -> {
                long n = backlog(s);
                a.add("kind=drain");
                a.add("events=" + n);
                a.add("warm=" + (long) (n * s.warmFraction()));
                a.add("subjects=" + subjects(s));
                a.add("ordered=" + (this == ORDERED_BY_SUBJECT));
                a.add("processes=" + processes);
            }
            case DRAIN_NOOP_CLUSTER, ORDERED_CLUSTER -> {
                long n = this == DRAIN_NOOP_CLUSTER ? s.clusterDrainEvents() : s.smallDrainEvents();
                a.add("kind=cluster-drain");
                a.add("events=" + n);
                a.add("warm=" + (long) (n * s.warmFraction()));
                if (this == DRAIN_NOOP_CLUSTER) {
                    // Also timed: the window the one-node drain measures, inside the JIT's warm-up here.
                    a.add("firstFrom=" + (long) (s.drainEvents() * s.warmFraction()));
                    a.add("firstTo=" + s.drainEvents());
                }
                if (this == ORDERED_CLUSTER) {
                    a.add("ordered=true");
                    a.add("subjects=" + s.orderedSubjects());
                }
            }
            case ORDERED_INSTANCES, REBALANCE -> {
                // Run from the benchmark's JVM (InstancesDrain, Rebalance): no scenario JVM.
            }
            case FAILOVER_CLUSTER -> {
                boolean smoke = s.mode().equals("smoke");
                a.add("kind=cluster-failover");
                a.add("warm=" + (smoke ? 200 : 2_000));
                a.add("after=" + (smoke ? 50 : 200));
            }
            case LATENCY_NOOP, LATENCY_RPC -> {
                boolean rpc = this == LATENCY_RPC;
                a.add("kind=latency");
                a.add("rate=" + (rpc ? s.rpcRate() : s.noopRate()));
                a.add("prewarm=" + (rpc ? s.rpcPrewarm() : s.noopPrewarm()));
                a.add("warmSeconds=" + s.warmSeconds());
                a.add("measureSeconds=" + s.measureSeconds());
            }
        }
        a.add("timeout=" + s.childTimeoutSeconds());
        return a;
    }
}
