package dev.eventbus.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.config.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagingAreaTest {

    @TempDir
    Path dir;

    /** Found from outside: run said "cannot create the plugin staging directory" alone, naming neither key nor path. */
    @Test
    void aConfiguredDirectoryThatCannotBeMadeIsAConfigErrorNamingKeyPathAndCause() throws IOException {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class, () -> StagingArea.create(Optional.of(file.resolve("x")), dir));
        String problem = e.problems().get(0);
        assertTrue(
                problem.startsWith("eventbus.plugin-host.staging-dir: cannot create the plugin staging directory "
                        + file.resolve("x") + " (java.nio.file.FileSystemException: "),
                problem);
        assertTrue(problem.endsWith("Not a directory)"), problem);
        assertEquals(1, e.problems().size());
    }
}
