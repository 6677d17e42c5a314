package dev.eventbus.runtime.admin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.admin.v1.AdminServiceGrpc;
import dev.eventbus.admin.v1.GetStatusRequest;
import dev.eventbus.runtime.fixtures.Flag;
import dev.eventbus.runtime.fixtures.OpsBystanderHandler;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RedisExtension;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * One broken subscription, for real: a stream key that holds a string (WRONGTYPE), a Redis user
 * without +xack. The broken subscription is reported (readiness, admin API, log) with its key and
 * reason, the healthy one goes on handling events, the broken one mends by itself, and its loops
 * back off instead of logging every round.
 */
class SubscriptionFailureIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String OTHER_STREAM = "it-stream";

    @TempDir
    Path dir;

    private OpsHarness h;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final List<Logger> watched = new ArrayList<>();

    @BeforeEach
    void setUp() {
        REDIS.command("FLUSHALL");
        log.start();
        for (String name : List.of("dev.eventbus")) {
            Logger l = (Logger) LoggerFactory.getLogger(name);
            l.addAppender(log);
            watched.add(l);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        watched.forEach(l -> l.detachAppender(log));
        if (h != null) {
            h.close();
        }
    }

    /** The ops fixtures on ops-stream plus the recorder on it-stream, which stays healthy. */
    private OpsHarness harness(String redisUri, Map<String, Object> extra) throws Exception {
        h = OpsHarness.create(Files.createDirectories(dir.resolve("h")), redisUri, extra);
        new PluginJarBuilder("recorder").extension(RecordingHandler.class).build(h.plugins);
        return h;
    }

    private boolean recorderHandled(String id) {
        return h.orders.calls().stream().anyMatch(c -> c.orderId().equals(id));
    }

    private String publishOther(String subject) {
        return h.redis().xadd(OTHER_STREAM, Map.of("type", "it.recorded", "subject", subject));
    }

    private List<String> warnings(String containing) {
        synchronized (log) {
            return log.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains(containing))
                    .toList();
        }
    }

    @Test
    void aStreamKeyHoldingAStringFailsOnlyItsSubscriptionWhichStartsOnceTheKeyIsAStream() throws Exception {
        harness(REDIS.uri(), Map.of());
        h.redis().set(OpsHarness.STREAM, "not a stream");

        h.start(); // before: start-up threw WRONGTYPE and the runtime exited with status 1

        String bystander = OpsBystanderHandler.NAME + "@" + OpsHarness.STREAM;
        await().atMost(WAIT)
                .until(() -> h.get("/health/ready", null).statusCode() == 503
                        && h.get("/health/ready", null).body().contains(bystander));
        HttpResponse<String> ready = h.get("/health/ready", null);
        assertTrue(ready.body().contains("stream key 'ops-stream' holds another type"), ready.body());
        assertTrue(ready.body().contains("WRONGTYPE") && ready.body().contains("rename or delete"), ready.body());

        // The healthy subscription handles events meanwhile.
        publishOther("while-broken");
        await().atMost(WAIT).until(() -> recorderHandled("while-broken"));

        // The admin API and the log say which subscription, which key and what to do.
        ManagedChannel channel = ManagedChannelBuilder.forAddress(
                        "127.0.0.1", h.operations().grpcPort())
                .usePlaintext()
                .build();
        try {
            String status = AdminServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .getStatus(GetStatusRequest.getDefaultInstance())
                    .toString();
            assertTrue(status.contains("FAILING") && status.contains("WRONGTYPE"), status);
        } finally {
            channel.shutdownNow();
        }
        assertTrue(
                warnings("FAILED to start").stream()
                        .anyMatch(m -> m.contains(bystander) && m.contains("stream key 'ops-stream'")),
                () -> String.valueOf(warnings("")));

        // Mended from outside: the subscription starts by itself and handles the stream's events.
        h.redis().del(OpsHarness.STREAM);
        h.publish("after-mend");
        await().atMost(WAIT).until(() -> !h.callsOf(OpsBystanderHandler.NAME).isEmpty());
        await().atMost(WAIT).until(() -> h.get("/health/ready", null).statusCode() == 200);
    }

    @Test
    void aKeyTurnedIntoAStringWhileRunningMakesItsLoopsBackOffInsteadOfLoggingEveryRound() throws Exception {
        harness(REDIS.uri(), Map.of("eventbus.recovery.interval", "100ms"));
        h.start();
        h.publish("first");
        await().atMost(WAIT).until(() -> !h.callsOf(OpsBystanderHandler.NAME).isEmpty());

        h.redis().del(OpsHarness.STREAM);
        h.redis().set(OpsHarness.STREAM, "not a stream");
        // Turned into a string while running: readiness names the key and the fix, as at start-up.
        await().atMost(WAIT).until(() -> {
            HttpResponse<String> r = h.get("/health/ready", null);
            return r.statusCode() == 503
                    && r.body().contains("stream key 'ops-stream' holds another type")
                    && r.body().contains("rename or delete");
        });
        int before = warnings("WRONGTYPE").size();
        // A window of six seconds: the reclaimer runs every 100 ms, so logging every round would
        // write about 60 lines per subscription; backing off, each loop logs a handful.
        await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(7)).until(() -> true);
        List<String> during = warnings("WRONGTYPE");
        int lines = during.size() - before;
        assertTrue(lines <= 24, lines + " WRONGTYPE warnings in 6 s: " + during);
        assertTrue(
                during.stream()
                        .allMatch(m -> m.contains("a key holds the wrong type (WRONGTYPE)")
                                || m.contains("stream key 'ops-stream' holds another type")),
                String.valueOf(during));

        // Healthy again by itself once the key is gone: the readers re-create their groups.
        h.redis().del(OpsHarness.STREAM);
        h.publish("after-mend");
        await().atMost(WAIT)
                .until(() -> h.callsOf(OpsBystanderHandler.NAME).stream()
                        .anyMatch(c -> c.orderId().equals("after-mend")));
        await().atMost(WAIT).until(() -> h.get("/health/ready", null).statusCode() == 200);
    }

    @Test
    void aRedisUserWithoutXackMakesTheSubscriptionNotReady() throws Exception {
        String user = "eventbus-noack";
        REDIS.command("ACL", "SETUSER", user, "reset", "on", ">secret-pw", "~*", "&*", "+@all", "-xack");
        try {
            String uri = REDIS.uri().replace("redis://", "redis://" + user + ":secret-pw@");
            harness(uri, Map.of());
            h.start();
            assertEquals(200, h.get("/health/ready", null).statusCode());

            h.publish("not-acked");
            String bystander = OpsBystanderHandler.NAME + "@" + OpsHarness.STREAM;
            await().atMost(WAIT).until(() -> {
                HttpResponse<String> r = h.get("/health/ready", null);
                return r.statusCode() == 503
                        && r.body().contains(bystander)
                        && r.body().contains("NOPERM");
            });
            assertTrue(h.get("/health/ready", null).body().contains("XACK fails"));

            // Granted: the next acknowledgement works and readiness comes back.
            REDIS.command("ACL", "SETUSER", user, "+xack");
            h.publish("acked");
            await().atMost(WAIT).until(() -> h.get("/health/ready", null).statusCode() == 200);
        } finally {
            REDIS.command("ACL", "DELUSER", user);
        }
    }

    @Test
    void aDeadLetterRedisCannotStoreMakesTheSubscriptionNotReadyUntilItIsStored() throws Exception {
        harness(REDIS.uri(), Map.of("eventbus.recovery.claim-idle", "2s", "eventbus.recovery.interval", "200ms"));
        h.start();
        String recorder = "recorder@" + OTHER_STREAM;
        Flag release = Flag.in(dir, "release-hold");
        h.redis()
                .xadd(
                        OTHER_STREAM,
                        Map.of(
                                "type",
                                "it.recorded",
                                "subject",
                                "dl-oom",
                                "hold",
                                release.path(),
                                "fail",
                                "never-again"));
        await().atMost(WAIT).until(() -> pendingOf("recorder") == 1);
        try {
            // Redis refuses writes (noeviction): the handler's permanent failure cannot be dead-lettered.
            REDIS.command("CONFIG", "SET", "maxmemory", "1");
            release.raise();
            await().atMost(WAIT).until(() -> {
                HttpResponse<String> r = h.get("/health/ready", null);
                return r.statusCode() == 503
                        && r.body().contains(recorder)
                        && r.body().contains("could not dead-letter");
            });
            assertEquals(1, pendingOf("recorder"), "the entry stays pending while its dead letter cannot be stored");

            // Memory back: the entry is taken again, its dead letter stored, and readiness comes back.
            REDIS.command("CONFIG", "SET", "maxmemory", "0");
            await().atMost(WAIT).until(() -> h.get("/health/ready", null).statusCode() == 200);
            await().atMost(WAIT)
                    .until(() -> h.redis().xlen("eventbus:dlq:recorder") == 1 && pendingOf("recorder") == 0);
        } finally {
            REDIS.command("CONFIG", "SET", "maxmemory", "0");
            release.raise(); // never leave the handler held while the runtime stops
        }
    }

    private long pendingOf(String group) {
        return h.redis().xpending(OTHER_STREAM, group).getCount();
    }
}
