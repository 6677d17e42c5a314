package dev.eventbus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Eventbus instance as an operator runs it: {@code bin/eventbus run} of the unpacked
 * distribution, with the benchmark's JVM flags in {@code JAVA_OPTS}, the no-op plugin, its own
 * consumer name, its handler ordered by subject, and {@code reference.conf} defaults otherwise
 * (ownership: {@code renew-every} 3 s, {@code lease-ttl} 10 s, in smoke mode too: shorter rounds
 * let leases lapse on a loaded 2-core machine). Its output goes to a log file.
 */
final class EventbusProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;
    private final long startedAt;

    private EventbusProcess(String name, Process process, Path log, long startedAt) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.startedAt = startedAt;
    }

    /**
     * @param name the instance's consumer name (its name in the instance registry)
     * @param partitions partitions of {@link Wire#STREAM}; 1: unpartitioned
     */
    static EventbusProcess start(
            Settings settings, String redisUri, String name, int partitions, Path scratch, Path log)
            throws IOException {
        Path bin = settings.dist().resolve("bin").resolve("eventbus");
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException(bin + " is missing: build the distribution first "
                    + "(./mvnw -q -pl benchmarks/runner,dist -am package -DskipTests)");
        }
        Path conf = scratch.resolve(name + ".conf");
        Files.writeString(conf, """
                eventbus {
                  redis.uri = "%s"
                  plugins-dir = "%s"
                  consumer-name = "%s"
                  admin.http-port = 0
                  admin.grpc-port = 0
                  handler-defaults.ordered-by-subject = true
                  %s
                }
                """.formatted(
                redisUri,
                settings.plugins().resolve("noop").toAbsolutePath(),
                name,
                partitions == 1 ? "" : "streams { \"" + Wire.STREAM + "\" { partitions = " + partitions + " } }"));
        ProcessBuilder pb = new ProcessBuilder(List.of(bin.toString(), "run"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("EVENTBUS_CONFIG", conf.toString());
        pb.environment().put("JAVA_OPTS", String.join(" ", settings.jvmFlags()));
        long t0 = System.nanoTime();
        return new EventbusProcess(name, pb.start(), log, t0);
    }

    String name() {
        return name;
    }

    /** {@link System#nanoTime()} just before the process was started. */
    long startedAt() {
        return startedAt;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    /** Fails when the instance has exited. */
    void checkAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(
                    "instance " + name + " exited with " + process.exitValue() + "; log: " + log);
        }
    }

    /** SIGTERM: the instance leaves the live set, drains, acknowledges and hands its partitions over. */
    void terminate() {
        process.destroy();
    }

    /** Waits for the instance to exit after {@link #terminate()}; false when it is still running. */
    boolean awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    /** SIGTERM, then SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
