package dev.eventbus.bench;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One {@link ScenarioMain} JVM started by {@link Benchmark}, with the benchmark's JVM flags: its
 * output goes to a log file, its figures to a properties file read by {@link #await}. Not
 * thread-safe.
 */
final class ScenarioJvm {

    /**
     * Every scenario JVM runs as {@code bin/eventbus} runs Eventbus. Without it, Netty 4.2 on JDK 24+
     * frees each direct buffer by closing a shared {@code Arena}, a handshake with every thread of the
     * JVM: in a 3,000,000-event drain the VM thread spent 9% of each system's samples on them (perf),
     * and every thread stopped for each.
     */
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    private final Process process;
    private final Path result;
    private final Path log;

    private ScenarioJvm(Process process, Path result, Path log) {
        this.process = process;
        this.result = result;
        this.log = log;
    }

    /**
     * @param args the scenario's arguments ({@link Scenario#args}) and any more, e.g. the consumer name
     */
    static ScenarioJvm start(
            Settings settings,
            String system,
            String redisUri,
            String grpcTarget,
            Path plugins,
            List<String> args,
            Path result,
            Path log)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(NATIVE_ACCESS);
        cmd.addAll(settings.jvmFlags());
        cmd.add("-Dlogback.configurationFile=bench-logback.xml");
        cmd.add("-cp");
        cmd.add(settings.jar().toString());
        cmd.add(ScenarioMain.class.getName());
        cmd.add("system=" + system);
        cmd.add("redis=" + redisUri);
        cmd.add("grpc=" + grpcTarget);
        cmd.add("plugins=" + plugins.toAbsolutePath());
        cmd.add("out=" + result.toAbsolutePath());
        cmd.addAll(args);
        Files.deleteIfExists(result);
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new ScenarioJvm(p, result, log);
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** Waits for the JVM to end and returns its figures; throws when it failed or took too long. */
    Map<String, Double> await(long timeoutSeconds) throws IOException, InterruptedException {
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(
                        "scenario JVM did not finish within " + timeoutSeconds + " s; log: " + log);
            }
            if (!Files.isRegularFile(result)) {
                throw new IllegalStateException(
                        "scenario JVM exited with " + process.exitValue() + " and wrote no result; log: " + log);
            }
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(result)) {
                p.load(r);
            }
            if (!"true".equals(p.getProperty("ok"))) {
                throw new IllegalStateException(p.getProperty("error") + " (log: " + log + ")");
            }
            Map<String, Double> values = new LinkedHashMap<>();
            for (String key : p.stringPropertyNames().stream().sorted().toList()) {
                if (!key.equals("ok")) {
                    values.put(key, Double.parseDouble(p.getProperty(key)));
                }
            }
            return values;
        } finally {
            Files.deleteIfExists(result);
        }
    }

    /** Ends the JVM if it still runs (after another one of its scenario failed). */
    void kill() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
