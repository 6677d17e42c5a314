package dev.eventbus.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What one benchmark run does. {@link #full} is the documented run; {@link #smoke} is the CI run
 * (small, one repetition, short latency phase): it checks that every scenario completes, not how
 * fast.
 *
 * @param drainEvents backlog of the no-op drain, of the ordered drain and of the pair (1,000,000 in full mode);
 *     the cluster drain's is three times as long ({@link #clusterDrainEvents})
 * @param orderedSubjects subjects the ordered drain's events share in turn (10,000 in full mode; in
 *     smoke mode fewer than the in-flight limit, so that events of one subject really wait for each other)
 * @param smallDrainEvents a smaller backlog, to check that peak RSS does not grow with the backlog
 * @param rpcEvents backlog of the gRPC drain
 * @param warmFraction share of each drain's events handled before throughput is measured (JIT warm-up)
 * @param noopRate events per second of the no-op latency phase
 * @param rpcRate events per second of the gRPC latency phase
 * @param noopPrewarm events drained at full speed before the no-op latency phase
 * @param rpcPrewarm events drained at full speed before the gRPC latency phase
 * @param warmSeconds paced seconds before latencies are recorded
 * @param measureSeconds paced seconds whose latencies are recorded
 * @param serverWarmCalls calls made to the order service before the first scenario
 * @param jvmFlags the flags of every scenario JVM (the same for both systems)
 * @param childTimeoutSeconds a scenario JVM running longer is killed and the scenario fails
 * @param jar the runner JAR (its manifest class path is the scenario JVMs' class path)
 * @param plugins the directory holding {@code noop/} and {@code rpc/} with one plugin JAR each
 * @param out where {@code benchmark.json} and the scenario logs go
 * @param only scenario names to run (empty: all)
 * @param dist the unpacked distribution ({@code dist/target/eventbus}) whose {@code bin/eventbus} the burst scenarios start
 */
record Settings(
        String mode,
        int runs,
        long drainEvents,
        long orderedSubjects,
        long smallDrainEvents,
        long rpcEvents,
        double warmFraction,
        double noopRate,
        double rpcRate,
        long noopPrewarm,
        long rpcPrewarm,
        double warmSeconds,
        double measureSeconds,
        int serverWarmCalls,
        List<String> jvmFlags,
        int childTimeoutSeconds,
        Path jar,
        Path plugins,
        Path out,
        Set<String> only,
        Path dist) {

    static final List<String> JVM_FLAGS = List.of("-Xmx512m", "-XX:+UseG1GC");

    static Settings full(Path jar, Path plugins, Path out) {
        return new Settings(
                "full",
                3,
                1_000_000,
                10_000,
                100_000,
                100_000,
                0.2,
                5_000,
                2_000,
                100_000,
                40_000,
                5,
                10,
                10_000,
                JVM_FLAGS,
                300,
                jar,
                plugins,
                out,
                Set.of(),
                defaultDist(jar));
    }

    static Settings smoke(Path jar, Path plugins, Path out) {
        // C1 only: smoke figures are never compared, and on 2 cores C2 compiling competes with the run.
        List<String> flags = new java.util.ArrayList<>(JVM_FLAGS);
        flags.add("-XX:TieredStopAtLevel=1");
        return new Settings(
                "smoke",
                1,
                20_000,
                200,
                5_000,
                2_000,
                0.2,
                2_000,
                500,
                2_000,
                1_000,
                0.5,
                1.5,
                0,
                List.copyOf(flags),
                90,
                jar,
                plugins,
                out,
                Set.of(),
                defaultDist(jar));
    }

    /** {@code dist/target/eventbus} of the checkout the runner JAR ({@code benchmarks/runner/target}) was built in. */
    static Path defaultDist(Path jar) {
        if (jar == null || jar.toAbsolutePath().getParent() == null) {
            return Path.of("dist/target/eventbus");
        }
        Path target = jar.toAbsolutePath().getParent();
        Path root = target.getParent() == null || target.getParent().getParent() == null
                ? null
                : target.getParent().getParent().getParent();
        return root == null ? Path.of("dist/target/eventbus") : root.resolve("dist/target/eventbus");
    }

    Settings withDist(Path d) {
        return new Settings(
                mode,
                runs,
                drainEvents,
                orderedSubjects,
                smallDrainEvents,
                rpcEvents,
                warmFraction,
                noopRate,
                rpcRate,
                noopPrewarm,
                rpcPrewarm,
                warmSeconds,
                measureSeconds,
                serverWarmCalls,
                jvmFlags,
                childTimeoutSeconds,
                jar,
                plugins,
                out,
                only,
                d);
    }

    Settings withRuns(int n) {
        return new Settings(
                mode,
                n,
                drainEvents,
                orderedSubjects,
                smallDrainEvents,
                rpcEvents,
                warmFraction,
                noopRate,
                rpcRate,
                noopPrewarm,
                rpcPrewarm,
                warmSeconds,
                measureSeconds,
                serverWarmCalls,
                jvmFlags,
                childTimeoutSeconds,
                jar,
                plugins,
                out,
                only,
                dist);
    }

    /**
     * The cluster drain's backlog: three times {@link #drainEvents}. The JIT compiles Eventbus's
     * larger code (its start-up, the cluster client's paths, the event path) for about 15 s on 2
     * cores beside six redis-servers, the reference's for about 6 s; with the one-node backlog the
     * whole measured window fell inside that warm-up (client CPU per event 6.5 us against 4.4 us
     * even in its last half; with this backlog's last half 3.5 against 3.4), so the row compared
     * warm-ups. The one-node backlog's window is still timed and shown beside it. In smoke mode
     * (figures never compared) the one-node backlog, to keep CI's run short.
     */
    long clusterDrainEvents() {
        return mode.equals("full") ? 3 * drainEvents : drainEvents;
    }

    Settings withDrainEvents(long n) {
        return new Settings(
                mode,
                runs,
                n,
                orderedSubjects,
                smallDrainEvents,
                rpcEvents,
                warmFraction,
                noopRate,
                rpcRate,
                noopPrewarm,
                rpcPrewarm,
                warmSeconds,
                measureSeconds,
                serverWarmCalls,
                jvmFlags,
                childTimeoutSeconds,
                jar,
                plugins,
                out,
                only,
                dist);
    }

    Settings withOrderedSubjects(long n) {
        if (n < 1 || n > 100_000_000) {
            throw new IllegalArgumentException("--subjects must be 1 .. 100,000,000, was " + n);
        }
        return new Settings(
                mode,
                runs,
                drainEvents,
                n,
                smallDrainEvents,
                rpcEvents,
                warmFraction,
                noopRate,
                rpcRate,
                noopPrewarm,
                rpcPrewarm,
                warmSeconds,
                measureSeconds,
                serverWarmCalls,
                jvmFlags,
                childTimeoutSeconds,
                jar,
                plugins,
                out,
                only,
                dist);
    }

    Settings withJvmFlags(List<String> flags) {
        return new Settings(
                mode,
                runs,
                drainEvents,
                orderedSubjects,
                smallDrainEvents,
                rpcEvents,
                warmFraction,
                noopRate,
                rpcRate,
                noopPrewarm,
                rpcPrewarm,
                warmSeconds,
                measureSeconds,
                serverWarmCalls,
                List.copyOf(flags),
                childTimeoutSeconds,
                jar,
                plugins,
                out,
                only,
                dist);
    }

    Settings withOnly(Set<String> names) {
        return new Settings(
                mode,
                runs,
                drainEvents,
                orderedSubjects,
                smallDrainEvents,
                rpcEvents,
                warmFraction,
                noopRate,
                rpcRate,
                noopPrewarm,
                rpcPrewarm,
                warmSeconds,
                measureSeconds,
                serverWarmCalls,
                jvmFlags,
                childTimeoutSeconds,
                jar,
                plugins,
                out,
                Set.copyOf(names),
                dist);
    }
}
