package dev.eventbus.redis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a child process in a session of its own, so that Ctrl-C in a terminal reaches only the
 * JVM, which then stops its children in order (the runtime drains and acknowledges before its Redis
 * goes away). Without it the terminal's SIGINT reaches every process of its foreground group at
 * once, and a child Redis could exit while the runtime still had acknowledgements to write.
 *
 * <p>{@code setsid} (util-linux) calls setsid(2) and execs the command in place when the caller is
 * not a process group leader, which a JVM's child never is: the pid stays the child's own, so
 * {@link Process#pid()}, {@code kill -9} and {@link Process#waitFor()} still reach the command.
 * Where there is no {@code setsid}, the command runs as it is.
 */
public final class OwnSession {

    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));

    private OwnSession() {}

    /** {@code command}, prefixed with {@code setsid} where this machine has it. */
    public static List<String> command(List<String> command) {
        for (Path setsid : SETSID) {
            if (Files.isExecutable(setsid)) {
                List<String> detached = new ArrayList<>(command.size() + 1);
                detached.add(setsid.toString());
                detached.addAll(command);
                return detached;
            }
        }
        return command;
    }
}
