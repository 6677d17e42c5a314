package ${package};

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.testkit.RedisExtension;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin JAR this build packaged, loaded by the real Eventbus runtime from a plugins directory,
 * reading a real Redis (the test kit's RedisExtension starts redis-server, or uses
 * EVENTBUS_TEST_REDIS_URI) and calling the fake ${service} over a real gRPC connection.
 */
class ApplyHandlerIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @TempDir
    Path plugins;

    private final FakeService service = new FakeService();
    private Server server;
    private EventbusRuntime runtime;

    @BeforeEach
    void start() throws Exception {
        REDIS.command("FLUSHALL");
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(service).build().start();
        Files.copy(Path.of(System.getProperty("plugin.jar")), plugins.resolve("${artifactId}.jar"));
        runtime = new EventbusRuntime(ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(Map.of(
                "eventbus.redis.uri", REDIS.uri(),
                "eventbus.plugins-dir", plugins.toString(),
                "eventbus.consumer-name", "it",
                "eventbus.grpc.services.\"" + ApplyHandler.SERVICE + "\".target", "127.0.0.1:" + server.getPort()))));
        runtime.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (runtime != null) {
            runtime.stop();
        }
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void anEventOnTheStreamReachesTheServiceAndIsAcknowledged() {
        REDIS.command("XADD", ApplyHandler.STREAM, "*", "type", ApplyHandler.TYPE, "id", "evt-1", "subject", "s-1", "data", "hello");

        await().atMost(Duration.ofSeconds(30)).until(() -> service.requests().size() == 1);
        assertEquals("evt-1", service.requests().get(0).getEventId());
        await().atMost(Duration.ofSeconds(30)).until(() -> pending() == 0);
    }

    @Test
    void anEventWithoutSubjectIsDeadLettered() {
        REDIS.command("XADD", ApplyHandler.STREAM, "*", "type", ApplyHandler.TYPE, "id", "evt-2");

        await().atMost(Duration.ofSeconds(30)).until(() -> pending() == 0 && deadLetters() == 1);
        assertEquals(List.of(), service.requests());
    }

    private long pending() {
        return (Long) ((List<?>) REDIS.command("XPENDING", ApplyHandler.STREAM, "${pluginId}")).get(0);
    }

    private long deadLetters() {
        // The runtime's default dead-letter stream: eventbus.consumer.dead-letter-prefix + the handler's name.
        return (Long) REDIS.command("XLEN", "eventbus:dlq:${pluginId}");
    }
}
