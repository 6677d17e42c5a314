package dev.eventbus.runtime.ops;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.eventbus.api.build.HandlerDescriptor;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.AdminSurface;
import dev.eventbus.runtime.cli.EventbusCommand;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.fixtures.Flag;
import dev.eventbus.runtime.fixtures.OpsBystanderHandler;
import dev.eventbus.runtime.fixtures.OpsFailingHandler;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;

/**
 * A real runtime for the operator tests: real Redis, the sample order service on loopback, a plugin
 * JAR with the two fixture handlers of stream {@code ops-stream} ({@link OpsFailingHandler},
 * {@link OpsBystanderHandler}), a config file the runtime and the CLI share, and the operations
 * surface (admin on free ports).
 */
public final class OpsHarness implements AutoCloseable {

    public static final String STREAM = "ops-stream";
    public static final String TYPE = "ops.event";

    public final Path dir;
    public final Path plugins;
    public final Path configFile;
    public final Path auditLog;
    public final OrderServer orders;
    private final Flag fix;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private AdminSurface operations;
    private EventbusRuntime runtime;

    private OpsHarness(Path dir, String redisUri, Map<String, Object> extra) throws IOException {
        this.dir = dir;
        this.fix = Flag.in(dir, "fix-deployed");
        this.plugins = Files.createDirectories(dir.resolve("plugins"));
        this.auditLog = dir.resolve("audit").resolve("audit.log");
        this.configFile = dir.resolve("application.conf");
        this.orders = OrderServer.start(0);
        Map<String, Object> settings = new HashMap<>();
        settings.put("eventbus.redis.uri", redisUri);
        settings.put("eventbus.plugins-dir", plugins.toString());
        settings.put("eventbus.consumer-name", "ops-it");
        settings.put("eventbus.consumer.shutdown-grace", "5s");
        settings.put("eventbus.admin.http-port", 0);
        settings.put("eventbus.admin.grpc-port", 0);
        settings.put("eventbus.admin.audit-log", auditLog.toString());
        settings.put("eventbus.metrics.poll-interval", "200ms");
        settings.put("eventbus.grpc.services.\"orders.v1.OrderService\".target", orders.target());
        settings.put("eventbus.plugins.ops-fixtures." + OpsFailingHandler.FIX_DEPLOYED, fix.path());
        settings.putAll(extra);
        Config config = ConfigFactory.parseMap(settings);
        Files.writeString(
                configFile, config.root().render(ConfigRenderOptions.concise().setFormatted(true)));
        pluginJar("2.0.0").build(plugins);
        this.client = RedisClient.create(redisUri);
        this.connection = client.connect();
    }

    /** The ops-fixtures plugin at {@code version}, its failing handler told where to look for the fix. */
    public static PluginJarBuilder pluginJar(String version) {
        return new PluginJarBuilder("ops-fixtures")
                .version(version)
                .extension(OpsFailingHandler.class)
                .extension(OpsBystanderHandler.class)
                .resource(
                        HandlerDescriptor.PATH,
                        HandlerDescriptor.of(List.of(OpsFailingHandler.class, OpsBystanderHandler.class)))
                .resource(
                        "reference.conf",
                        "eventbus.plugins.ops-fixtures." + OpsFailingHandler.FIX_DEPLOYED + " = \"\"\n");
    }

    /** Deploys the fix for {@link OpsFailingHandler}'s bug: from now on it handles what it dead-lettered. */
    public void deployFix() {
        fix.raise();
    }

    /** Everything but the runtime and the operations surface (start those with {@link #start}). */
    public static OpsHarness create(Path dir, String redisUri) throws IOException {
        return new OpsHarness(dir, redisUri, Map.of());
    }

    public static OpsHarness create(Path dir, String redisUri, Map<String, Object> extra) throws IOException {
        return new OpsHarness(dir, redisUri, extra);
    }

    public RuntimeConfig config() {
        return ConfigLoader.load(Optional.of(configFile));
    }

    /** Starts the operations surface and then the runtime; returns once the runtime runs. */
    public EventbusRuntime start() {
        startOperations();
        runtime.start();
        return runtime;
    }

    /** Starts only the operations surface, for a runtime that is not started yet ({@link #runtime()}). */
    public AdminSurface startOperations() {
        operations = new AdminSurface(config(), Clock.systemUTC());
        runtime = operations.newRuntime();
        operations.start(runtime);
        return operations;
    }

    public EventbusRuntime runtime() {
        return runtime;
    }

    public AdminSurface operations() {
        return operations;
    }

    public RedisCommands<String, String> redis() {
        return connection.sync();
    }

    public String publish(String subject, String... headers) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("type", TYPE);
        fields.put("subject", subject);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            fields.put(headers[i], headers[i + 1]);
        }
        return redis().xadd(STREAM, fields);
    }

    /** The order service calls a handler made (wallet id = handler name, "/replay" for replays). */
    public List<OrderServer.ReceivedCall> callsOf(String walletId) {
        List<OrderServer.ReceivedCall> calls = new ArrayList<>();
        for (OrderServer.ReceivedCall c : orders.calls()) {
            if (c.walletId().equals(walletId)) {
                calls.add(c);
            }
        }
        return calls;
    }

    /** XINFO GROUPS of one group, as name -> value. */
    public Map<String, Object> group(String stream, String group) {
        for (Object g : redis().xinfoGroups(stream)) {
            List<?> kv = (List<?>) g;
            Map<String, Object> m = new HashMap<>();
            for (int i = 0; i + 1 < kv.size(); i += 2) {
                m.put(String.valueOf(kv.get(i)), kv.get(i + 1));
            }
            if (group.equals(m.get("name"))) {
                return m;
            }
        }
        throw new AssertionError("no group " + group + " on " + stream);
    }

    /** Whether a group has read everything and acknowledged it. */
    public boolean caughtUp(String group) {
        Map<String, Object> g = group(STREAM, group);
        return Long.valueOf(0).equals(g.get("lag")) && Long.valueOf(0).equals(g.get("pending"));
    }

    /** What a CLI run printed and returned. */
    public record Cli(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    /** Runs {@code eventbus <args> --config <the harness config>} in this JVM. */
    public Cli cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(configFile.toString());
        return cliRaw(all.toArray(String[]::new));
    }

    /** Runs {@code eventbus <args>} in this JVM, as given. */
    public static Cli cliRaw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = EventbusCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }

    /** GET on the admin HTTP server. */
    public HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + operations.httpPort() + path))
                .timeout(Duration.ofSeconds(20));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(25);
        }
    }

    /** The admin gRPC address of the running harness, for {@code --admin}. */
    public String adminAddress() {
        return "127.0.0.1:" + operations.grpcPort();
    }

    /** Stops the runtime and closes its admin servers, as when its process ends. */
    public void stop() {
        operations.stopping();
        runtime.stop();
        operations.close();
        operations = null;
        runtime = null;
    }

    @Override
    public void close() throws Exception {
        if (operations != null) {
            operations.stopping();
        }
        if (runtime != null) {
            runtime.stop();
        }
        if (operations != null) {
            operations.close();
        }
        connection.close();
        client.shutdown();
        orders.close();
    }
}
