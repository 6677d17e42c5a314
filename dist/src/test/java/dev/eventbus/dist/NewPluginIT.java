package dev.eventbus.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin team's first minutes: {@code bin/eventbus new-plugin} from the unpacked distribution
 * makes a project (the eventbus-plugin-archetype template), and that project's own {@code ./mvnw -o
 * verify} builds it, runs its unit tests and its integration test against the real runtime, offline.
 *
 * <p>The generated build needs this build's Eventbus artifacts, which {@code verify} has not
 * installed: they are laid out in a throwaway local repository (target/it-repo), and the caller's
 * local repository is a read-only tail behind it ({@code maven.repo.local.tail}, Maven 3.9) for
 * everything else. Nothing is installed into the caller's repository.
 */
class NewPluginIT {

    private static final Path DIST = Path.of("target/eventbus").toAbsolutePath();
    private static final Path LOGS = Path.of("target/it-logs").toAbsolutePath();
    private static final Path REPO = Path.of("target/it-repo").toAbsolutePath();

    /** The Eventbus artifacts a plugin project resolves: module directory, artifactId, whether it has a JAR. */
    private record Module(String dir, String artifactId, boolean jar) {}

    private static final List<Module> MODULES = List.of(
            new Module(".", "eventbus-parent", false),
            new Module("plugins", "eventbus-plugin-parent", false),
            new Module("plugin-api", "eventbus-plugin-api", true),
            new Module("producer", "eventbus-producer", true), // the runtime uses its partition layout
            new Module("redis-launcher", "eventbus-redis-launcher", true),
            new Module("testkit", "eventbus-testkit", true),
            new Module("plugin-archetype", "eventbus-plugin-archetype", true),
            new Module("runtime", "eventbus-runtime", true),
            new Module("testkit-runtime", "eventbus-testkit-runtime", true));

    @Test
    void aNewPluginProjectBuildsAndPassesItsTestsOffline(@TempDir Path tmp) throws Exception {
        Files.createDirectories(LOGS);
        seedRepository();
        Path project = tmp.resolve("order-audit");

        int created = run(
                "new-plugin",
                tmp,
                DIST.resolve("bin/eventbus").toString(),
                "new-plugin",
                "order-audit",
                "--package",
                "com.acme.audit",
                "--service",
                "AuditService",
                "--dir",
                project.toString());
        assertEquals(0, created, "bin/eventbus new-plugin failed; see " + LOGS.resolve("new-plugin.log"));

        int built = run(
                "new-plugin-verify",
                project,
                project.resolve("mvnw").toString(),
                "-o",
                "-B",
                "verify",
                "-Dmaven.repo.local=" + REPO,
                "-Dmaven.repo.local.tail=" + property("eventbus.it.local-repository"));
        assertEquals(
                0,
                built,
                "the generated project's ./mvnw -o verify failed; see " + LOGS.resolve("new-plugin-verify.log"));

        assertTestsRan(project.resolve("target/surefire-reports/TEST-com.acme.audit.ApplyHandlerTest.xml"), 6);
        assertTestsRan(project.resolve("target/failsafe-reports/TEST-com.acme.audit.ApplyHandlerIT.xml"), 3);
        try (JarFile jar = new JarFile(
                project.resolve("target/order-audit-0.1.0-SNAPSHOT.jar").toFile())) {
            assertEquals("order-audit", jar.getManifest().getMainAttributes().getValue("Plugin-Id"));
            assertNotNull(
                    jar.getEntry("com/acme/audit/v1/AuditServiceGrpc.class"),
                    "the plugin JAR carries its generated stubs");
            assertNotNull(jar.getEntry("com/acme/audit/ApplyHandler.class"));
        }
    }

    /**
     * A plugin written by hand as the README's "Write a plugin" shows: a pom that only inherits the
     * plugin parent (plus the test kits), a handler, and an {@code EventbusExtension} test in a class
     * named {@code *IT}. Its {@code ./mvnw -o verify} runs that test against the packaged JAR: the
     * plugin parent binds failsafe and sets {@code plugin.jar}, not only the generated pom.
     */
    @Test
    void aPluginWrittenByHandRunsItsIntegrationTestInVerify(@TempDir Path tmp) throws Exception {
        Files.createDirectories(LOGS);
        seedRepository();
        Path project = tmp.resolve("audit-plugin");
        writePom(project, """
                    <dependency><groupId>dev.eventbus</groupId><artifactId>eventbus-testkit</artifactId><scope>test</scope></dependency>
                    <dependency><groupId>dev.eventbus</groupId><artifactId>eventbus-testkit-runtime</artifactId><scope>test</scope></dependency>
                    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><scope>test</scope></dependency>
                """);
        writeHandler(project, "");
        write(project.resolve("src/test/java/com/acme/AuditHandlerIT.java"), """
                package com.acme;

                import dev.eventbus.testkit.RedisExtension;
                import dev.eventbus.testkit.runtime.EventbusExtension;
                import java.nio.file.Path;
                import org.junit.jupiter.api.Test;
                import org.junit.jupiter.api.extension.RegisterExtension;

                class AuditHandlerIT {
                    @RegisterExtension
                    static final RedisExtension REDIS = new RedisExtension();

                    @RegisterExtension
                    final EventbusExtension eventbus = EventbusExtension.with(REDIS)
                            .plugin(Path.of(System.getProperty("plugin.jar")));

                    @Test
                    void anOrderIsHandled() {
                        eventbus.publish("orders", "type", "order.created").awaitHandled();
                    }
                }
                """);
        int built = verify(project, "hand-written-plugin-verify");
        assertEquals(
                0,
                built,
                "the hand-written plugin's ./mvnw -o verify failed; see "
                        + LOGS.resolve("hand-written-plugin-verify.log"));
        assertTestsRan(project.resolve("target/failsafe-reports/TEST-com.acme.AuditHandlerIT.xml"), 1);
    }

    /**
     * Found from outside: a start hook calling {@code System.exit(0)} ended the admission check, run
     * by {@code exec:java} in Maven's own JVM, and Maven with it, with status 0: {@code ./mvnw verify}
     * passed. The check runs the plugin in a JVM of its own: the build fails, naming the call.
     */
    @Test
    void aPluginWhoseStartHookCallsSystemExitFailsItsBuild(@TempDir Path tmp) throws Exception {
        Files.createDirectories(LOGS);
        seedRepository();
        Path project = tmp.resolve("exit-plugin");
        writePom(project, "");
        writeHandler(project, """
                    public void start(com.typesafe.config.Config config) {
                        System.exit(0);
                    }
                """);

        int built = verify(project, "exiting-plugin-verify");
        String log = Files.readString(LOGS.resolve("exiting-plugin-verify.log"));
        assertEquals(1, built, log);
        assertTrue(log.contains("BUILD FAILURE"), log);
        assertTrue(
                log.contains("(eventbus-admission-check) on project audit-plugin: An exception occurred while "
                        + "executing the Java class. a plugin called System.exit(0) during the check "
                        + "(com.acme.AuditHandler.start(AuditHandler.java:"),
                log);
    }

    /**
     * Found from outside: a {@code reference.conf} cut short failed the build with Typesafe Config's
     * message and stack trace about {@code target/classes/reference.conf}, not as the README shows
     * (the runtime's reason for the JAR).
     */
    @Test
    void aReferenceConfCutShortFailsTheBuildAsTheReadmeShows(@TempDir Path tmp) throws Exception {
        Files.createDirectories(LOGS);
        seedRepository();
        Path project = tmp.resolve("cut-plugin");
        writePom(project, "");
        writeHandler(project, "");
        write(project.resolve("src/main/resources/reference.conf"), "eventbus.plugins.audit {\n  log-calls =\n");

        int built = verify(project, "cut-reference-verify");
        String log = Files.readString(LOGS.resolve("cut-reference-verify.log"));
        assertEquals(1, built, log);
        assertTrue(
                log.contains("[ERROR] Failed to execute goal org.codehaus.mojo:exec-maven-plugin:3.5.1:java "
                        + "(eventbus-admission-check) on project audit-plugin: An exception occurred while executing "
                        + "the Java class. the runtime would refuse it: audit-plugin-" + property("eventbus.it.version")
                        + ".jar (plugin audit): its reference.conf cannot be read: Parse: Reader: 3: Expecting a value "
                        + "but got wrong token: end of file"),
                log);
        assertFalse(log.contains("\tat "), "no stack trace: " + log);
    }

    /** A pom as the README's "Write a plugin" shows, with these dependency lines. */
    private static void writePom(Path project, String dependencies) throws IOException {
        write(project.resolve("pom.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <parent>
                    <groupId>dev.eventbus</groupId><artifactId>eventbus-plugin-parent</artifactId><version>%s</version>
                  </parent>
                  <artifactId>audit-plugin</artifactId>
                  <properties><plugin.id>audit</plugin.id></properties>
                  <dependencies>
                %s  </dependencies>
                </project>
                """.formatted(property("eventbus.it.version"), dependencies));
    }

    /** The audit handler, with these members besides its spec and handle. */
    private static void writeHandler(Path project, String members) throws IOException {
        write(project.resolve("src/main/java/com/acme/AuditHandler.java"), """
                package com.acme;

                import dev.eventbus.api.Event;
                import dev.eventbus.api.EventHandler;
                import dev.eventbus.api.HandlerContext;
                import dev.eventbus.api.HandlerSpec;
                import org.pf4j.Extension;

                @Extension
                public class AuditHandler implements EventHandler {
                    public HandlerSpec spec() {
                        return HandlerSpec.named("audit").consumes("orders", "order.created");
                    }

                %s
                    public void handle(Event event, HandlerContext context) {}
                }
                """.formatted(members));
    }

    /** The project's {@code ./mvnw -o verify} (this repository's wrapper), logged as {@code name}. */
    private static int verify(Path project, String name) throws Exception {
        Path root = Path.of(property("eventbus.it.reactor-root"));
        Files.copy(root.resolve("mvnw"), project.resolve("mvnw"));
        project.resolve("mvnw").toFile().setExecutable(true);
        Files.createDirectories(project.resolve(".mvn/wrapper"));
        Files.copy(
                root.resolve(".mvn/wrapper/maven-wrapper.properties"),
                project.resolve(".mvn/wrapper/maven-wrapper.properties"));
        Files.copy(root.resolve("dist/src/bin/find-java"), project.resolve(".mvn/find-java"));
        return run(
                name,
                project,
                project.resolve("mvnw").toString(),
                "-o",
                "-B",
                "verify",
                "-Dmaven.repo.local=" + REPO,
                "-Dmaven.repo.local.tail=" + property("eventbus.it.local-repository"));
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static void assertTestsRan(Path report, int tests) throws IOException {
        assertTrue(Files.isRegularFile(report), report + " missing");
        String xml = Files.readString(report);
        assertTrue(xml.contains("tests=\"" + tests + "\""), report + " does not report " + tests + " tests");
        assertTrue(
                xml.contains("failures=\"0\"") && xml.contains("errors=\"0\"") && xml.contains("skipped=\"0\""),
                report + " reports failures, errors or skips");
    }

    /** Lays out this build's artifacts as an install would, in a repository of their own. */
    private static void seedRepository() throws IOException {
        if (Files.exists(REPO)) {
            try (Stream<Path> old = Files.walk(REPO)) {
                for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Path root = Path.of(property("eventbus.it.reactor-root"));
        String version = property("eventbus.it.version");
        for (Module module : MODULES) {
            Path into = Files.createDirectories(REPO.resolve("dev/eventbus/" + module.artifactId() + "/" + version));
            String base = module.artifactId() + "-" + version;
            Files.copy(root.resolve(module.dir()).resolve("pom.xml"), into.resolve(base + ".pom"));
            if (module.jar()) {
                Path jar = root.resolve(module.dir()).resolve("target/" + base + ".jar");
                assertTrue(Files.isRegularFile(jar), jar + " missing: run the reactor's package first");
                Files.copy(jar, into.resolve(base + ".jar"));
            }
        }
    }

    private static int run(String name, Path workDir, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
        // The generated project starts its own Redis and finds its own Maven: nothing of this build's environment.
        builder.environment()
                .keySet()
                .removeIf(k -> k.startsWith("EVENTBUS_")
                        || k.startsWith("MAVEN_") && !k.equals("MAVEN_OPTS") && !k.equals("MAVEN_USER_HOME")
                        || k.startsWith("MVNW_"));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.redirectErrorStream(true)
                .redirectOutput(LOGS.resolve(name + ".log").toFile());
        Process process = builder.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError(
                    String.join(" ", command) + " did not finish within 5 minutes; see " + LOGS.resolve(name + ".log"));
        }
        return process.exitValue();
    }

    private static String property(String key) {
        String value = System.getProperty(key);
        assertNotNull(value, "system property " + key + " (set by dist/pom.xml's failsafe configuration)");
        return value;
    }
}
