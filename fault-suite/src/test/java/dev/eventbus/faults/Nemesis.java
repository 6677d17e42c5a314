package dev.eventbus.faults;

import dev.eventbus.faults.plugin.FaultHandler;
import dev.eventbus.faults.plugin.OrderedFaultHandler;
import dev.eventbus.testkit.PluginJarBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one {@link FaultSchedule}: two runtime instances (one plugin with an unordered and an
 * ordered handler on one stream) under steady load from {@link LoadGenerator}, the schedule's
 * faults injected and healed on their own threads (faults of one lock group never overlap), then
 * the load stops, the system drains (bounded) and {@link NemesisOracle} judges. Records exactly
 * which entry ids the nemesis itself removed (XTRIM, XDEL): the only ones allowed to be lost.
 * Not thread-safe except for the methods faults call ({@link #removed}, {@link #violation},
 * {@link #instance}, {@link #restart}), which are.
 */
final class Nemesis implements AutoCloseable {

    static final List<String> HANDLERS = List.of(FaultHandler.NAME, OrderedFaultHandler.NAME);
    static final List<String> PREFIXES = List.of("s-", "o-");
    private static final String PLUGIN_ID = "fault-plugin";
    private static final Pattern LEAKED =
            Pattern.compile("plugin \\S+ left \\d+ thread\\(s\\) running after it stopped");
    private static volatile Path twoHandlerJar;

    final FaultSchedule schedule;
    final FaultRig rig;
    final LoadGenerator load;
    final int ratePerSecond;
    final boolean ordered;
    final Random random;
    final boolean[] reloaded = new boolean[2];
    /** Entry ids XTRIM or XDEL removed (for sure, or maybe when the command's answer was lost). */
    final Set<String> removed = ConcurrentHashMap.newKeySet();

    final Set<String> maybeRemoved = ConcurrentHashMap.newKeySet();
    final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    final List<String> timeline = Collections.synchronizedList(new ArrayList<>());
    private final RuntimeProcess[] instances = new RuntimeProcess[2];
    private final List<Map<String, String>> own = new ArrayList<>();
    private final int[] httpPorts = new int[2];
    private final int[] grpcPorts = new int[2];
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private int faultsRun;
    private long start;

    /** @param ordered whether the second handler runs {@code ordered-by-subject} (else both are unordered) */
    Nemesis(FaultSchedule schedule, int ratePerSecond, int subjects, boolean ordered) throws IOException {
        this.schedule = schedule;
        this.ratePerSecond = ratePerSecond;
        this.ordered = ordered;
        this.random = new Random(schedule.seed() ^ 0x5DEECE66DL);
        this.rig = new FaultRig("random-" + schedule.seed(), twoHandlerJar(), 2);
        rig.useAofRedis();
        rig.set("handlers.\"" + OrderedFaultHandler.NAME + "\".ordered-by-subject", Boolean.toString(ordered));
        rig.set("consumer.missing-group", "\"recreate\"");
        for (int i = 0; i < 2; i++) {
            own.add(Map.of());
            pickAdminPorts(i);
        }
        this.load = new LoadGenerator(rig.redis.uri(), schedule.seed(), ratePerSecond, subjects);
    }

    /** Runs the schedule, drains and judges; never throws for a defect (it becomes a violation). */
    NemesisOracle.Verdict run() throws Exception {
        for (int i = 0; i < 2; i++) {
            instances[i] = startInstance(i);
        }
        start = System.nanoTime();
        load.start();
        List<Thread> threads = new ArrayList<>();
        for (FaultSchedule.Planned planned : schedule.faults()) {
            threads.add(Thread.ofVirtual().name("nemesis-" + planned.kind()).start(() -> strike(planned)));
        }
        sleepUntil(schedule.lengthMillis());
        for (Thread t : threads) {
            t.join(120_000);
        }
        load.close();
        note("load stopped at seq " + load.lastSeq());
        for (int i = 0; i < 2; i++) {
            if (!instances[i].isAlive()) {
                violation("runtime " + instances[i].consumerName + " died: " + instances[i].describe());
                restart(i);
            }
        }
        boolean drained = FaultRig.poll(Duration.ofSeconds(60), this::quiet);
        note(drained ? "drained" : "NOT drained within 60 s");
        if (!drained) {
            violation("not quiet 60 s after the load stopped: " + quietState());
        }
        FaultRig.sleep(2000); // late writes: a second loss record, a duplicate dead letter
        NemesisOracle.Verdict verdict = new NemesisOracle(this).judge(faultsRun);
        checkProcesses();
        return verdict;
    }

    private void strike(FaultSchedule.Planned planned) {
        Faults.Fault fault = Faults.ALL.get(planned.kind()).get();
        sleepUntil(planned.atMillis());
        ReentrantLock lock = locks.computeIfAbsent(fault.lockGroup(planned), k -> new ReentrantLock());
        lock.lock();
        try {
            long injectedAt = elapsed();
            String what;
            try {
                what = fault.inject(this, planned);
            } catch (Exception e) {
                note(planned + " inject failed at " + injectedAt + " ms: " + e);
                what = null;
            }
            synchronized (this) {
                faultsRun++;
            }
            if (what != null) {
                note(planned.kind() + " at " + injectedAt + " ms: " + what);
            }
            FaultRig.sleep(planned.forMillis());
            try {
                String healed = fault.heal(this, planned);
                if (!healed.isEmpty()) {
                    note(planned.kind() + " healed at " + elapsed() + " ms: " + healed);
                }
            } catch (Exception e) {
                violation(planned + ": heal failed: " + e);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- what faults use ----

    RuntimeProcess instance(int i) {
        synchronized (instances) {
            return instances[i];
        }
    }

    void restart(int i) throws IOException, InterruptedException {
        RuntimeProcess rt = startInstance(i);
        synchronized (instances) {
            instances[i] = rt;
        }
    }

    String reloadPlugin(int i) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(
                        RuntimeProcess.DIST.resolve("bin/eventbus").toString(),
                        "plugins",
                        "reload",
                        PLUGIN_ID,
                        "--admin",
                        "127.0.0.1:" + grpcPorts[i])
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        return "plugins reload on nemesis-" + i + ": exit " + (ended ? p.exitValue() : "none") + ": " + out;
    }

    /**
     * When each group was destroyed (just before the command): the oracle's order check starts
     * again there, since the re-created group reads the stream from its start.
     */
    final Map<String, List<Instant>> destroyed = new ConcurrentHashMap<>();

    void groupDestroyed(String group) {
        destroyed
                .computeIfAbsent(group, g -> Collections.synchronizedList(new ArrayList<>()))
                .add(Instant.now());
    }

    void removed(Collection<String> ids, boolean certain) {
        (certain ? removed : maybeRemoved).addAll(ids);
    }

    void violation(String what) {
        violations.add(what);
        note("VIOLATION " + what);
    }

    /** Runs a healing command until Redis answers (it may be restarting), for at most 30 s. */
    void retrying(Supplier<Object> command) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                command.get();
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                FaultRig.sleep(200);
            }
        }
    }

    void note(String line) {
        String stamped = String.format("%7d ms  %s", elapsed(), line);
        timeline.add(stamped);
        System.out.println("NEMESIS " + schedule.seed() + " " + stamped);
    }

    // ---- draining and process checks ----

    /** Both groups' pending lists and retry sets empty. */
    private boolean quiet() {
        for (String group : HANDLERS) {
            if (pendingOf(group) != 0
                    || (Long) rig.redis("ZCARD", "eventbus:retry:" + group + ":" + FaultRig.STREAM) != 0) {
                return false;
            }
        }
        return true;
    }

    private String quietState() {
        StringBuilder sb = new StringBuilder();
        for (String group : HANDLERS) {
            sb.append(group).append(": pending ").append(pendingOf(group));
            try {
                sb.append(", retries ").append(rig.redis("ZCARD", "eventbus:retry:" + group + ":" + FaultRig.STREAM));
            } catch (RuntimeException e) {
                sb.append(", retries ?");
            }
            sb.append("; ");
        }
        return sb.toString();
    }

    long pendingOf(String group) {
        try {
            return (Long) ((List<?>) rig.redis("XPENDING", FaultRig.STREAM, group)).get(0);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Both instances live and ready; after a reload, no plugin thread and no old class loader left. */
    private void checkProcesses() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (int i = 0; i < 2; i++) {
            RuntimeProcess rt = instance(i);
            if (!rt.isAlive()) {
                violation("runtime " + rt.consumerName + " not alive at the end");
                continue;
            }
            for (String probe : List.of("live", "ready")) {
                URI uri = URI.create("http://127.0.0.1:" + httpPorts[i] + "/health/" + probe);
                boolean ok = FaultRig.poll(Duration.ofSeconds(30), () -> status(http, uri) == 200);
                if (!ok) {
                    violation(rt.consumerName + " /health/" + probe + " answers " + status(http, uri) + " at the end");
                }
            }
            Matcher leaked = LEAKED.matcher(rt.output());
            if (leaked.find()) {
                violation(rt.consumerName + ": " + leaked.group());
            }
            if (reloaded[i]) {
                int[] loaders = new int[1];
                boolean one = FaultRig.poll(Duration.ofSeconds(20), () -> {
                    loaders[0] = pluginClassLoaders(rt.pid());
                    return loaders[0] <= 1;
                });
                note(rt.consumerName + ": " + loaders[0] + " plugin class loader(s) alive after reloads and a full GC");
                if (!one) {
                    violation(rt.consumerName + ": " + loaders[0]
                            + " plugin class loaders alive after reloads and a full GC" + " (1 expected)");
                }
            }
        }
    }

    private static int status(HttpClient http, URI uri) {
        try {
            return http.send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Live plugin class loaders of a runtime, counted by {@code jcmd VM.classloaders} after {@code GC.run}. */
    private static int pluginClassLoaders(long pid) {
        jcmd(pid, "GC.run");
        String out = jcmd(pid, "VM.classloaders");
        int n = 0;
        for (int i = out.indexOf("SharedFirstPluginClassLoader");
                i >= 0;
                i = out.indexOf("SharedFirstPluginClassLoader", i + 1)) {
            n++;
        }
        return n;
    }

    private static String jcmd(long pid, String command) {
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("jcmd " + command + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- helpers ----

    long elapsed() {
        return start == 0 ? 0 : (System.nanoTime() - start) / 1_000_000;
    }

    private void sleepUntil(long millis) {
        long wait = millis - elapsed();
        if (wait > 0) {
            FaultRig.sleep(wait);
        }
    }

    /**
     * Starts instance {@code i}; when its admin ports were taken meanwhile (by another process on a
     * shared machine), with new ones: a port clash is the rig's trouble, not the runtime's.
     */
    private RuntimeProcess startInstance(int i) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return rig.startRuntime("nemesis-" + i, own.get(i));
            } catch (AssertionError e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw e;
                }
                note("nemesis-" + i + ": admin port taken, starting again on other ports");
                pickAdminPorts(i);
            }
        }
    }

    private void pickAdminPorts(int i) throws IOException {
        httpPorts[i] = FaultRig.freePort();
        grpcPorts[i] = FaultRig.freePort();
        own.set(
                i,
                Map.of(
                        "admin.http-port",
                        Integer.toString(httpPorts[i]),
                        "admin.grpc-port",
                        Integer.toString(grpcPorts[i])));
    }

    /** The fault plugin with both handlers (unordered and ordered), built once. */
    static synchronized Path twoHandlerJar() throws IOException {
        if (twoHandlerJar == null) {
            Path dir = Files.createTempDirectory("eventbus-nemesis-plugin-");
            PluginJarBuilder builder = new PluginJarBuilder(PLUGIN_ID)
                    .version("1.0.0")
                    .provider("eventbus fault suite")
                    .description("Misbehaves on demand, two handlers")
                    .extension(FaultHandler.class)
                    .extension(OrderedFaultHandler.class);
            FaultRig.orderApi(builder);
            twoHandlerJar = builder.build(dir);
        }
        return twoHandlerJar;
    }

    @Override
    public void close() {
        load.close();
        rig.close();
    }
}
