package dev.eventbus.runtime.plugin;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A process that owns a temporary staging directory, for {@link StagingAreaIT}: creates one under
 * the directory given, prints its path and waits to be killed.
 */
public final class StagingOwner {

    public static void main(String[] args) throws InterruptedException {
        Path dir = StagingArea.create(Optional.empty(), Path.of(args[0]));
        System.out.println("staged " + dir);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
