package dev.eventbus.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Staging directories of killed runtimes are deleted on the next start; those of live ones stay. */
class StagingAreaIT {

    @TempDir
    Path tmp;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Starts a real process that creates a staging directory under tmp; returns the directory. */
    private Path owner() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        StagingOwner.class.getName(),
                        tmp.toString())
                .redirectErrorStream(true)
                .start();
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("staged ")) {
                return Path.of(line.substring("staged ".length()));
            }
        }
        throw new AssertionError("the staging owner ended without staging (exit " + p.waitFor() + ")");
    }

    @Test
    void aStartDeletesTheStagingOfAKilledRuntimeAndLeavesALiveOnesAlone() throws Exception {
        Path killed = owner();
        Path alive = owner();
        Path olderVersion = Files.createDirectory(tmp.resolve(StagingArea.TEMPORARY_PREFIX + "1234"));
        Files.writeString(killed.resolve("handler-abc.jar"), "a staged copy");
        Process victim = children.get(0);
        victim.destroyForcibly(); // kill -9: no shutdown hook, no clean-up
        assertTrue(victim.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.isDirectory(killed), "a killed runtime leaves its staging behind");

        Path mine = StagingArea.create(Optional.empty(), tmp);
        try {
            assertFalse(Files.exists(killed), "the killed runtime's staging is deleted");
            assertTrue(Files.isDirectory(alive), "a live runtime's staging stays");
            assertTrue(Files.exists(alive.resolve(StagingArea.LOCK_FILE)));
            assertTrue(Files.isDirectory(olderVersion), "without a lock file nothing proves it unused");

            StagingArea.deleteAbandoned(tmp); // another start in this JVM leaves this runtime's own alone
            assertTrue(Files.isDirectory(mine));
            assertTrue(Files.isDirectory(alive));
        } finally {
            StagingArea.deleteIfTemporary(mine, true);
        }
        assertFalse(Files.exists(mine), "a clean stop deletes its own staging");
        assertEquals(2, Files.list(tmp).count(), "the live one and the older version's");
    }
}
