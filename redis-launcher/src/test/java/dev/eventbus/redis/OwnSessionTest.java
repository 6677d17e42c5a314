package dev.eventbus.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class OwnSessionTest {

    /** The session id, field 6 of /proc/PID/stat (after the parenthesised command name). */
    private static long sessionOf(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(after[3]);
    }

    @Test
    void theChildLeadsASessionOfItsOwnUnderItsOwnPid() throws Exception {
        Process child = new ProcessBuilder(OwnSession.command(List.of("sleep", "30"))).start();
        try {
            String comm = "";
            for (int i = 0; i < 100 && !comm.equals("sleep"); i++) { // setsid execs in place
                Thread.sleep(20);
                comm = Files.readString(Path.of("/proc/" + child.pid() + "/comm"))
                        .strip();
            }
            assertEquals("sleep", comm, "the pid Java holds is the command's own");
            assertEquals(child.pid(), sessionOf(child.pid()), "the child leads its own session");
            assertNotEquals(sessionOf(ProcessHandle.current().pid()), sessionOf(child.pid()));
        } finally {
            child.destroyForcibly().waitFor();
        }
    }
}
