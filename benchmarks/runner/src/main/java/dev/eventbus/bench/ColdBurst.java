package dev.eventbus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One burst scenario run ({@link Scenario#cold()}): the stream already holds the burst; the
 * consumer's process starts cold and is timed from outside, from just before the process is
 * started to the first acknowledgement and to the group drained, by polling {@code XINFO GROUPS}
 * every millisecond (acknowledged = entries-read - pending). Eventbus runs as an operator starts it,
 * {@code bin/eventbus run} of the unpacked distribution (its own JVM options, its AOT cache when
 * the distribution has one; {@code eventbus-no-aot} sets {@code EVENTBUS_AOT=off}), the references
 * as a plain {@code java} running {@link ColdReferenceMain}; both get the benchmark's JVM flags.
 * The first acknowledgement follows the first handled event by at most one ack batch, so it bounds
 * the time to the first event handled from above. Not thread-safe.
 */
final class ColdBurst {

    private ColdBurst() {}

    static Map<String, Double> run(
            Settings settings, String system, String redisUri, RedisOps ops, long events, Path scratch, Path log)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        String group;
        if (system.startsWith("eventbus")) {
            Path bin = settings.dist().resolve("bin").resolve("eventbus");
            if (!Files.isExecutable(bin)) {
                throw new IllegalStateException(bin + " is missing: build the distribution first "
                        + "(./mvnw -o -q -pl dist -am package -DskipTests)");
            }
            Path conf = scratch.resolve("eventbus.conf");
            Files.writeString(conf, """
                    eventbus {
                      redis.uri = "%s"
                      plugins-dir = "%s"
                      consumer-name = "bench-1"
                      admin.http-port = 0
                      admin.grpc-port = 0
                    }
                    """.formatted(
                            redisUri, settings.plugins().resolve("noop").toAbsolutePath()));
            cmd.add(bin.toString());
            cmd.add("run");
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().put("EVENTBUS_CONFIG", conf.toString());
            pb.environment().put("JAVA_OPTS", String.join(" ", settings.jvmFlags()));
            if (system.equals("eventbus-no-aot")) {
                pb.environment().put("EVENTBUS_AOT", "off");
            }
            group = "bench-noop";
        } else {
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add(ScenarioJvm.NATIVE_ACCESS); // as bin/eventbus adds it for Eventbus
            cmd.addAll(settings.jvmFlags());
            cmd.add("-cp");
            cmd.add(settings.jar().toString());
            cmd.add(ColdReferenceMain.class.getName());
            cmd.add("redis=" + redisUri);
            cmd.add("system=" + system);
            group = ReferenceConsumer.GROUP;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.childTimeoutSeconds());
        long t0 = System.nanoTime();
        Process process = pb.start();
        try {
            long firstAck = -1;
            RedisOps.GroupState state;
            while (true) {
                state = groupOrNull(ops, group);
                long now = System.nanoTime();
                if (state != null) {
                    if (firstAck < 0 && state.entriesRead() - state.pending() > 0) {
                        firstAck = now;
                    }
                    if (state.pending() == 0 && state.entriesRead() >= events) {
                        break;
                    }
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException(system + " exited with " + process.exitValue()
                            + " before the burst was drained (" + state + "); log: " + log);
                }
                if (now > deadline) {
                    throw new IllegalStateException(system + " did not drain the burst within "
                            + settings.childTimeoutSeconds() + " s (" + state + "); log: " + log);
                }
                Thread.sleep(1);
            }
            long end = System.nanoTime();
            long cpu = Probe.cpuNanos(process.toHandle());
            Map<String, Double> f = new LinkedHashMap<>();
            f.put("events", (double) events);
            f.put("total_s", (end - t0) / 1e9);
            f.put("events_per_s_from_start", events / ((end - t0) / 1e9));
            f.put("first_ack_ms", (firstAck - t0) / 1e6);
            f.put("cpu_ms", cpu / 1e6);
            f.put("cpu_us_per_event", cpu / 1e3 / events);
            f.put("pending_after", (double) state.pending());
            f.put("entries_read", (double) state.entriesRead());
            return f;
        } finally {
            stop(process);
        }
    }

    private static RedisOps.GroupState groupOrNull(RedisOps ops, String group) {
        try {
            return ops.group(group);
        } catch (RuntimeException e) {
            return null; // the consumer has not created its group yet
        }
    }

    /** SIGTERM (Eventbus stops gracefully), then SIGKILL after 30 s. */
    private static void stop(Process process) throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
