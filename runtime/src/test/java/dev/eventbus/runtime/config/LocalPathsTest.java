package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The staging directory and the audit log, told without touching anything: config check passed
 * {@code staging-dir = "/etc/passwd/x"} and run ended with "cannot create the plugin staging
 * directory", naming neither key nor path (found from outside).
 */
class LocalPathsTest {

    @TempDir
    Path dir;

    @Test
    void aDirectoryToMakeUnderAFileIsAProblemAndNothingIsMade() throws IOException {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        assertEquals(
                "cannot be made: " + file + " is a file, not a directory",
                LocalPaths.directoryProblem(file.resolve("x/y")));
        assertEquals("exists and is not a directory", LocalPaths.directoryProblem(file));
        assertNull(LocalPaths.directoryProblem(dir.resolve("a/b")));
        assertEquals(
                List.of("plain"),
                Files.list(dir).map(p -> p.getFileName().toString()).toList(),
                "nothing made");
        assertNull(LocalPaths.directoryProblem(dir));
    }

    @Test
    void anAuditLogThatIsADirectoryOrUnderAFileIsAProblem() throws IOException {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        assertEquals("is a directory, not a file", LocalPaths.fileProblem(dir));
        assertEquals(
                "cannot be made: " + file + " is a file, not a directory",
                LocalPaths.fileProblem(file.resolve("audit.log")));
        assertNull(LocalPaths.fileProblem(file));
        assertNull(LocalPaths.fileProblem(dir.resolve("logs/audit.log")));
    }

    @Test
    void configCheckNamesKeyValueAndLineOfEach() throws IOException {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        Path f = Files.writeString(dir.resolve("application.conf"), """
                eventbus {
                  plugin-host.staging-dir = "%1$s/x"
                  admin.audit-log = "%1$s/dir/audit.log"
                }
                """.formatted(file));
        RuntimeConfig config = ConfigLoader.load(Optional.of(f));
        String staging = "eventbus.plugin-host.staging-dir = \"" + file + "/x\" (" + f + ": 2): " + file
                + "/x cannot be made: " + file + " is a file, not a directory";
        assertEquals(
                List.of(
                        staging,
                        "eventbus.admin.audit-log = \"" + file + "/dir/audit.log\" (" + f + ": 3): " + file
                                + "/dir/audit.log cannot be made: " + file + " is a file, not a directory"),
                assertThrows(InvalidConfigException.class, () -> LocalPaths.require(config))
                        .problems());
        assertEquals(
                List.of(staging),
                assertThrows(InvalidConfigException.class, () -> LocalPaths.requireStagingDir(config))
                        .problems());
    }

    @Test
    void theDefaultsPass() {
        LocalPaths.require(ConfigLoader.load(Optional.empty()));
    }
}
