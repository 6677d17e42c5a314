package dev.eventbus.bench;

import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.samples.orders.v1.MarkPaidReply;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;
import dev.eventbus.testkit.RedisServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
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

    static final List<String> SYSTEMS = List.of("reference", "eventbus");

    /** One scenario run: its figures, or why it failed. */
    record Run(Scenario scenario, String system, int rep, boolean ok, Map<String, Double> values, String error) {}

    private final Settings settings;
    private final PrintStream log;
    private final Path work;
    private final Path logs;
    private final Map<Long, Path> snapshots = new TreeMap<>();

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
        List<Scenario> scenarios = new ArrayList<>();
        for (Scenario s : Scenario.values()) {
            if (settings.only().isEmpty() || settings.only().contains(s.id)) {
                scenarios.add(s);
            }
        }
        List<Run> runs = new ArrayList<>();
        String redisVersion;
        long started = System.nanoTime();
        LoadSampler load = new LoadSampler();
        try (OrderServer orders = OrderServer.start(0)) {
            for (Scenario s : scenarios) {
                if (s.supported && s.backlog(settings) > 0) {
                    snapshot(s.backlog(settings));
                }
            }
            try (RedisServer probe = RedisServer.start()) {
                redisVersion = probe.version();
            }
            if (scenarios.stream().anyMatch(s -> s.supported && s.handler.equals("rpc"))) {
                warmOrderService(orders.target(), settings.serverWarmCalls());
                orders.reset();
            }
            for (int rep = 1; rep <= settings.runs(); rep++) {
                for (Scenario s : scenarios) {
                    if (!s.supported) {
                        continue;
                    }
                    List<String> order = rep % 2 == 1 ? SYSTEMS : SYSTEMS.reversed();
                    for (String system : order) {
                        long t0 = System.nanoTime();
                        Run r = runOne(s, system, rep, orders);
                        runs.add(r);
                        log.printf("  rep %d %-17s %-9s %s [%.0f s]%n", rep, s.id, system,
                                r.ok() ? summary(s, r.values()) : "FAILED: " + r.error(), (System.nanoTime() - t0) / 1e9);
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

    /** Fills a stream of {@code events} entries once and keeps Redis's RDB snapshot of it. */
    private void snapshot(long events) throws Exception {
        if (snapshots.containsKey(events)) {
            return;
        }
        Path dir = work.resolve("snapshot-" + events);
        long t0 = System.nanoTime();
        try (RedisServer redis = RedisServer.start(RedisServer.Options.defaults().withDataDir(dir));
                RedisOps ops = new RedisOps(redis.uri())) {
            ops.fill(0, events);
            ops.sync().save();
        }
        Path rdb = dir.resolve("dump.rdb");
        if (!Files.isRegularFile(rdb)) {
            throw new IllegalStateException("redis-server wrote no snapshot to " + rdb);
        }
        snapshots.put(events, rdb);
        log.printf("  stream of %,d events filled and saved (%.1f s, %,d MB RDB)%n", events,
                (System.nanoTime() - t0) / 1e9, Files.size(rdb) >> 20);
    }

    private Run runOne(Scenario s, String system, int rep, OrderServer orders) {
        String name = rep + "-" + s.id + "-" + system;
        Path dir = work.resolve("redis-" + name);
        Path result = work.resolve(name + ".properties");
        Path logFile = logs.resolve(name + ".log");
        long backlog = s.backlog(settings);
        try {
            Files.createDirectories(dir);
            if (backlog > 0) {
                Files.copy(snapshots.get(backlog), dir.resolve("dump.rdb"));
            }
            try (RedisServer redis = RedisServer.start(RedisServer.Options.defaults().withDataDir(dir));
                    RedisOps ops = new RedisOps(redis.uri())) {
                long length = ops.streamLength(Duration.ofSeconds(60));
                if (length != backlog) {
                    throw new IllegalStateException("redis loaded " + length + " entries, expected " + backlog);
                }
                List<String> cmd = new ArrayList<>();
                cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                cmd.addAll(settings.jvmFlags());
                cmd.add("-Dlogback.configurationFile=bench-logback.xml");
                cmd.add("-cp");
                cmd.add(settings.jar().toString());
                cmd.add(ScenarioMain.class.getName());
                cmd.add("system=" + system);
                cmd.add("redis=" + redis.uri());
                cmd.add("grpc=" + orders.target());
                cmd.add("plugins=" + settings.plugins().resolve(s.handler).toAbsolutePath());
                cmd.add("out=" + result.toAbsolutePath());
                cmd.addAll(s.args(settings));
                Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(logFile.toFile()).start();
                if (!child.waitFor(settings.childTimeoutSeconds() + 30L, TimeUnit.SECONDS)) {
                    child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new IllegalStateException("scenario JVM did not finish within "
                            + (settings.childTimeoutSeconds() + 30) + " s; log: " + logFile);
                }
                if (!Files.isRegularFile(result)) {
                    throw new IllegalStateException("scenario JVM exited with " + child.exitValue()
                            + " and wrote no result; log: " + logFile);
                }
                Properties p = new Properties();
                try (Reader r = Files.newBufferedReader(result)) {
                    p.load(r);
                }
                if (!"true".equals(p.getProperty("ok"))) {
                    throw new IllegalStateException(p.getProperty("error") + " (log: " + logFile + ")");
                }
                Map<String, Double> values = new LinkedHashMap<>();
                for (String key : p.stringPropertyNames().stream().sorted().toList()) {
                    if (!key.equals("ok")) {
                        values.put(key, Double.parseDouble(p.getProperty(key)));
                    }
                }
                Map<String, Long> calls = ops.commandCalls();
                values.put("xreadgroup_calls", (double) calls.getOrDefault("xreadgroup", 0L));
                values.put("xack_calls", (double) calls.getOrDefault("xack", 0L));
                if (backlog > 0 && calls.getOrDefault("xreadgroup", 0L) > 0) {
                    values.put("entries_per_read", (double) backlog / calls.get("xreadgroup"));
                }
                return new Run(s, system, rep, true, values, null);
            }
        } catch (Exception e) {
            return new Run(s, system, rep, false, Map.of(), e.getMessage());
        } finally {
            deleteTree(dir);
            try {
                Files.deleteIfExists(result);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private static String summary(Scenario s, Map<String, Double> v) {
        if (v.containsKey("events_per_s")) {
            return String.format("%,.0f events/s, peak RSS %.0f MB, CPU %.0f%%, %.1f entries/XREADGROUP, "
                    + "peak pending %,.0f", v.get("events_per_s"), v.get("rss_peak_mb"), v.get("cpu_pct"),
                    v.getOrDefault("entries_per_read", 0.0), v.getOrDefault("max_pending", 0.0));
        }
        return String.format("p50 %.2f / p99 %.2f / p99.9 %.2f ms (%,.0f samples), CPU %.0f%%",
                v.get("p50_ms"), v.get("p99_ms"), v.get("p999_ms"), v.get("samples"), v.get("cpu_pct"));
    }

    /** JIT-warms the order service (a cold server would penalise whichever system runs first). */
    private void warmOrderService(String target, int calls) throws InterruptedException {
        if (calls <= 0) {
            return;
        }
        long t0 = System.nanoTime();
        ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
        try {
            var stub = OrderServiceGrpc.newStub(channel);
            Semaphore inFlight = new Semaphore(128);
            CountDownLatch done = new CountDownLatch(calls);
            for (int i = 0; i < calls; i++) {
                inFlight.acquire();
                stub.withDeadlineAfter(5, TimeUnit.SECONDS).markPaid(
                        MarkPaidRequest.newBuilder().setOrderId("o-warm-" + i).setWalletId("w").setAmountCents(1).build(),
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
