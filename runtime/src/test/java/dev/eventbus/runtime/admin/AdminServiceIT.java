package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.admin.v1.AdminServiceGrpc;
import dev.eventbus.admin.v1.GetPluginRequest;
import dev.eventbus.admin.v1.GetStatusRequest;
import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.admin.v1.HandlerStatus;
import dev.eventbus.admin.v1.ListPluginsRequest;
import dev.eventbus.admin.v1.ListPluginsResponse;
import dev.eventbus.admin.v1.Plugin;
import dev.eventbus.admin.v1.ReloadPluginRequest;
import dev.eventbus.admin.v1.ReloadPluginResponse;
import dev.eventbus.admin.v1.ServiceStatus;
import dev.eventbus.admin.v1.StreamStatus;
import dev.eventbus.admin.v1.SubscriptionState;
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
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eventbus.admin.v1.AdminService} over a real gRPC channel to a real runtime (real Redis,
 * real plugin JAR, the real order service its handlers call): status with pending entries, dead
 * letters and an open circuit, plugins running and refused, reloads, and the token.
 */
class AdminServiceIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String SERVICE = OpsBystanderHandler.SERVICE;

    @TempDir
    Path dir;

    private final List<OpsHarness> harnesses = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void setUp() {
        REDIS.command("FLUSHALL");
    }

    @AfterEach
    void tearDown() throws Exception {
        channels.forEach(ManagedChannel::shutdownNow);
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

    private AdminServiceGrpc.AdminServiceBlockingStub admin(OpsHarness h, String token) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(
                        "127.0.0.1", h.operations().grpcPort())
                .usePlaintext()
                .build();
        channels.add(channel);
        AdminServiceGrpc.AdminServiceBlockingStub stub = AdminServiceGrpc.newBlockingStub(channel);
        if (token != null) {
            Metadata md = new Metadata();
            md.put(AdminGrpcServer.AUTHORIZATION, "Bearer " + token);
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
        }
        return stub;
    }

    private static GetStatusResponse status(AdminServiceGrpc.AdminServiceBlockingStub admin) {
        return admin.withDeadlineAfter(20, TimeUnit.SECONDS).getStatus(GetStatusRequest.getDefaultInstance());
    }

    /** Asks GetStatus until the answer satisfies the condition; returns that answer. */
    private static GetStatusResponse awaitStatus(
            AdminServiceGrpc.AdminServiceBlockingStub admin, String what, Predicate<GetStatusResponse> condition)
            throws InterruptedException {
        GetStatusResponse[] last = new GetStatusResponse[1];
        try {
            OpsHarness.await(what, WAIT, () -> condition.test(last[0] = status(admin)));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last answer:\n" + last[0], e);
        }
        return last[0];
    }

    private static HandlerStatus handler(GetStatusResponse status, String name) {
        return status.getHandlersList().stream()
                .filter(h -> h.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no handler " + name + " in\n" + status));
    }

    private static StreamStatus stream(GetStatusResponse status, String handler) {
        HandlerStatus h = handler(status, handler);
        assertEquals(1, h.getStreamsCount(), h.toString());
        return h.getStreams(0);
    }

    private static ServiceStatus service(GetStatusResponse status, String name) {
        return status.getServicesList().stream()
                .filter(s -> s.getService().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no service " + name + " in\n" + status));
    }

    @Test
    void statusShowsPendingInFlightEntriesAndDeadLettersPerHandler() throws Exception {
        OpsHarness h = harness(Map.of());
        h.start();
        var admin = admin(h, null);
        for (int i = 0; i < 3; i++) {
            h.publish("dead-" + i, "fail", "yes");
        }
        OpsHarness.await("3 dead letters", WAIT, () -> h.redis().xlen("eventbus:dlq:" + OpsFailingHandler.NAME) == 3);
        OpsHarness.await(
                "bystander handled 3",
                WAIT,
                () -> h.callsOf(OpsBystanderHandler.NAME).size() == 3);

        h.orders.slowFor(Duration.ofSeconds(4)).behaviour(OrderServer.Behaviour.SLOW);
        h.publish("slow-1");
        h.publish("slow-2");
        GetStatusResponse status = awaitStatus(admin, "2 entries pending and in flight for both handlers", s -> {
            StreamStatus failing = stream(s, OpsFailingHandler.NAME);
            StreamStatus bystander = stream(s, OpsBystanderHandler.NAME);
            return failing.getPending() == 2
                    && failing.getInFlight() == 2
                    && bystander.getPending() == 2
                    && bystander.getInFlight() == 2
                    && handler(s, OpsFailingHandler.NAME).getDeadLetters() == 3;
        });
        h.orders.behaviour(OrderServer.Behaviour.OK);

        assertTrue(status.getReadiness().getUp(), status.getReadiness().toString());
        assertEquals("running", status.getReadiness().getChecksMap().get("runtime"));
        assertTrue(status.getLiveness().getUp());
        assertFalse(status.getRuntimeVersion().isEmpty());
        HandlerStatus failing = handler(status, OpsFailingHandler.NAME);
        assertEquals("ops-fixtures", failing.getPluginId());
        assertEquals("2.0.0", failing.getPluginVersion());
        assertEquals(0, handler(status, OpsBystanderHandler.NAME).getDeadLetters());
        assertEquals(0, failing.getAbandonedWorkersRunning());
        StreamStatus row = failing.getStreams(0);
        assertEquals(OpsHarness.STREAM, row.getStream());
        assertEquals(SubscriptionState.RUNNING, row.getState());
        assertEquals("", row.getReason());
        assertEquals(1, row.getConsumers());
        // One node: the row's dead-letter stream is the handler's only one.
        assertEquals("eventbus:dlq:" + OpsFailingHandler.NAME, row.getDeadLetterStream());
        assertEquals(3, row.getStreamDeadLetters());
        assertEquals(0, row.getLag());
        assertTrue(row.getOldestPendingAgeMillis() >= 0, row.toString());
        assertTrue(row.getMaxInFlight() >= 2, row.toString());
        assertTrue(row.getFiguresAgeMillis() >= 0, row.toString());
        assertEquals(ServiceStatus.Circuit.CLOSED, service(status, SERVICE).getCircuit());
        assertEquals(
                List.of(OpsBystanderHandler.NAME, OpsFailingHandler.NAME),
                service(status, SERVICE).getHandlersList());

        GetStatusResponse one = admin.getStatus(GetStatusRequest.newBuilder()
                .setHandler(OpsBystanderHandler.NAME)
                .build());
        assertEquals(1, one.getHandlersCount());
        assertEquals(OpsBystanderHandler.NAME, one.getHandlers(0).getName());

        OpsHarness.await(
                "slow calls done",
                WAIT,
                () -> h.caughtUp(OpsFailingHandler.NAME) && h.caughtUp(OpsBystanderHandler.NAME));
        awaitStatus(
                admin,
                "nothing pending or in flight",
                s -> stream(s, OpsFailingHandler.NAME).getPending() == 0
                        && stream(s, OpsFailingHandler.NAME).getInFlight() == 0);
    }

    @Test
    void anOpenCircuitPausesEverySubscriptionWhoseHandlerCallsTheService() throws Exception {
        OpsHarness h = harness(Map.of(
                "eventbus.grpc.circuit-breaker.failure-threshold", 2,
                "eventbus.grpc.circuit-breaker.open-for", "60s",
                "eventbus.grpc.services.\"orders.v1.OrderService\".deadline", "500ms"));
        h.start();
        var admin = admin(h, null);
        assertEquals(
                SubscriptionState.RUNNING,
                stream(status(admin), OpsFailingHandler.NAME).getState());

        h.orders.stop();
        for (int i = 0; i < 4; i++) {
            h.publish("away-" + i);
        }
        GetStatusResponse status =
                awaitStatus(admin, "circuit open", s -> service(s, SERVICE).getCircuit() == ServiceStatus.Circuit.OPEN);
        ServiceStatus orders = service(status, SERVICE);
        assertTrue(orders.getConsecutiveFailures() >= 2, orders.toString());
        assertTrue(orders.getHalfOpenInMillis() > 0 && orders.getHalfOpenInMillis() <= 60_000, orders.toString());
        for (String handler : List.of(OpsFailingHandler.NAME, OpsBystanderHandler.NAME)) {
            StreamStatus row = stream(status, handler);
            assertEquals(SubscriptionState.PAUSED, row.getState(), row.toString());
            assertEquals("circuit open for service orders.v1.OrderService", row.getReason());
        }

        ListPluginsResponse plugins = admin.listPlugins(ListPluginsRequest.getDefaultInstance());
        assertTrue(
                plugins.getPlugins(0).getHandlersList().stream()
                        .allMatch(x -> x.getState() == SubscriptionState.PAUSED),
                plugins.toString());

        OpsHarness.Cli cli =
                h.cli("status", "--admin", "127.0.0.1:" + h.operations().grpcPort());
        assertEquals(0, cli.exit(), cli.toString());
        assertTrue(
                cli.out().lines().anyMatch(l -> l.matches(OpsFailingHandler.NAME + "\\s+ops-stream\\s+paused\\s+.*")),
                cli.out());
        assertTrue(
                cli.out().contains(OpsFailingHandler.NAME + "@ops-stream paused: circuit open for service " + SERVICE),
                cli.out());
        assertTrue(
                cli.out()
                        .lines()
                        .anyMatch(l -> l.matches("orders\\.v1\\.OrderService\\s+open\\s+\\d+\\s+"
                                + OpsBystanderHandler.NAME + ", " + OpsFailingHandler.NAME)),
                cli.out());
    }

    @Test
    void pluginsListsRunningPluginsAndRefusedJarsWithReasons() throws Exception {
        OpsHarness h = harness(Map.of());
        Files.write(h.plugins.resolve("broken.jar"), new byte[] {'n', 'o', 't', ' ', 'a', ' ', 'j', 'a', 'r'});
        h.start();
        var admin = admin(h, null);

        ListPluginsResponse list = admin.listPlugins(ListPluginsRequest.getDefaultInstance());
        assertEquals(1, list.getPluginsCount(), list.toString());
        Plugin plugin = list.getPlugins(0);
        assertEquals("ops-fixtures", plugin.getId());
        assertEquals("2.0.0", plugin.getVersion());
        assertEquals("ops-fixtures-2.0.0.jar", plugin.getSource());
        assertEquals(64, plugin.getSha256().length());
        assertEquals(
                List.of(OpsBystanderHandler.NAME, OpsFailingHandler.NAME),
                plugin.getHandlersList().stream().map(x -> x.getName()).toList());
        var handler = plugin.getHandlers(1);
        assertEquals(OpsHarness.STREAM, handler.getConsumes(0).getStream());
        assertEquals(List.of(OpsHarness.TYPE), handler.getConsumes(0).getEventTypesList());
        assertEquals(List.of(SERVICE), handler.getServicesList());
        assertEquals(SubscriptionState.RUNNING, handler.getState());
        assertEquals(1, list.getRefusedCount(), list.toString());
        assertEquals("broken.jar", list.getRefused(0).getSource());
        assertEquals("", list.getRefused(0).getPluginId());
        assertTrue(
                list.getRefused(0).getReason().startsWith("not a readable JAR"),
                list.getRefused(0).getReason());

        var one = admin.getPlugin(
                GetPluginRequest.newBuilder().setId("ops-fixtures").build());
        assertEquals(plugin, one.getPlugin());
        assertEquals(0, one.getRefusedCount());
        StatusRuntimeException unknown = assertThrows(
                StatusRuntimeException.class,
                () -> admin.getPlugin(
                        GetPluginRequest.newBuilder().setId("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    }

    @Test
    void reloadSwapsThePluginAndSaysWhyWhenItCannot() throws Exception {
        OpsHarness h = harness(Map.of());
        h.start();
        var admin = admin(h, null);
        ClassLoader before = h.runtime().view().handlers().get(0).classLoader();
        Path jar = h.plugins.resolve("ops-fixtures-2.0.0.jar");
        Path next = OpsHarness.pluginJar("2.1.0").build(Files.createDirectories(h.dir.resolve("next")));
        Files.copy(next, jar, StandardCopyOption.REPLACE_EXISTING);

        ReloadPluginResponse reloaded = admin.withDeadlineAfter(2, TimeUnit.MINUTES)
                .reloadPlugin(
                        ReloadPluginRequest.newBuilder().setId("ops-fixtures").build());
        assertEquals("2.1.0", reloaded.getPlugin().getVersion());
        assertEquals("2.0.0", reloaded.getPreviousVersion());
        assertEquals(2, reloaded.getPlugin().getHandlersCount());
        assertNotSame(before, h.runtime().view().handlers().get(0).classLoader(), "a fresh class loader");
        h.publish("after-reload");
        OpsHarness.await(
                "the new version handles events",
                WAIT,
                () -> h.callsOf(OpsFailingHandler.NAME).size() == 1);
        GetStatusResponse after = status(admin);
        assertEquals("2.1.0", handler(after, OpsFailingHandler.NAME).getPluginVersion());
        assertEquals(
                SubscriptionState.RUNNING, stream(after, OpsFailingHandler.NAME).getState());

        StatusRuntimeException unknown = assertThrows(
                StatusRuntimeException.class,
                () -> admin.reloadPlugin(
                        ReloadPluginRequest.newBuilder().setId("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        assertTrue(
                unknown.getStatus().getDescription().contains("no plugin 'nope'"),
                unknown.getStatus().toString());

        Files.write(jar, new byte[] {1, 2, 3});
        StatusRuntimeException refused = assertThrows(
                StatusRuntimeException.class,
                () -> admin.reloadPlugin(
                        ReloadPluginRequest.newBuilder().setId("ops-fixtures").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        String why = refused.getStatus().getDescription();
        assertTrue(why.contains("not a readable JAR") && why.contains("ops-fixtures 2.1.0 keeps running"), why);
        assertEquals(2, h.runtime().view().handlers().size(), "the running version keeps running");
        assertEquals(
                SubscriptionState.RUNNING,
                stream(status(admin), OpsFailingHandler.NAME).getState());
    }

    @Test
    void everyCallNeedsTheTokenWhenOneIsSetAndReflectionListsTheService() throws Exception {
        OpsHarness h = harness(Map.of("eventbus.admin.token", "t0ken-for-tests"));
        h.start();
        for (String token : new String[] {null, "wrong"}) {
            var admin = admin(h, token);
            StatusRuntimeException denied = assertThrows(StatusRuntimeException.class, () -> status(admin));
            assertEquals(Status.Code.UNAUTHENTICATED, denied.getStatus().getCode());
            StatusRuntimeException deniedReload = assertThrows(
                    StatusRuntimeException.class,
                    () -> admin.reloadPlugin(ReloadPluginRequest.newBuilder()
                            .setId("ops-fixtures")
                            .build()));
            assertEquals(Status.Code.UNAUTHENTICATED, deniedReload.getStatus().getCode());
        }
        var admin = admin(h, "t0ken-for-tests");
        assertEquals(2, status(admin).getHandlersCount());
        assertEquals(
                1, admin.listPlugins(ListPluginsRequest.getDefaultInstance()).getPluginsCount());
        assertTrue(AdminServerIT.reflectionServices(h, "t0ken-for-tests").contains("eventbus.admin.v1.AdminService"));

        OpsHarness.Cli withoutToken = OpsHarness.cliRaw(
                "status",
                "--redis",
                REDIS.uri(),
                "--admin",
                "127.0.0.1:" + h.operations().grpcPort());
        assertEquals(1, withoutToken.exit(), withoutToken.toString());
        assertTrue(withoutToken.err().contains("refused the admin token"), withoutToken.err());
        OpsHarness.Cli withToken =
                h.cli("status", "--admin", "127.0.0.1:" + h.operations().grpcPort());
        assertEquals(0, withToken.exit(), withToken.toString());
        assertTrue(withToken.out().startsWith("runtime at 127.0.0.1:"), withToken.out());
    }

    @Test
    void statusGivenAnotherRedisThanTheConfiguredRuntimesReadsThatRedisAndSaysWhy() throws Exception {
        OpsHarness h = harness(Map.of());
        h.start();
        String grpc = "127.0.0.1:" + h.operations().grpcPort();
        assertEquals(REDIS.uri(), status(admin(h, null)).getRedis());

        // The runtime's own Redis, given explicitly: its live state.
        OpsHarness.Cli same = OpsHarness.cliRaw("status", "--redis", REDIS.uri(), "--admin", grpc);
        assertEquals(0, same.exit(), same.toString());
        assertTrue(same.out().startsWith("runtime at " + grpc), same.out());

        // Another Redis (here another database of the same server, empty), the runtime found at the
        // configured admin address: not its handlers under that Redis's name, but what that Redis
        // holds, and why on stderr.
        String other = REDIS.uri() + "/3";
        Path conf = Files.writeString(
                dir.resolve("operator.conf"),
                "eventbus.admin.grpc-port = " + h.operations().grpcPort() + "\neventbus.redis.uri = \"" + other
                        + "\"\n");
        OpsHarness.Cli cli = OpsHarness.cliRaw("status", "--config", conf.toString());
        assertFalse(cli.out().startsWith("runtime at"), cli.toString());
        assertFalse(cli.out().contains(OpsFailingHandler.NAME), cli.toString());
        assertTrue(
                cli.err()
                        .contains("live state (paused subscriptions, circuits, in-flight events) is unavailable: the "
                                + "runtime at " + grpc + " uses Redis " + REDIS.uri() + ", not " + other
                                + " (--admin HOST:PORT names the runtime of that Redis)"),
                cli.err());

        // The runtime named with --admin is believed (the same Redis may have another name where it
        // runs), with a note.
        OpsHarness.Cli named = OpsHarness.cliRaw("status", "--redis", other, "--admin", grpc);
        assertEquals(0, named.exit(), named.toString());
        assertTrue(named.out().startsWith("runtime at " + grpc), named.out());
        assertTrue(
                named.err()
                        .contains("eventbus: note: the runtime at " + grpc + " uses Redis " + REDIS.uri() + ", not "
                                + other),
                named.err());
    }
}
