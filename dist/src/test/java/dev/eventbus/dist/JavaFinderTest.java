package dev.eventbus.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK finder that {@code ./mvnw}, a generated plugin project's {@code ./mvnw} and
 * {@code bin/eventbus} source ({@code src/bin/find-java}), on a machine whose JAVA_HOME and
 * {@code java} on the PATH are Java 17: it must pick the newest JDK 21+ installed beside them and
 * say which, not stop with "set JAVA_HOME". Stand-in {@code java} scripts report their version, so
 * no JVM starts; the installed one is a stand-in under {@code ~/.sdkman}, reporting a version newer
 * than any real JDK of this machine so that it is the one picked.
 */
class JavaFinderTest {

    private static final Path FINDER = Path.of("src", "bin", "find-java").toAbsolutePath();

    @TempDir
    Path home;

    private Path oldJdk;
    private Path bin;

    /** A JDK stand-in: bin/java reporting {@code major}, and bin/javac when {@code jdk}. */
    private static Path jdk(Path at, int major, boolean jdk) throws IOException {
        Path java = Files.createDirectories(at.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\necho '    java.specification.version = " + major + "' >&2\n");
        java.toFile().setExecutable(true);
        if (jdk) {
            Path javac = at.resolve("bin/javac");
            Files.writeString(javac, "#!/bin/sh\n");
            javac.toFile().setExecutable(true);
        }
        return at;
    }

    @BeforeEach
    void oldDefaults() throws IOException {
        oldJdk = jdk(home.resolve("old-jdk"), 17, true);
        // The PATH: the old java and the few tools the finder uses, nothing else.
        bin = Files.createDirectories(home.resolve("path"));
        Files.createSymbolicLink(bin.resolve("java"), oldJdk.resolve("bin/java"));
        for (String tool : List.of("sed", "head", "dirname", "readlink")) {
            Path real = List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).stream()
                    .filter(Files::isExecutable)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(tool + " not found in /usr/bin or /bin"));
            Files.createSymbolicLink(bin.resolve(tool), real);
        }
    }

    private Result find(String need) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                "/bin/sh",
                "-c",
                ". \"$FINDER\" && eventbus_find_java " + need
                        + " mvnw && echo \"home=$EVENTBUS_JAVA_HOME major=$EVENTBUS_JAVA_MAJOR\"");
        builder.environment().clear();
        builder.environment().put("FINDER", FINDER.toString());
        builder.environment().put("PATH", bin.toString());
        builder.environment().put("HOME", home.toString());
        builder.environment().put("JAVA_HOME", oldJdk.toString());
        Process p = builder.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "find-java did not finish");
        return new Result(
                p.exitValue(),
                new String(p.getInputStream().readAllBytes()).strip(),
                new String(p.getErrorStream().readAllBytes()).strip());
    }

    private record Result(int exit, String out, String err) {}

    @Test
    void aJdkInstalledBesideOldDefaultsIsPickedAndNamed() throws Exception {
        Path installed = jdk(home.resolve(".sdkman/candidates/java/99.0.1-tem"), 99, true);

        Result r = find("jdk");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("home=" + installed + " major=99", r.out(), r.toString());
        assertEquals(
                "mvnw: using Java 99 at " + installed + " (JAVA_HOME=" + oldJdk + " (Java 17), " + bin
                        + "/java on the PATH (Java 17): too old)",
                r.err());
    }

    @Test
    void aRuntimeWithoutJavacIsNotPickedToBuild() throws Exception {
        jdk(home.resolve(".sdkman/candidates/java/99.0.1-jre"), 99, false);
        Path withJavac = jdk(home.resolve(".sdkman/candidates/java/98.0.1-tem"), 98, true);

        Result r = find("jdk");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("home=" + withJavac + " major=98", r.out(), r.toString());
    }
}
