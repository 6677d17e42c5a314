package dev.eventbus.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisServerTest {

    @Test
    void startsAndAnswersOnItsPort() {
        try (RedisServer server = RedisServer.start()) {
            assertEquals("redis://127.0.0.1:" + server.port(), server.uri());
            assertTrue(server.isRunning());
            assertTrue(ProcessHandle.of(server.pid()).orElseThrow().isAlive());
            assertTrue(Files.exists(server.logFile()), "output goes to " + server.logFile());
            try (RespClient client = RespClient.connect(server.uri())) {
                assertEquals("PONG", client.call("PING"));
                String info = (String) client.call("INFO", "server");
                assertTrue(info.contains("process_id:" + server.pid()), info);
                // The server must not snapshot: tests and the runtime's dev mode rely on a clean start.
                assertEquals(java.util.List.of("save", ""), client.call("CONFIG", "GET", "save"));
            }
        }
    }

    @Test
    void debugCommandIsEnabledOnEveryVersion() {
        try (RedisServer server = RedisServer.start();
                RespClient client = RespClient.connect(server.uri())) {
            assertEquals("OK", client.call("DEBUG", "SLEEP", "0"));
        }
    }

    @Test
    void stopEndsTheProcess() {
        RedisServer server = RedisServer.start();
        long pid = server.pid();
        server.stop();
        assertFalse(server.isRunning());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        server.stop(); // idempotent
    }

    @Test
    void killThenRestartOnTheSamePort() {
        try (RedisServer server = RedisServer.start()) {
            int port = server.port();
            long firstPid = server.pid();
            server.kill();
            assertFalse(server.isRunning());
            assertThrows(UncheckedIOException.class, () -> RespClient.connect(server.uri()));

            server.restart();
            assertEquals(port, server.port());
            assertTrue(server.pid() != firstPid);
            try (RespClient client = RespClient.connect(server.uri())) {
                assertEquals("PONG", client.call("PING"));
            }
        }
    }

    @Test
    void appendOnlyKeepsAcknowledgedWritesAcrossKill(@TempDir Path dir) {
        RedisServer.Options options =
                RedisServer.Options.defaults().withAppendOnly(true).withDataDir(dir);
        try (RedisServer server = RedisServer.start(options)) {
            assertEquals(dir, server.dataDir());
            try (RespClient client = RespClient.connect(server.uri())) {
                client.call("XADD", "wallet", "*", "type", "wallet.topup.succeeded");
                client.call("SET", "k", "v");
            }
            server.kill();
            server.restart();
            try (RespClient client = RespClient.connect(server.uri())) {
                assertEquals(1L, client.call("XLEN", "wallet"));
                assertEquals("v", client.call("GET", "k"));
            }
        }
    }

    @Test
    void pauseFreezesAndResumeThaws() {
        try (RedisServer server = RedisServer.start()) {
            server.pause();
            try (RespClient client = RespClient.connect(server.uri(), Duration.ofMillis(300))) {
                UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> client.call("PING"));
                assertInstanceOf(SocketTimeoutException.class, e.getCause());
            }
            server.resume();
            try (RespClient client = RespClient.connect(server.uri())) {
                assertEquals("PONG", client.call("PING"));
            }
        }
    }

    @Test
    void stopEndsAPausedServer() {
        RedisServer server = RedisServer.start();
        long pid = server.pid();
        server.pause();
        server.stop();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void failedStartReportsTheLogTail() {
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> RedisServer.start(RedisServer.Options.defaults().withExtraArgs("--no-such-directive", "1")));
        assertTrue(e.getMessage().contains("exited with code"), e.getMessage());
        assertTrue(e.getMessage().contains("no-such-directive"), e.getMessage());
    }

    @Test
    void embeddedBinaryRuns() {
        RedisBinary embedded = RedisBinary.embedded();
        assertTrue(Files.isExecutable(embedded.path()));
        assertTrue(embedded.version().startsWith("6.2"), embedded.version());
        // Starting proves the version gate: 6.2 exits on --enable-debug-command.
        try (RedisServer server =
                        RedisServer.start(RedisServer.Options.defaults().withExecutable(embedded.path()));
                RespClient client = RespClient.connect(server.uri())) {
            assertEquals("6.2", server.version().substring(0, 3));
            assertTrue(server.source().contains("6.2"), server.source());
            assertEquals("PONG", client.call("PING"));
        }
    }

    @Test
    void embeddedResourceIsChosenByPlatform() {
        assertEquals("redis-server-6.2.6-v5-linux-amd64", RedisBinary.embeddedResourceName("Linux", "amd64"));
        assertEquals("redis-server-6.2.7-linux-arm64", RedisBinary.embeddedResourceName("Linux", "aarch64"));
        assertEquals("redis-server-6.2.6-v5-darwin-arm64", RedisBinary.embeddedResourceName("Mac OS X", "aarch64"));
        assertEquals("redis-server-6.2.6-v5-darwin-amd64", RedisBinary.embeddedResourceName("Mac OS X", "x86_64"));
        assertThrows(IllegalStateException.class, () -> RedisBinary.embeddedResourceName("Windows 11", "amd64"));
    }

    @Test
    void noServerOutlivesTheJvm() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(
                        java, "-cp", System.getProperty("java.class.path"), OrphanedServerMain.class.getName())
                .redirectErrorStream(true)
                .start();
        String out = new String(child.getInputStream().readAllBytes());
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), out);
        long pid = Long.parseLong(out.lines()
                .filter(l -> l.startsWith("pid="))
                .findFirst()
                .orElseThrow()
                .substring(4));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(
                ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                "redis-server " + pid + " outlived its JVM");
    }
}
