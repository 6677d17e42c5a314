package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.Versions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code eventbus new-plugin} renders the archetype's template from the class path (the real
 * eventbus-plugin-archetype JAR of this build). That the generated project builds and its tests
 * pass is NewPluginIT's job (dist), which runs its ./mvnw.
 */
class NewPluginCommandTest {

    @TempDir
    Path work;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = EventbusCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    @Test
    void generatesTheWholeProjectWithEveryPropertyFilledIn() throws IOException {
        Path project = work.resolve("audit");

        assertEquals(
                0,
                run(
                        "new-plugin",
                        "order-audit",
                        "--package",
                        "com.acme.audit",
                        "--service",
                        "OrderService",
                        "--dir",
                        project.toString()),
                err.toString());

        Path java = project.resolve("src/main/java/com/acme/audit");
        Path tests = project.resolve("src/test/java/com/acme/audit");
        for (Path expected : List.of(
                project.resolve("pom.xml"),
                project.resolve("README.md"),
                project.resolve(".gitignore"),
                project.resolve("mvnw"),
                project.resolve("mvnw.cmd"),
                project.resolve(".mvn/find-java"),
                project.resolve(".mvn/wrapper/maven-wrapper.properties"),
                project.resolve("src/main/proto/order-audit.proto"),
                project.resolve("src/main/resources/reference.conf"),
                java.resolve("ApplyHandler.java"),
                tests.resolve("ApplyHandlerTest.java"),
                tests.resolve("ApplyHandlerIT.java"))) {
            assertTrue(Files.isRegularFile(expected), expected + " was generated; output: " + out);
        }
        assertTrue(Files.isExecutable(project.resolve("mvnw")), "mvnw is executable");
        // The generated README publishes where the runtime reads: eventbus publish finds dev's own
        // Redis, which a bare redis-cli (localhost:6379) does not.
        String readme = read(project.resolve("README.md"));
        assertTrue(
                readme.contains("bin/eventbus publish example example.created --subject s-1 --data '\"hello\"'"),
                readme);
        assertTrue(readme.contains("`eventbus dev` starts its own on a free port"), readme);
        // Found from outside: it said publish finds dev's Redis by itself, "else uses the one
        // configured"; a configured one wins (ConfigOptions.loadForOperator).
        assertTrue(
                readme.replaceAll("\\s+", " ")
                        .contains("It uses the Redis you name (`--redis URI`, `EVENTBUS_REDIS_URI`, or "
                                + "`eventbus.redis.uri` in the config file), even while an `eventbus dev` runs; naming "
                                + "none, the Redis of an `eventbus dev` running from the same installation, else "
                                + "`redis://127.0.0.1:6379`"),
                readme);
        // The main README says the generated one shows the stand-in server in two lines.
        assertTrue(
                readme.contains(
                        "RecordingGrpcService fake = RecordingGrpcService.of(OrderServiceGrpc.getServiceDescriptor());\n"
                                + "Grpc.newServerBuilderForPort(50061, InsecureServerCredentials.create()).addService(fake).build().start();\n"
                                + "```"),
                readme);
        // Run alone (an IDE, mvn test -Dtest=...), the IT has no plugin.jar property: it falls back to
        // the packaged JAR, rather than ending in Path.of(null)'s bare NullPointerException.
        String it = read(tests.resolve("ApplyHandlerIT.java"));
        assertTrue(
                it.contains("System.getProperty(\"plugin.jar\", \"target/order-audit-"
                        + NewPluginCommand.PROJECT_VERSION + ".jar\")"),
                it);

        String pom = read(project.resolve("pom.xml"));
        assertTrue(
                pom.contains(
                        "<artifactId>eventbus-plugin-parent</artifactId><version>" + Versions.runtime() + "</version>"),
                pom);
        assertTrue(pom.contains("<relativePath/>"), pom);
        assertTrue(pom.contains("<groupId>com.acme.audit</groupId>"), pom);
        assertTrue(pom.contains("<artifactId>order-audit</artifactId>"), pom);
        assertTrue(pom.contains("<plugin.id>order-audit</plugin.id>"), pom);
        // failsafe and its plugin.jar come from the plugin parent, as for a pom written by hand
        assertFalse(pom.contains("${"), "every property filled in: " + pom);
        assertFalse(pom.contains("maven-failsafe-plugin"), pom);
        assertTrue(read(java.resolve("ApplyHandler.java")).contains("package com.acme.audit;"));
        assertTrue(read(java.resolve("ApplyHandler.java")).contains("OrderServiceGrpc.newBlockingStub"));
        assertTrue(read(project.resolve("src/main/proto/order-audit.proto")).contains("service OrderService {"));
        assertTrue(
                read(project.resolve("src/main/resources/reference.conf")).contains("eventbus.plugins.order-audit {"));
        assertTrue(
                read(project.resolve("mvnw")).contains(". \"$(dirname \"$0\")/.mvn/find-java\""),
                "the wrapper sources the JDK finder it carries");

        try (Stream<Path> files = Files.walk(project)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String text = read(file);
                for (String property : List.of(
                        "groupId",
                        "artifactId",
                        "version",
                        "package",
                        "pluginId",
                        "service",
                        "eventbusVersion",
                        "gitignore")) {
                    assertFalse(text.contains("${" + property + "}"), file + " still holds ${" + property + "}");
                    assertFalse(
                            file.toString().contains("__" + property + "__"),
                            file + " path still holds __" + property + "__");
                }
            }
        }
        assertTrue(out.toString().contains("./mvnw verify"), out.toString());
    }

    @Test
    void defaultsComeFromTheNameAndTheDescriptor() throws IOException {
        Path project = work.resolve("payments");

        assertEquals(0, run("new-plugin", "payments", "--dir", project.toString()), err.toString());

        assertTrue(Files.isRegularFile(project.resolve("src/main/java/com/example/payments/ApplyHandler.java")));
        assertTrue(read(project.resolve("src/main/proto/payments.proto")).contains("service ExampleService {"));
    }

    @Test
    void badNamesPackagesAndServicesAreRefusedBeforeAnythingIsWritten() throws IOException {
        Path project = work.resolve("p");
        for (String[] args : List.of(
                new String[] {"new-plugin", "Payments", "--dir", project.toString()},
                new String[] {"new-plugin", "pay--ments", "--dir", project.toString()},
                new String[] {"new-plugin", "../escape", "--dir", project.toString()},
                new String[] {"new-plugin", "payments", "--package", "com.acme.class", "--dir", project.toString()},
                new String[] {"new-plugin", "payments", "--package", "com..acme", "--dir", project.toString()},
                new String[] {"new-plugin", "payments", "--service", "order-service", "--dir", project.toString()})) {
            err.getBuffer().setLength(0);
            assertEquals(2, run(args), String.join(" ", args));
            assertTrue(err.toString().contains("is not a"), String.join(" ", args) + ": " + err);
            assertFalse(Files.exists(project), "nothing written for " + String.join(" ", args));
        }
    }

    @Test
    void anExistingNonEmptyDirectoryIsNeverWrittenInto() throws IOException {
        Path project = Files.createDirectories(work.resolve("busy"));
        Files.writeString(project.resolve("pom.xml"), "mine");

        assertEquals(2, run("new-plugin", "payments", "--dir", project.toString()));

        assertTrue(err.toString().contains("already exists and is not empty"), err.toString());
        assertEquals("mine", read(project.resolve("pom.xml")));
        try (Stream<Path> entries = Files.list(project)) {
            assertEquals(1, entries.count());
        }
    }

    @Test
    void anEmptyDirectoryIsUsed() {
        Path project = work.resolve("empty");
        assertTrue(project.toFile().mkdir());

        assertEquals(0, run("new-plugin", "payments", "--dir", project.toString()), err.toString());

        assertTrue(Files.isRegularFile(project.resolve("pom.xml")));
    }
}
