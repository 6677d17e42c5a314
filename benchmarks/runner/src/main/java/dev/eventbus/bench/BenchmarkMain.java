package dev.eventbus.bench;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The benchmark's command line ({@link #USAGE}). Prints the table and writes
 * {@code DIR/benchmark.json} (DIR defaults to the JAR's directory, {@code benchmarks/runner/target}).
 * Exits 1 when a scenario failed or a figure is missing, 2 on a bad argument; timings are never
 * judged here.
 */
public final class BenchmarkMain {

    static final String USAGE = """
            usage: java -jar benchmarks/runner/target/benchmarks.jar [options]

              --smoke             small counts, one repetition, C1 only: checks that every scenario
                                  completes (about a minute); the default is the full run (about 12 minutes)
              --runs N            repetitions; figures are their medians (full: 3)
              --events N          backlog of drain-noop, ordered-by-subject, drain-noop-pair and
                                  ordered-instances (full: 1,000,000); drain-noop-cluster's is 3 N (full mode)
              --subjects N        subjects the ordered backlogs' events share in turn (full: 10,000)
              --only A,B,...      only these scenarios, plus drain-noop when a ratio needs it:
                                  %s
              --jvm-flags "..."   flags of every scenario JVM (default: -Xmx512m -XX:+UseG1GC)
              --out DIR           where benchmark.json and bench-logs/ go (default: beside the JAR)
              --dist DIR          the unpacked distribution the burst scenarios start bin/eventbus from
                                  (default: dist/target/eventbus of the checkout the JAR was built in)
              --help              this text
            """.formatted(String.join(
            ", ", Arrays.stream(Scenario.values()).map(s -> s.id).toList()));

    private static final List<String> FLAGS = List.of("--smoke", "--help");
    private static final List<String> OPTIONS = List.of(
            "--runs", "--events", "--subjects", "--only", "--jvm-flags", "--out", "--jar", "--plugins", "--dist");

    private BenchmarkMain() {}

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.print(USAGE);
            return;
        }
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "bench-logback.xml");
        }
        if (!Boolean.getBoolean("bench.isolated")) {
            System.exit(isolated(args));
            return;
        }
        Report report;
        try {
            report = run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("benchmark: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(report.problems().isEmpty() ? 0 : 1);
    }

    /**
     * Runs the benchmark from a private copy of the runner JAR, its libraries and the plugin JARs,
     * so that a build rewriting {@code target/} meanwhile (another terminal, CI of a sibling
     * checkout) cannot break a 10-minute run halfway. Output still goes to {@code target/}.
     */
    private static int isolated(String[] args) throws Exception {
        Path jar = Path.of(System.getProperty("bench.jar", defaultJar().toString()))
                .toAbsolutePath();
        Path home = jar.getParent();
        Path copy = Files.createTempDirectory("eventbus-bench-");
        try {
            copyTree(home.resolve("lib"), copy.resolve("lib"));
            copyTree(home.resolve("bench-plugins"), copy.resolve("bench-plugins"));
            Files.copy(jar, copy.resolve("benchmarks.jar"));
            List<String> cmd = new java.util.ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dbench.isolated=true",
                    "-Dbench.out=" + System.getProperty("bench.out", home.toString()),
                    "-Dbench.dist="
                            + System.getProperty(
                                    "bench.dist", Settings.defaultDist(jar).toString()),
                    "-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile"),
                    "-cp",
                    copy.resolve("benchmarks.jar").toString(),
                    BenchmarkMain.class.getName()));
            cmd.addAll(List.of(args));
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        } finally {
            Benchmark.deleteTree(copy);
        }
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        if (!Files.isDirectory(from)) {
            throw new IllegalArgumentException(from + " is missing: build the runner module first "
                    + "(./mvnw -q -pl benchmarks/runner -am package -DskipTests)");
        }
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** Parses the arguments, runs, prints and writes the report. */
    static Report run(String... args) throws Exception {
        List<String> a = Arrays.asList(args);
        for (int i = 0; i < a.size(); i++) {
            if (OPTIONS.contains(a.get(i))) {
                i++;
            } else if (!FLAGS.contains(a.get(i))) {
                throw new IllegalArgumentException("unknown argument '" + a.get(i) + "'\n" + USAGE);
            }
        }
        Path jar = Path.of(
                value(a, "--jar", System.getProperty("bench.jar", defaultJar().toString())));
        Path home = jar.toAbsolutePath().getParent();
        Path plugins = Path.of(value(
                a,
                "--plugins",
                System.getProperty(
                        "bench.plugins", home.resolve("bench-plugins").toString())));
        Path out = Path.of(value(a, "--out", System.getProperty("bench.out", home.toString())));
        Settings s = a.contains("--smoke") ? Settings.smoke(jar, plugins, out) : Settings.full(jar, plugins, out);
        s = s.withDist(Path.of(
                value(a, "--dist", System.getProperty("bench.dist", s.dist().toString()))));
        if (a.contains("--runs")) {
            s = s.withRuns(Integer.parseInt(value(a, "--runs", null)));
        }
        if (a.contains("--events")) {
            s = s.withDrainEvents(Long.parseLong(value(a, "--events", null)));
        }
        if (a.contains("--subjects")) {
            s = s.withOrderedSubjects(Long.parseLong(value(a, "--subjects", null)));
        }
        if (a.contains("--jvm-flags")) {
            s = s.withJvmFlags(List.of(value(a, "--jvm-flags", null).trim().split("\\s+")));
        }
        if (a.contains("--only")) {
            s = s.withOnly(new LinkedHashSet<>(List.of(value(a, "--only", null).split(","))));
            Benchmark.scenarios(s); // unknown names fail here, before anything starts
        }
        System.out.printf(
                "Eventbus benchmark, %s mode: %d repetition(s); scenario logs in %s%n",
                s.mode(), s.runs(), out.resolve("bench-logs"));
        Report report = new Benchmark(s, System.out).run();
        report.print(System.out);
        Path json = out.resolve("benchmark.json");
        report.writeJson(json);
        System.out.println();
        System.out.println("written: " + json.toAbsolutePath());
        return report;
    }

    private static String value(List<String> args, String flag, String fallback) {
        int i = args.indexOf(flag);
        if (i < 0) {
            return fallback;
        }
        if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args.get(i + 1);
    }

    /** This JAR, or (when run from target/classes) the JAR beside it. */
    private static Path defaultJar() {
        try {
            Path self = Path.of(BenchmarkMain.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            if (Files.isRegularFile(self)) {
                return self;
            }
            return self.getParent().resolve("benchmarks.jar");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("benchmarks/runner/target/benchmarks.jar");
        }
    }
}
