package dev.eventbus.bench;

import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.samples.orders.v1.MarkPaidReply;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs every scenario for the reference and for Eventbus, {@link Settings#runs()} times, and
 * collects the figures. Each scenario run gets a fresh redis-server (loaded from a snapshot of the
 * pre-filled stream, so the backlog is the same bytes every time) and a JVM of its own with the same
 * flags; the order service runs here, in this JVM, so that it is no part of either system's RSS. The
 * order of the two systems alternates between repetitions.
 */
final class Benchmark {

    /** One scenario run: its figures, or why it failed. */
    record Run(Scenario scenario, String system, int rep, boolean ok, Map<String, Double> values, String error) {}

    private final Settings settings;
    private final PrintStream log;
    private final Path work;
    private final Path logs;
    private final Map<Backlog, Path> snapshots = new HashMap<>();

    /** A pre-filled stream: its events and the subjects they share in turn (0: one per event). */
    private record Backlog(long events, long subjects) {}

    Benchmark(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
        this.work = settings.out().resolve("bench-work");
        this.logs = settings.out().resolve("bench-logs");
    }

    Report run() throws Exception {
        check();
        deleteTree(work);
        Files.createDirectories(work);
        Files.createDirectories(logs);
        List<Scenario> scenarios = scenarios(settings);
        List<Run> runs = new ArrayList<>();
        String redisVersion;
        long started = System.nanoTime();
        LoadSampler load = new LoadSampler();
        try (OrderServer orders = OrderServer.start(0)) {
            for (Scenario s : scenarios) {
                if (s.backlog(settings) > 0) {
                    snapshot(new Backlog(s.backlog(settings), s.subjects(settings)));
                }
            }
            try (RedisServer probe = RedisServer.start()) {
                redisVersion = probe.version();
            }
            if (scenarios.stream().anyMatch(s -> s.handler.equals("rpc"))) {
                warmOrderService(orders.target(), settings.serverWarmCalls());
                orders.reset();
            }
            for (int rep = 1; rep <= settings.runs(); rep++) {
                for (Scenario s : scenarios) {
                    List<String> order =
                            rep % 2 == 1 ? s.systems() : s.systems().reversed();
                    for (String system : order) {
                        long t0 = System.nanoTime();
                        Run r = runOne(s, system, rep, orders);
                        runs.add(r);
                        log.printf(
                                "  rep %d %-17s %-9s %s [%.0f s]%n",
                                rep,
                                s.id,
                                system,
                                r.ok() ? summary(s, r.values()) : "FAILED: " + r.error(),
                                (System.nanoTime() - t0) / 1e9);
                        orders.reset();
                    }
                }
            }
        } finally {
            load.stop();
            deleteTree(work);
        }
        double minutes = (System.nanoTime() - started) / 60e9;
        return new Report(settings, scenarios, runs, redisVersion, minutes, load.median(), load.max());
    }

    /**
     * The scenarios {@link Settings#only()} names (all when empty), in their table order, with the
     * baselines their ratios need from the same run.
     */
    static List<Scenario> scenarios(Settings settings) {
        Set<Scenario> chosen = EnumSet.noneOf(Scenario.class);
        for (String id : settings.only()) {
            chosen.add(Scenario.byId(id));
        }
        if (chosen.isEmpty()) {
            chosen.addAll(List.of(Scenario.values()));
        }
        for (Scenario s : List.copyOf(chosen)) {
            if (s.baseline() != null) {
                chosen.add(s.baseline());
            }
        }
        return List.copyOf(chosen);
    }

    private void check() {
        if (!Files.isRegularFile(settings.jar())) {
            throw new IllegalStateException("runner JAR " + settings.jar() + " not found: build it first "
                    + "(./mvnw -q -pl benchmarks/runner -am package -DskipTests)");
        }
        for (String handler : List.of("noop", "rpc")) {
            Path dir = settings.plugins().resolve(handler);
            try (Stream<Path> jars = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
                if (jars.noneMatch(p -> p.toString().endsWith(".jar"))) {
                    throw new IllegalStateException("no plugin JAR in " + dir + ": build the runner module first");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Fills a stream with the backlog once and keeps Redis's RDB snapshot of it. */
    private void snapshot(Backlog backlog) throws Exception {
        if (snapshots.containsKey(backlog)) {
            return;
        }
        Path dir = work.resolve("snapshot-" + backlog.events() + "-" + backlog.subjects());
        long t0 = System.nanoTime();
        try (RedisServer redis =
                        RedisServer.start(RedisServer.Options.defaults().withDataDir(dir));
                RedisOps ops = new RedisOps(redis.uri())) {
            ops.fill(0, backlog.events(), backlog.subjects());
            ops.sync().save();
        }
        Path rdb = dir.resolve("dump.rdb");
        if (!Files.isRegularFile(rdb)) {
            throw new IllegalStateException("redis-server wrote no snapshot to " + rdb);
        }
        snapshots.put(backlog, rdb);
        log.printf(
                "  stream of %,d events over %s filled and saved (%.1f s, %,d MB RDB)%n",
                backlog.events(),
                backlog.subjects() == 0 ? "a subject each" : String.format("%,d subjects", backlog.subjects()),
                (System.nanoTime() - t0) / 1e9,
                Files.size(rdb) >> 20);
    }

    private Run runOne(Scenario s, String system, int rep, OrderServer orders) {
        String name = rep + "-" + s.id + "-" + system;
        Path dir = work.resolve("redis-" + name);
        Path scratch = work.resolve("run-" + name);
        Backlog backlog = new Backlog(s.backlog(settings), s.subjects(settings));
        List<ScenarioJvm> jvms = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            Files.createDirectories(scratch);
            if (s.cluster()) {
                return new Run(s, system, rep, true, runCluster(s, system, orders, scratch, name, jvms), null);
            }
            if (s.instances()) {
                try (RedisServer redis =
                        RedisServer.start(RedisServer.Options.defaults().withDataDir(dir))) {
                    Map<String, Double> values = s == Scenario.REBALANCE
                            ? Rebalance.run(settings, redis.uri(), scratch, logs, name)
                            : InstancesDrain.run(settings, system, redis.uri(), scratch, logs, name);
                    return new Run(s, system, rep, true, values, null);
                }
            }
            if (backlog.events() > 0) {
                Files.copy(snapshots.get(backlog), dir.resolve("dump.rdb"));
            }
            try (RedisServer redis =
                            RedisServer.start(RedisServer.Options.defaults().withDataDir(dir));
                    RedisOps ops = new RedisOps(redis.uri())) {
                long length = ops.streamLength(Duration.ofSeconds(60));
                if (length != backlog.events()) {
                    throw new IllegalStateException(
                            "redis loaded " + length + " entries, expected " + backlog.events());
                }
                long timeout = settings.childTimeoutSeconds() + 30L;
                Map<String, Double> values;
                if (s.cold()) {
                    values = ColdBurst.run(
                            settings, system, redis.uri(), ops, backlog.events(), scratch, logs.resolve(name + ".log"));
                } else if (s.processes == 1) {
                    ScenarioJvm jvm = start(
                            s,
                            system,
                            redis,
                            orders,
                            s.args(settings),
                            scratch.resolve("result"),
                            logs.resolve(name + ".log"));
                    jvms.add(jvm);
                    values = new LinkedHashMap<>(jvm.await(timeout));
                } else {
                    List<SharedDrain.Part> parts = new ArrayList<>();
                    for (int i = 1; i <= s.processes; i++) {
                        List<String> args = new ArrayList<>(s.args(settings));
                        args.add("consumer=" + (system.equals("reference") ? "reference-" : "bench-") + i);
                        args.add("coverage=" + scratch.resolve("coverage-" + i).toAbsolutePath());
                        ScenarioJvm jvm = start(
                                s,
                                system,
                                redis,
                                orders,
                                args,
                                scratch.resolve("result-" + i),
                                logs.resolve(name + "-" + i + ".log"));
                        jvms.add(jvm);
                        parts.add(new SharedDrain.Part(jvm, scratch.resolve("coverage-" + i)));
                    }
                    long warm = (long) (backlog.events() * settings.warmFraction());
                    values = SharedDrain.run(ops, backlog.events(), warm, timeout, parts);
                }
                Map<String, Long> calls = ops.commandCalls();
                values.put("xreadgroup_calls", (double) calls.getOrDefault("xreadgroup", 0L));
                values.put("xack_calls", (double) calls.getOrDefault("xack", 0L));
                if (backlog.events() > 0 && calls.getOrDefault("xreadgroup", 0L) > 0) {
                    values.put("entries_per_read", (double) backlog.events() / calls.get("xreadgroup"));
                }
                return new Run(s, system, rep, true, values, null);
            }
        } catch (Exception e) {
            return new Run(s, system, rep, false, Map.of(), e.getMessage());
        } finally {
            for (ScenarioJvm jvm : jvms) {
                try {
                    jvm.kill();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            deleteTree(dir);
            deleteTree(scratch);
        }
    }

    /**
     * A cluster scenario: a fresh local Redis Cluster (3 primaries with a replica each, node timeout
     * 1 s), the drain's backlog spread over the partitions, and the scenario JVM on its seeds.
     */
    private Map<String, Double> runCluster(
            Scenario s, String system, OrderServer orders, Path scratch, String name, List<ScenarioJvm> jvms)
            throws Exception {
        try (RedisCluster cluster = RedisCluster.start()) {
            String seeds = String.join(
                    ",",
                    cluster.nodes().stream().map(n -> "127.0.0.1:" + n.port()).toList());
            List<String> args = new ArrayList<>(s.args(settings));
            args.add("seeds=" + seeds);
            if (s == Scenario.DRAIN_NOOP_CLUSTER) {
                try (ClusterOps ops = new ClusterOps(seeds, Duration.ofSeconds(10))) {
                    ops.fill(0, settings.clusterDrainEvents());
                }
            }
            if (s == Scenario.ORDERED_CLUSTER) {
                try (ClusterOps ops = new ClusterOps(seeds, Duration.ofSeconds(10), system.equals("partitioned"))) {
                    ops.fillBySubject(settings.smallDrainEvents(), settings.orderedSubjects());
                }
            }
            ScenarioJvm jvm = ScenarioJvm.start(
                    settings,
                    system,
                    ClusterOps.uri(seeds),
                    orders.target(),
                    settings.plugins().resolve(s.handler),
                    args,
                    scratch.resolve("result"),
                    logs.resolve(name + ".log"));
            jvms.add(jvm);
            return new LinkedHashMap<>(jvm.await(settings.childTimeoutSeconds() + 30L));
        }
    }

    private ScenarioJvm start(
            Scenario s, String system, RedisServer redis, OrderServer orders, List<String> args, Path result, Path log)
            throws IOException {
        return ScenarioJvm.start(
                settings,
                system,
                redis.uri(),
                orders.target(),
                settings.plugins().resolve(s.handler),
                args,
                result,
                log);
    }

    private static String summary(Scenario s, Map<String, Double> v) {
        if (v.containsKey("join_ms")) {
            return String.format(
                    "join: heartbeat to owned and flowing %.0f ms (%.0f ms from process start, %.0f partitions moved); "
                            + "leave: SIGTERM to owned and flowing %.0f ms (%.0f partitions moved); %,.0f events, "
                            + "%,.0f lost",
                    v.get("join_ms"),
                    v.get("join_from_start_ms"),
                    v.get("joiner_partitions"),
                    v.get("leave_ms"),
                    v.get("leaver_partitions"),
                    v.get("events"),
                    v.get("lost"));
        }
        if (v.containsKey("instances")) {
            return String.format(
                    "%,.0f events/s with %.0f instance(s) on %.0f partition(s) (ready after %.1f s), CPU %.0f%%",
                    v.get("events_per_s"), v.get("instances"), v.get("partitions"), v.get("ready_s"), v.get("cpu_pct"));
        }
        if (v.containsKey("failover_ms")) {
            return String.format(
                    "kill -9 to first event handled %.0f ms (first XADD taken after %.0f ms), %,.0f lost, "
                            + "%,.0f duplicates",
                    v.get("failover_ms"), v.get("first_xadd_ms"), v.get("lost"), v.get("duplicates"));
        }
        if (v.containsKey("first_ack_ms")) {
            return String.format(
                    "%,.0f events in %.2f s from process start (%,.0f events/s), first ack after %.0f ms, "
                            + "CPU %,.0f ms",
                    v.get("events"),
                    v.get("total_s"),
                    v.get("events_per_s_from_start"),
                    v.get("first_ack_ms"),
                    v.get("cpu_ms"));
        }
        if (v.containsKey("events_per_s")) {
            String split = !v.containsKey("smaller_share_pct")
                    ? ""
                    : String.format(
                            ", smaller share %.0f%%, " + "%,.0f duplicates",
                            v.get("smaller_share_pct"), v.get("duplicates"));
            return String.format(
                    "%,.0f events/s, peak RSS %.0f MB, CPU %.0f%%, %.1f entries/XREADGROUP, " + "peak pending %,.0f%s",
                    v.get("events_per_s"),
                    v.get("rss_peak_mb"),
                    v.get("cpu_pct"),
                    v.getOrDefault("entries_per_read", 0.0),
                    v.getOrDefault("max_pending", 0.0),
                    split);
        }
        return String.format(
                "p50 %.2f / p99 %.2f / p99.9 %.2f ms (%,.0f samples), CPU %.0f%%",
                v.get("p50_ms"), v.get("p99_ms"), v.get("p999_ms"), v.get("samples"), v.get("cpu_pct"));
    }

    /** JIT-warms the order service (a cold server would penalise whichever system runs first). */
    private void warmOrderService(String target, int calls) throws InterruptedException {
        if (calls <= 0) {
            return;
        }
        long t0 = System.nanoTime();
        ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                .build();
        try {
            var stub = OrderServiceGrpc.newStub(channel);
            Semaphore inFlight = new Semaphore(128);
            CountDownLatch done = new CountDownLatch(calls);
            for (int i = 0; i < calls; i++) {
                inFlight.acquire();
                stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                        .markPaid(
                                MarkPaidRequest.newBuilder()
                                        .setOrderId("o-warm-" + i)
                                        .setWalletId("w")
                                        .setAmountCents(1)
                                        .build(),
                                new StreamObserver<MarkPaidReply>() {
                                    public void onNext(MarkPaidReply r) {}

                                    public void onError(Throwable t) {
                                        inFlight.release();
                                        done.countDown();
                                    }

                                    public void onCompleted() {
                                        inFlight.release();
                                        done.countDown();
                                    }
                                });
            }
            done.await(60, TimeUnit.SECONDS);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        log.printf("  order service warmed with %,d calls (%.1f s)%n", calls, (System.nanoTime() - t0) / 1e9);
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort: a leftover temp dir is not worth failing the benchmark
        }
    }

    /**
     * Samples the 1-minute load average every 5 s. The benchmark itself keeps it near 2 on a 2-core
     * box; much more means other work shared the cores and the figures are not trustworthy.
     */
    private static final class LoadSampler {
        private final List<Double> samples = new ArrayList<>();
        private final Thread thread;
        private volatile boolean stopping;

        LoadSampler() {
            thread = Thread.ofPlatform().daemon(true).name("load-sampler").start(() -> {
                while (!stopping) {
                    try {
                        String avg = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
                        synchronized (samples) {
                            samples.add(Double.parseDouble(avg));
                        }
                        Thread.sleep(5_000);
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException | RuntimeException e) {
                        return; // no /proc: no figure
                    }
                }
            });
        }

        void stop() {
            stopping = true;
            thread.interrupt();
        }

        Double median() {
            synchronized (samples) {
                if (samples.isEmpty()) {
                    return null;
                }
                List<Double> sorted = samples.stream().sorted().toList();
                return sorted.get(sorted.size() / 2);
            }
        }

        Double max() {
            synchronized (samples) {
                return samples.stream().max(Double::compare).orElse(null);
            }
        }
    }
}
