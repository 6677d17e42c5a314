package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admin keys that each pass alone and cannot work together, found from outside: config check passed them. */
class AdminPortsAndStallTest {

    @TempDir
    Path dir;

    private Path file(String hocon) throws IOException {
        return Files.writeString(dir.resolve("application.conf"), hocon);
    }

    private List<String> problems(Path f) {
        return assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f)))
                .problems();
    }

    /** run got as far as binding: "Address already in use", which reads as another process holding the port. */
    @Test
    void oneAdminPortForBothServersIsAProblemNamingBothKeys() throws IOException {
        Path f = file("eventbus.admin {\n  http-port = 22400\n  grpc-port = 22400\n}\n");
        assertEquals(
                List.of("eventbus.admin.grpc-port (22400, " + f + ": 3) must differ from eventbus.admin.http-port "
                        + "(22400, " + f + ": 2): both admin servers listen on eventbus.admin.host, each on its own "
                        + "port; give another port, 0 (any free port) or -1 (no gRPC server)"),
                problems(f));
    }

    @Test
    void portZeroForBothIsFineEachGetsAFreePort() throws IOException {
        RuntimeConfig c = ConfigLoader.load(Optional.of(file("eventbus.admin { http-port = 0, grpc-port = 0 }\n")));
        assertEquals(0, c.operations().admin().httpPort());
        assertEquals(0, c.operations().admin().grpcPort());
    }

    @Test
    void oneAdminPortWithTheAdminServersOffIsFine() throws IOException {
        ConfigLoader.load(
                Optional.of(file("eventbus.admin { enabled = false, http-port = 22400, grpc-port = 22400 }\n")));
    }

    /**
     * reference.conf says "Longer than the longest back-off (30s) plus redis.command-timeout": a
     * subscription's loop waits that long between two rounds after repeated failures, and liveness
     * failed meanwhile (at 1 s, through every idle blocking read of consumer.block = 2s).
     */
    @Test
    void aStallTimeoutNoLongerThanTheLongestBackOffPlusTheCommandTimeoutIsAProblem() throws IOException {
        Path f = file("eventbus.admin.stall-timeout = 1s\n");
        List<String> problems = problems(f);
        assertEquals(1, problems.size(), problems.toString());
        String p = problems.get(0);
        assertTrue(
                p.startsWith("eventbus.admin.stall-timeout (1s, " + f + ": 1) must be longer than the longest "
                        + "back-off (30s, of a subscription's loop after repeated failures) plus "
                        + "eventbus.redis.command-timeout (10s, reference.conf: "),
                p);
        assertTrue(p.endsWith("), more than 40s: else liveness fails while a loop waits out an ordinary back-off"), p);

        assertEquals(
                1, problems(file("eventbus.admin.stall-timeout = 40s\n")).size(), "the bound itself is not longer");
        assertEquals(
                Duration.ofSeconds(41),
                ConfigLoader.load(Optional.of(file("eventbus.admin.stall-timeout = 41s\n")))
                        .operations()
                        .admin()
                        .stallTimeout());
        ConfigLoader.load(Optional.of(
                file("eventbus { admin.stall-timeout = 32s, redis.command-timeout = 1s, consumer.block = 500ms }\n")));
    }

    @Test
    void aLongerConnectBackOffIsTheBoundAndNamed() throws IOException {
        Path f = file("eventbus {\n  redis.connect-backoff.max = 2m\n  admin.stall-timeout = 2m\n}\n");
        String p = problems(f).get(0);
        assertTrue(
                p.startsWith("eventbus.admin.stall-timeout (2m, " + f + ": 3) must be longer than the longest "
                        + "back-off (eventbus.redis.connect-backoff.max, 2m, " + f + ": 2) plus "
                        + "eventbus.redis.command-timeout (10s, "),
                p);
    }

    @Test
    void aStallTimeoutAlreadyWrongIsListedOnce() throws IOException {
        List<String> problems = problems(file("eventbus.admin.stall-timeout = 0s\n"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("eventbus.admin.stall-timeout must be positive"), problems.toString());
    }
}
