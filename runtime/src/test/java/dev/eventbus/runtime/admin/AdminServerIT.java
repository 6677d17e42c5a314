package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.admin.v1.AdminServiceGrpc;
import dev.eventbus.admin.v1.GetStatusRequest;
import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.admin.v1.ListPluginsRequest;
import dev.eventbus.admin.v1.ReloadPluginRequest;
import dev.eventbus.runtime.config.AdminSettings;
import dev.eventbus.runtime.config.InvalidConfigException;
import dev.eventbus.runtime.fixtures.OpsBystanderHandler;
import dev.eventbus.runtime.fixtures.OpsFailingHandler;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.RedisExtension;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP and gRPC servers around a real runtime: health, readiness, the Prometheus
 * endpoint, JMX, the token, the loopback rule, and no secret in any answer or log line.
 */
class AdminServerIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** One line of the Prometheus text format: a comment, or name{labels} value. */
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)\\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)");

    @TempDir
    Path dir;

    private final List<OpsHarness> harnesses = new ArrayList<>();

    @BeforeEach
    void setUp() {
        REDIS.command("FLUSHALL");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (OpsHarness h : harnesses) {
            h.close();
        }
    }

    private OpsHarness harness(Map<String, Object> extra) throws Exception {
        OpsHarness h =
                OpsHarness.create(Files.createDirectories(dir.resolve("h" + harnesses.size())), REDIS.uri(), extra);
        harnesses.add(h);
        return h;
    }

    /** Parses the whole exposition; fails on any line that is not the text format. */
    private static Map<String, Double> parse(String exposition) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not Prometheus text format: " + line);
            samples.put(
                    m.group(1) + (m.group(3) == null ? "" : "{" + m.group(3) + "}"), Double.parseDouble(m.group(4)));
        }
        return samples;
    }

    private static double sample(Map<String, Double> samples, String name, String... labels) {
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            if (e.getKey().startsWith(name + "{") || e.getKey().equals(name)) {
                boolean all = true;
                for (String l : labels) {
                    all &= e.getKey().contains(l);
                }
                if (all) {
                    return e.getValue();
                }
            }
        }
        throw new AssertionError("no sample " + name + " " + List.of(labels) + " in " + samples.keySet());
    }

    @Test
    void readinessIsFalseUntilTheRuntimeRunsAndLivenessHoldsThroughout() throws Exception {
        OpsHarness h = harness(Map.of());
        h.startOperations();
        HttpResponse<String> notReady = h.get("/health/ready", null);
        assertEquals(503, notReady.statusCode(), notReady.body());
        JsonNode body = JSON.readTree(notReady.body());
        assertEquals("DOWN", body.get("status").asText());
        assertEquals("starting", body.get("checks").get("runtime").asText());
        assertEquals(200, h.get("/health/live", null).statusCode());
        assertEquals(ServingStatus.NOT_SERVING, grpcHealth(h, ""));

        h.runtime().start();
        HttpResponse<String> ready = h.get("/health/ready", null);
        assertEquals(200, ready.statusCode(), ready.body());
        JsonNode checks = JSON.readTree(ready.body()).get("checks");
        assertEquals("running", checks.get("runtime").asText());
        assertEquals("answers", checks.get("redis").asText());
        assertEquals("2 handler(s) admitted, 0 refused", checks.get("plugins").asText());
        OpsHarness.await("gRPC health SERVING", WAIT, () -> grpcHealth(h, "") == ServingStatus.SERVING);
        assertEquals(ServingStatus.SERVING, grpcHealth(h, "readiness"));
        assertEquals(ServingStatus.SERVING, grpcHealth(h, "liveness"));

        h.operations().stopping();
        assertEquals(503, h.get("/health/ready", null).statusCode(), "not ready once shutdown begins");
        assertEquals(404, h.get("/nothing", null).statusCode());
    }

    @Test
    void livenessHoldsWhileAnOrderlyShutdownDrainsWithItsLoopsCheckStopping() throws Exception {
        // A slow service, called with a deadline past the grace: the event in flight holds the
        // shutdown for its whole grace.
        OpsHarness h = harness(Map.of(
                "eventbus.consumer.shutdown-grace", "15s",
                "eventbus.grpc.services.\"orders.v1.OrderService\".deadline", "60s"));
        h.start();
        OpsHarness.await("gRPC liveness SERVING", WAIT, () -> grpcHealth(h, "liveness") == ServingStatus.SERVING);
        h.orders.behaviour(OrderServer.Behaviour.SLOW).slowFor(Duration.ofSeconds(60));
        h.publish("slow-1");
        OpsHarness.await(
                "the event in flight in both handlers",
                WAIT,
                () -> h.runtime().view().slotsTaken().values().stream().allMatch(taken -> taken == 1));
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
            h.operations().stopping();
            h.runtime().stop();
        });
        try {
            OpsHarness.await(
                    "the readers stopped", WAIT, () -> !h.runtime().view().readersAlive());
            assertFalse(stopped.isDone(), "still draining");
            // Before: 503 {"loops":"stalled"} through the whole drain, and gRPC liveness NOT_SERVING,
            // so a kubelet killed the draining pod.
            HttpResponse<String> live = h.get("/health/live", null);
            assertEquals(200, live.statusCode(), live.body());
            assertEquals(
                    "stopping",
                    JSON.readTree(live.body()).get("checks").get("loops").asText(),
                    live.body());
            assertEquals(503, h.get("/health/ready", null).statusCode());
            // It left the live set: status says why it knows of no instance, not that none is live.
            OpsHarness.Cli status = h.cli("status", "--admin", h.adminAddress());
            assertTrue(
                    status.out()
                            .contains("live instances unknown: this runtime could not read them from Redis "
                                    + "(the runtime is stopping)"),
                    status.toString());
            // The gRPC health statuses are brought up to date every second: readiness turned, liveness not.
            OpsHarness.await(
                    "gRPC readiness NOT_SERVING", WAIT, () -> grpcHealth(h, "readiness") == ServingStatus.NOT_SERVING);
            Awaitility.await()
                    .during(Duration.ofMillis(2_500))
                    .atMost(Duration.ofSeconds(4))
                    .until(() -> grpcHealth(h, "liveness"), s -> s == ServingStatus.SERVING);
            assertFalse(stopped.isDone(), "still draining");
        } finally {
            stopped.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void whileStartingWithRedisDownStatusSaysTheLiveInstancesAreUnknownNotThatNoneIsLive() throws Exception {
        int nothingListens;
        try (ServerSocket s = new ServerSocket(0)) {
            nothingListens = s.getLocalPort();
        }
        OpsHarness h = harness(Map.of("eventbus.redis.uri", "redis://127.0.0.1:" + nothingListens));
        h.startOperations();
        CompletableFuture<Void> starting =
                CompletableFuture.runAsync(() -> h.runtime().start());
        OpsHarness.await("start-up waiting for Redis", WAIT, () -> {
            try {
                return h.get("/health/ready", null).body().contains("Connection refused");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertFalse(starting.isDone(), "start-up waits for Redis");
        String unknown = "the runtime is starting; Redis: does not answer (";

        // Before: "no live instance (none heartbeats in eventbus:instances)", "instances": [].
        OpsHarness.Cli text = h.cli("status", "--admin", h.adminAddress());
        assertTrue(
                text.out().contains("live instances unknown: this runtime could not read them from Redis (" + unknown),
                text.toString());
        assertFalse(text.out().contains("no live instance"), text.toString());
        OpsHarness.Cli json = h.cli("status", "--admin", h.adminAddress(), "--json");
        JsonNode document = JSON.readTree(json.out());
        assertTrue(document.path("instancesUnread").asText().startsWith(unknown), json.toString());
        assertTrue(document.path("instancesUnread").asText().contains("Connection refused"), json.toString());
        assertEquals(0, document.get("instances").size(), json.toString());
        ManagedChannel channel = ManagedChannelBuilder.forAddress(
                        "127.0.0.1", h.operations().grpcPort())
                .usePlaintext()
                .build();
        try {
            GetStatusResponse status = AdminServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getStatus(GetStatusRequest.getDefaultInstance());
            assertTrue(status.getInstancesUnread().startsWith(unknown), status.toString());
        } finally {
            channel.shutdownNow();
        }
        h.operations().stopping();
        h.runtime().stop();
        starting.get(60, TimeUnit.SECONDS);
    }

    @Test
    void aRefusedPluginKeepsTheInstanceNotReady() throws Exception {
        OpsHarness h = harness(Map.of());
        Files.write(h.plugins.resolve("broken.jar"), new byte[] {1, 2, 3});
        h.start();
        HttpResponse<String> ready = h.get("/health/ready", null);
        assertEquals(503, ready.statusCode(), ready.body());
        assertEquals(
                "2 handler(s) admitted, 1 refused",
                JSON.readTree(ready.body()).get("checks").get("plugins").asText());
        assertEquals(1.0, sample(parse(h.get("/metrics", null).body()), "eventbus_plugins_refused"));

        OpsHarness relaxed = harness(Map.of("eventbus.admin.ready-requires-all-plugins", false));
        Files.write(relaxed.plugins.resolve("broken.jar"), new byte[] {1, 2, 3});
        relaxed.start();
        assertEquals(200, relaxed.get("/health/ready", null).statusCode());
    }

    @Test
    void prometheusEndpointParsesAndItsCountersMatchTheEventsSent() throws Exception {
        OpsHarness h = harness(Map.of());
        h.start();
        int n = 25;
        for (int i = 0; i < n; i++) {
            h.publish("m-" + i, i < 5 ? new String[] {"fail", "yes"} : new String[0]);
        }
        OpsHarness.await(
                "all handled",
                WAIT,
                () -> h.callsOf(OpsBystanderHandler.NAME).size() == n
                        && h.callsOf(OpsFailingHandler.NAME).size() == n - 5
                        && h.redis().xlen("eventbus:dlq:" + OpsFailingHandler.NAME) == 5);
        OpsHarness.await(
                "caught up", WAIT, () -> h.caughtUp(OpsBystanderHandler.NAME) && h.caughtUp(OpsFailingHandler.NAME));
        h.operations().metrics().pollNow();

        HttpResponse<String> response = h.get("/metrics", null);
        assertEquals(200, response.statusCode());
        assertTrue(
                response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
                response.headers().toString());
        Map<String, Double> samples = parse(response.body());
        String bystander = "handler=\"" + OpsBystanderHandler.NAME + "\"";
        String failing = "handler=\"" + OpsFailingHandler.NAME + "\"";
        String stream = "stream=\"ops-stream\"";
        assertEquals(
                n, sample(samples, "eventbus_handler_handled_total", bystander, stream, "plugin=\"ops-fixtures\""));
        assertEquals(n - 5, sample(samples, "eventbus_handler_handled_total", failing));
        assertEquals(5, sample(samples, "eventbus_handler_failed_total", failing));
        assertEquals(5, sample(samples, "eventbus_handler_dead_lettered_total", failing, "reason=\"handler-error\""));
        assertEquals(0, sample(samples, "eventbus_handler_dead_lettered_total", failing, "reason=\"decode\""));
        assertEquals(0, sample(samples, "eventbus_handler_trimmed_total", failing));
        assertEquals(n, sample(samples, "eventbus_handler_handling_seconds_count", bystander));
        assertEquals(n, sample(samples, "eventbus_handler_event_age_seconds_count", bystander));
        assertTrue(sample(samples, "eventbus_handler_event_age_seconds", bystander, "quantile=\"0.5\"") >= 0);
        assertEquals(
                2 * n - 5,
                sample(
                        samples,
                        "eventbus_grpc_client_calls_total",
                        "method=\"orders.v1.OrderService/MarkPaid\"",
                        "status=\"OK\""));
        assertEquals(
                2 * n - 5,
                sample(
                        samples,
                        "eventbus_grpc_client_latency_seconds_count",
                        "method=\"orders.v1.OrderService/MarkPaid\""));
        assertEquals(0, sample(samples, "eventbus_subscription_pending", failing, stream));
        assertEquals(0, sample(samples, "eventbus_subscription_lag", failing, stream));
        assertEquals(1, sample(samples, "eventbus_subscription_consumers", bystander, stream));
        assertEquals(5, sample(samples, "eventbus_handler_dead_letters", failing));
        assertEquals(0, sample(samples, "eventbus_handler_dead_letters", bystander));
        assertEquals(1, sample(samples, "eventbus_runtime_ready"));
        assertTrue(sample(samples, "jvm_memory_heap_used") > 0);
        assertTrue(sample(samples, "jvm_threads_count") > 0);

        // JMX carries the same registry.
        Set<ObjectName> names =
                ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("eventbus:*"), null);
        assertTrue(
                names.stream()
                        .anyMatch(o -> o.toString().contains("eventbus.handler.handled")
                                && o.toString().contains(OpsBystanderHandler.NAME)),
                names.toString());
    }

    @Test
    void tokenIsRequiredWhenSetOnHttpAndOnReflectionButNotOnHealthChecks() throws Exception {
        OpsHarness h = harness(Map.of("eventbus.admin.token", "t0ken-for-tests"));
        h.start();
        HttpResponse<String> denied = h.get("/metrics", null);
        assertEquals(401, denied.statusCode());
        assertTrue(denied.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        assertEquals(401, h.get("/health/ready", "wrong").statusCode());
        assertEquals(401, h.get("/health/live", "t0ken-for-test").statusCode(), "a prefix is not the token");
        assertEquals(200, h.get("/health/ready", "t0ken-for-tests").statusCode());
        assertEquals(200, h.get("/metrics", "t0ken-for-tests").statusCode());

        OpsHarness.await("gRPC health SERVING without a token", WAIT, () -> grpcHealth(h, "") == ServingStatus.SERVING);
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> reflectionServices(h, null));
        assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
        List<String> services = reflectionServices(h, "t0ken-for-tests");
        assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
        assertTrue(services.contains("grpc.reflection.v1.ServerReflection"), services.toString());

        OpsHarness.Cli show = h.cli("config", "show");
        assertEquals(0, show.exit(), show.toString());
        assertFalse(show.out().contains("t0ken-for-tests"), "config show redacts the admin token");
        assertTrue(show.out().contains("***"), show.out());
    }

    @Test
    void adminBoundBeyondLoopbackWithoutATokenRefusesToStart() throws Exception {
        Path conf = dir.resolve("exposed.conf");
        Files.writeString(conf, "eventbus { redis.uri = \"" + REDIS.uri() + "\", admin.host = \"0.0.0.0\" }\n");
        OpsHarness.Cli run = OpsHarness.cliRaw("run", "--config", conf.toString());
        assertEquals(2, run.exit(), run.toString());
        assertTrue(
                run.err().contains("admin.host")
                        && run.err().contains("0.0.0.0")
                        && run.err().contains("not a loopback address")
                        && run.err().contains("EVENTBUS_ADMIN_TOKEN"),
                run.err());

        OpsHarness.Cli check = OpsHarness.cliRaw("config", "check", "--config", conf.toString());
        assertEquals(2, check.exit(), "config check reports it too: " + check);

        // The servers check it themselves too, whatever built the settings.
        AdminSettings exposed = new AdminSettings(true, "0.0.0.0", 0, -1, "", true, dir.resolve("audit.log"));
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> AdminSurface.checkBinding(exposed));
        assertTrue(e.getMessage().contains("not a loopback address"), e.getMessage());
        AdminSurface.checkBinding(new AdminSettings(true, "0.0.0.0", 0, -1, "x", true, dir.resolve("audit.log")));
        InvalidConfigException empty = assertThrows(
                InvalidConfigException.class,
                () -> AdminSurface.checkBinding(
                        new AdminSettings(true, "", 0, -1, "x", true, dir.resolve("audit.log"))));
        assertTrue(empty.getMessage().contains("eventbus.admin.host: empty"), empty.getMessage());
        AdminSurface.checkBinding(new AdminSettings(true, "127.0.0.1", 0, -1, "", true, dir.resolve("audit.log")));
        AdminSurface.checkBinding(new AdminSettings(false, "0.0.0.0", 0, -1, "", true, dir.resolve("audit.log")));

        Path withToken = dir.resolve("token.conf");
        Files.writeString(
                withToken,
                "eventbus { redis.uri = \"" + REDIS.uri() + "\", admin.host = \"0.0.0.0\", admin.token = x }\n");
        assertEquals(
                0,
                OpsHarness.cliRaw("config", "check", "--config", withToken.toString())
                        .exit());
    }

    @Test
    void aSecretInTheRedisUriAppearsInNoAdminAnswerNoCliOutputAndNoLogLine() throws Exception {
        String secret = "Sup3rSecretRedisPassw0rd";
        String uri = REDIS.uri().replace("redis://", "redis://default:" + secret + "@");
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try {
            OpsHarness h = harness(Map.of("eventbus.redis.uri", uri));
            h.start();
            h.publish("secret-1", "fail", "yes");
            OpsHarness.await("dead letter", WAIT, () -> h.redis().xlen("eventbus:dlq:" + OpsFailingHandler.NAME) == 1);
            h.operations().metrics().pollNow();

            List<String> answers = new ArrayList<>();
            for (String path : List.of("/", "/health/live", "/health/ready", "/metrics")) {
                HttpResponse<String> r = h.get(path, null);
                assertEquals(200, r.statusCode(), path + ": " + r.body());
                answers.add(r.body() + r.headers());
            }
            String admin = h.adminAddress();
            for (String[] args : List.of(
                    new String[] {"status"},
                    new String[] {"status", "--json"},
                    new String[] {"status", "--admin", admin},
                    new String[] {"status", "--json", "--admin", admin},
                    new String[] {"config", "show"},
                    new String[] {"config", "check"},
                    new String[] {"dlq", "list", "--handler", OpsFailingHandler.NAME},
                    new String[] {"plugins", "list"},
                    new String[] {"plugins", "list", "--json", "--admin", admin},
                    new String[] {"plugins", "show", "ops-fixtures", "--admin", admin},
                    new String[] {"plugins", "reload", "ops-fixtures", "--admin", admin})) {
                OpsHarness.Cli cli = h.cli(args);
                assertEquals(0, cli.exit(), cli.toString());
                answers.add(cli.out() + cli.err());
            }
            // The admin gRPC API itself, and a failure it reports (an unknown plugin).
            ManagedChannel channel = ManagedChannelBuilder.forAddress(
                            "127.0.0.1", h.operations().grpcPort())
                    .usePlaintext()
                    .build();
            try {
                var adminApi = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
                GetStatusResponse status = adminApi.getStatus(GetStatusRequest.getDefaultInstance());
                assertEquals(2, status.getHandlersCount(), status.toString());
                answers.add(status.toString());
                answers.add(adminApi.listPlugins(ListPluginsRequest.getDefaultInstance())
                        .toString());
                StatusRuntimeException unknown = assertThrows(
                        StatusRuntimeException.class,
                        () -> adminApi.reloadPlugin(
                                ReloadPluginRequest.newBuilder().setId("nope").build()));
                answers.add(unknown.getStatus().toString());
            } finally {
                channel.shutdownNow();
            }
            assertTrue(answers.get(0).length() > 0 && answers.get(3).contains("eventbus_handler_handled_total"));
            assertTrue(
                    answers.stream().anyMatch(a -> a.startsWith("runtime at " + admin)),
                    "the runtime answered the CLI");
            assertTrue(answers.stream().anyMatch(a -> a.contains("redis://***@")), "the redacted URI is shown instead");
            for (String a : answers) {
                assertFalse(a.contains(secret), "secret in an answer: " + a);
            }
        } finally {
            root.detachAppender(logs);
        }
        assertTrue(logs.list.size() > 5, "log lines were captured");
        for (ILoggingEvent e : logs.list) {
            String line = e.getFormattedMessage() + " " + e.getMDCPropertyMap()
                    + (e.getThrowableProxy() == null
                            ? ""
                            : " " + e.getThrowableProxy().getMessage());
            assertFalse(line.contains(secret), "secret in a log line: " + line);
        }
    }

    private static ServingStatus grpcHealth(OpsHarness h, String service) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(
                        "127.0.0.1", h.operations().grpcPort())
                .usePlaintext()
                .build();
        try {
            return HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service).build())
                    .getStatus();
        } finally {
            channel.shutdownNow();
        }
    }

    /** The services server reflection lists, asked with the token (or none). */
    static List<String> reflectionServices(OpsHarness h, String token) throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(
                        "127.0.0.1", h.operations().grpcPort())
                .usePlaintext()
                .build();
        try {
            var stub = ServerReflectionGrpc.newStub(channel);
            if (token != null) {
                Metadata md = new Metadata();
                md.put(AdminGrpcServer.AUTHORIZATION, "Bearer " + token);
                stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
            }
            CompletableFuture<List<String>> result = new CompletableFuture<>();
            StreamObserver<ServerReflectionRequest> requests = stub.serverReflectionInfo(new StreamObserver<>() {
                @Override
                public void onNext(ServerReflectionResponse r) {
                    result.complete(r.getListServicesResponse().getServiceList().stream()
                            .map(s -> s.getName())
                            .toList());
                }

                @Override
                public void onError(Throwable t) {
                    result.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {}
            });
            requests.onNext(
                    ServerReflectionRequest.newBuilder().setListServices("").build());
            requests.onCompleted();
            try {
                return result.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw (Exception) e.getCause();
            }
        } finally {
            channel.shutdownNow();
        }
    }
}
