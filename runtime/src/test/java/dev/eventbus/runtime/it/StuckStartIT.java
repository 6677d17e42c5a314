package dev.eventbus.runtime.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.Main;
import dev.eventbus.runtime.fixtures.ExitingConstructorHandler;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RedisExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin that calls {@code System.exit}, or hangs, while it loads, in a real child JVM running
 * {@code eventbus run}: the JVM ends by itself (exit) or on SIGTERM (hang) instead of deadlocking
 * with its shutdown hook, and liveness turns false while start-up makes no progress.
 */
class StuckStartIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern HTTP_PORT = Pattern.compile("admin: HTTP on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @RegisterExtension
    final ChildJvm jvm = new ChildJvm();

    private Process run(boolean hang) throws IOException {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        new PluginJarBuilder("exiting")
                .extension(ExitingConstructorHandler.class)
                .build(plugins);
        Path config = dir.resolve("application.conf");
        Files.writeString(config, """
                eventbus {
                  redis.uri = "%s"
                  plugins-dir = "%s"
                  consumer-name = "stuck-it"
                  consumer.shutdown-grace = 1s
                  # The shortest stall timeout allowed: longer than the longest back-off (30s)
                  # plus redis.command-timeout.
                  redis.command-timeout = 1s
                  consumer.block = 500ms
                  admin { http-port = 0, grpc-port = -1, stall-timeout = 32s }
                }
                """.formatted(REDIS.uri(), plugins.toString().replace("\\", "/")));
        return jvm.start(
                hang ? List.of("-Deventbus.it.hang-instead=true") : List.of(),
                Main.class,
                List.of("run", "--config", config.toString()),
                dir.resolve("child.log"));
    }

    private String output() throws IOException {
        return Files.readString(dir.resolve("child.log"));
    }

    @Test
    void aPluginCallingSystemExitWhileLoadingEndsTheJvmInsteadOfDeadlockingIt() throws Exception {
        Process p = run(false);
        // Before: main held the runtime's lock inside System.exit, the shutdown hook waited for it
        // forever, and only SIGKILL ended the process.
        await().atMost(WAIT).until(() -> !p.isAlive());
        assertEquals(1, p.exitValue(), output());
        assertTrue(output().contains("shutdown did not finish within"), output());
        assertTrue(output().contains("while loading plugins"), output());
    }

    @Test
    void aPluginHangingWhileLoadingFailsLivenessAndSigtermStillEndsTheJvm() throws Exception {
        Process p = run(true);
        await().atMost(WAIT).until(() -> HTTP_PORT.matcher(output()).find());
        Matcher m = HTTP_PORT.matcher(output());
        assertTrue(m.find());
        URI live = URI.create("http://127.0.0.1:" + m.group(1) + "/health/live");
        // Before: liveness said 200 for as long as start-up hung.
        await().atMost(WAIT).until(() -> {
            HttpResponse<String> r = get(live);
            return r.statusCode() == 503 && r.body().contains("start-up made no progress");
        });
        assertTrue(get(live).body().contains("loading plugins"), get(live).body());

        p.destroy(); // SIGTERM
        await().atMost(WAIT).until(() -> !p.isAlive());
        assertEquals(1, p.exitValue(), output());
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }
}
