package dev.eventbus.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.consumer.RedisConnection;
import dev.eventbus.runtime.consumer.RedisConnector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Found from outside: a one-node {@code redis://} URI at a Redis Cluster node ran with MOVED and
 * CROSSSLOT errors retried for ever, and nothing said to use a {@code redis-cluster://} URI.
 */
class RedisPreflightIT {

    @TempDir
    Path dir;

    @Test
    void aOneNodeUriAtAClusterNodeIsAnErrorNamingTheClusterUri() {
        try (RedisServer node = RedisServer.start(RedisServer.Options.defaults()
                .withExtraArgs(
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        dir.resolve("nodes.conf").toString()))) {
            List<ILoggingEvent> lines = preflightOf("redis://127.0.0.1:" + node.port());
            assertEquals(1, lines.size(), lines.toString());
            assertEquals(Level.ERROR, lines.get(0).getLevel());
            String line = lines.get(0).getFormattedMessage();
            assertTrue(line.contains("cluster_enabled:1"), line);
            assertTrue(line.contains("redis-cluster:// URI"), line);
        }
        try (RedisServer plain = RedisServer.start(RedisServer.Options.defaults())) {
            assertEquals(List.of(), preflightOf("redis://127.0.0.1:" + plain.port()), "no word on one plain node");
        }
    }

    private static List<ILoggingEvent> preflightOf(String uri) {
        Logger log = (Logger) LoggerFactory.getLogger(RedisPreflight.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        RedisSettings settings =
                new RedisSettings(uri, Duration.ofSeconds(5), 1000, Duration.ofMillis(20), Duration.ofMillis(200));
        try (RedisConnector connector = new RedisConnector(settings)) {
            RedisConnection<byte[], byte[]> connection = connector.connect("test", () -> false);
            assertNotNull(connection);
            try {
                RedisPreflight.check(connection);
            } finally {
                connection.close();
            }
        } finally {
            log.detachAppender(lines);
        }
        return List.copyOf(lines.list);
    }
}
