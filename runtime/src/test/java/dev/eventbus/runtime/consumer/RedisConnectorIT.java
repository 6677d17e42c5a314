package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.OpsException;
import dev.eventbus.testkit.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** A wrong password against a real password-protected redis-server is logged as such, and retried. */
class RedisConnectorIT {

    private static final String PASSWORD = "s3cret-pass";

    @RegisterExtension
    static final RedisExtension REDIS =
            new RedisExtension(RedisServer.Options.defaults().withExtraArgs("--requirepass", PASSWORD));

    private final Logger log = (Logger) LoggerFactory.getLogger(RedisConnector.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void capture() {
        logs.start();
        log.addAppender(logs);
    }

    @AfterEach
    void release() {
        log.detachAppender(logs);
    }

    private static RedisSettings settings(String uri) {
        return new RedisSettings(uri, Duration.ofSeconds(5), 1000, Duration.ofMillis(20), Duration.ofMillis(200));
    }

    private List<String> lines() {
        synchronized (logs.list) {
            return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** Connects in the background until two attempts were logged; returns what connect returned. */
    private Object attempts(String uri, String expected) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        try (RedisConnector connector = new RedisConnector(settings(uri))) {
            CompletableFuture<Object> result = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> result.complete(connector.connect("test", stop::get)));
            try {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> lines().stream()
                                        .filter(l -> l.contains(expected))
                                        .count()
                                >= 2);
            } finally {
                stop.set(true); // also when the wait fails: the loop must not outlive the test
            }
            return result.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aWrongPasswordIsAnAuthenticationFailureRetriedWithBackOffNotAnUnreachableRedis() throws Exception {
        String wrong = REDIS.uri().replace("redis://", "redis://default:wrong-pass@");
        assertNull(attempts(wrong, "authentication failed"), "stopped while the password is wrong");
        String line = lines().get(0);
        assertTrue(line.contains("authentication failed (test): WRONGPASS"), line);
        assertTrue(line.contains("check the user and password of eventbus.redis.uri; retrying in 20 ms"), line);
        assertTrue(lines().get(1).contains("retrying in 40 ms"), "doubling back-off: " + lines());
        assertFalse(
                lines().stream().anyMatch(l -> l.contains("unreachable") || l.contains("wrong-pass")),
                lines().toString());
    }

    /**
     * Found from outside: on a cluster URI Lettuce only quotes each seed's WRONGPASS in its "Cannot
     * retrieve cluster partitions", and the runtime called a wrong password an unreachable Redis.
     */
    @Test
    void aWrongPasswordOnAClusterUriIsAnAuthenticationFailureToo() throws Exception {
        String wrong = REDIS.uri().replace("redis://", "redis-cluster://default:wrong-pass@");
        assertNull(attempts(wrong, "authentication failed"), "stopped while the password is wrong");
        assertTrue(lines().get(0).contains("authentication failed (test): WRONGPASS"), lines().toString());
        assertFalse(
                lines().stream().anyMatch(l -> l.contains("unreachable") || l.contains("wrong-pass")),
                lines().toString());
    }

    /** A cluster URI at a server without cluster support answers: not unreachable, and says which URI to use. */
    @Test
    void aClusterUriAtAServerWithoutClusterSupportSaysSo() throws Exception {
        String cluster = REDIS.uri().replace("redis://", "redis-cluster://default:" + PASSWORD + "@");
        assertNull(attempts(cluster, "is not a Redis Cluster node"));
        String line = lines().get(0);
        assertTrue(line.contains("answers, but is not a Redis Cluster node"), line);
        assertTrue(line.contains("use a redis:// URI"), line);
        assertFalse(lines().stream().anyMatch(l -> l.contains("unreachable")), lines().toString());
    }

    /**
     * A sentinel URI at a plain redis-server: Lettuce fails at once but calls it a command timeout
     * (found from outside: "unreachable", readiness "does not answer", status after 10 s). The log,
     * an operator command and readiness say what it is, well within the 5 s timeout.
     */
    @Test
    void aSentinelUriAtANodeThatIsNotASentinelSaysSo() throws Exception {
        try (RedisServer plain = RedisServer.start()) {
            String sentinel = "redis-sentinel://127.0.0.1:" + plain.port() + "#orders";
            assertNull(attempts(sentinel, "is not a sentinel"));
            String line = lines().get(0);
            assertTrue(line.contains("answers, but is not a sentinel (ERR unknown command 'SENTINEL')"), line);
            assertTrue(line.contains("or use redis:// for one server"), line);
            assertFalse(lines().stream().anyMatch(l -> l.contains("unreachable")), lines().toString());
            long started = System.nanoTime();
            try (FailFastRedis ops = new FailFastRedis(settings(sentinel))) {
                OpsException e = assertThrows(OpsException.class, ops::text);
                assertTrue(e.getMessage().contains("answers, but is not a sentinel"), e.getMessage());
            }
            try (FailFastRedis readiness = new FailFastRedis(settings(sentinel))) {
                String why = readiness.unanswered(Duration.ofSeconds(5));
                assertTrue(why.startsWith("answers, but is not a sentinel (ERR unknown command 'SENTINEL')"), why);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(took.compareTo(Duration.ofSeconds(4)) < 0, "not a timeout waited out: " + took);
        }
    }

    /**
     * The operator commands (status, dlq) and readiness say the same as the runtime, not "cannot
     * reach Redis" or "does not answer".
     */
    @Test
    void anOperatorCommandOnAClusterUriWithAWrongPasswordSaysTheLoginWasRefused() {
        String wrong = REDIS.uri().replace("redis://", "redis-cluster://default:wrong-pass@");
        try (FailFastRedis ops = new FailFastRedis(settings(wrong))) {
            OpsException e = assertThrows(OpsException.class, ops::text);
            assertTrue(e.getMessage().contains("answers, but refused the login (WRONGPASS"), e.getMessage());
            assertFalse(e.getMessage().contains("wrong-pass"), e.getMessage());
        }
        try (FailFastRedis readiness = new FailFastRedis(settings(wrong))) {
            String why = readiness.unanswered(Duration.ofSeconds(5));
            assertTrue(why.startsWith("answers, but refused the login (WRONGPASS"), why);
        }
    }

    /** Readiness on a port nothing listens on says so, in the client's words (not a bare "does not answer"). */
    @Test
    void readinessOnAClosedPortSaysWhyItDoesNotAnswer() {
        try (FailFastRedis readiness = new FailFastRedis(settings("redis://127.0.0.1:1"))) {
            String why = readiness.unanswered(Duration.ofSeconds(5));
            assertTrue(why.startsWith("does not answer (") && why.contains("Connection refused"), why);
        }
    }

    /**
     * Readiness once Redis went away says why the connection cannot be made again, as it says it
     * of a first connect, not the "Currently not connected" Lettuce rejects the PING with meanwhile.
     */
    @Test
    void readinessAfterRedisWentAwaySaysWhyReconnectingFails() {
        try (RedisServer server = RedisServer.start();
                FailFastRedis readiness = new FailFastRedis(settings(server.uri()))) {
            assertEquals("", readiness.unanswered(Duration.ofSeconds(5)));
            server.stop();
            String[] why = {""};
            try {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(15))
                        .until(() -> (why[0] = readiness.unanswered(Duration.ofSeconds(1))).contains("reconnecting"));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("readiness said: " + why[0], e);
            }
            assertTrue(
                    why[0].startsWith("does not answer (reconnecting: ") && why[0].contains("Connection refused"),
                    why[0]);
            assertFalse(why[0].contains("Currently not connected"), why[0]);
            // The metrics poller and the operator reads word a refused command with the same reason
            // (found from outside: they said only Lettuce's words).
            RuntimeException refused =
                    assertThrows(RuntimeException.class, () -> readiness.text().ping());
            String said = Errors.describe(refused, readiness.reconnectReason());
            assertTrue(
                    said.startsWith("not connected to Redis, reconnecting: ") && said.contains("Connection refused"),
                    said);
        }
    }

    @Test
    void aRightPasswordConnectsAndAClosedPortIsStillUnreachable() throws Exception {
        String right = REDIS.uri().replace("redis://", "redis://default:" + PASSWORD + "@");
        try (RedisConnector connector = new RedisConnector(settings(right))) {
            var connection = connector.connect("test", () -> false);
            assertNotNull(connection);
            connection.close();
        }
        assertNull(attempts("redis://127.0.0.1:1", "unreachable"));
        assertFalse(lines().stream().anyMatch(l -> l.contains("authentication")), lines().toString());
    }
}
