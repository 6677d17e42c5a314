package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.samples.orders.v1.MarkPaidReply;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;
import dev.eventbus.testkit.RedisExtension;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.lettuce.core.Range;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A gRPC service that is down (it answers UNAVAILABLE, as a failing TLS handshake or a refused
 * connection does) for a while, then answers with a real failure: the waiting costs the event none
 * of its {@code retry.max-attempts} (its waits grow meanwhile, as any retry's), and its first real
 * try after the outage waits the backoff of attempt 1, with the circuit breaker on. The
 * sample payments plugin calls a real gRPC server; a real Redis holds the events and dead letters.
 */
class ServiceDownRetriesIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final String DLQ = "eventbus:dlq:mark-order-paid";
    private static final int DOWN_FOR_CALLS = 5;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern WAITED = Pattern.compile("a service is down: not counted.*retry in (\\d+) ms");
    private static final Pattern FIRST_REAL = Pattern.compile("\\(attempt 1\\), retry in (\\d+) ms");

    @TempDir
    Path plugins;

    private final List<Status.Code> answers = new CopyOnWriteArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.eventbus.runtime");
    private Server server;
    private EventbusRuntime runtime;
    private Streams streams;

    @BeforeEach
    void setUp() throws Exception {
        REDIS.command("FLUSHALL");
        streams = new Streams(REDIS.uri());
        Files.copy(Path.of("target/test-plugins/payments-plugin.jar"), plugins.resolve("payments-plugin.jar"));
        logs.start();
        logger.addAppender(logs);
        // Down for the first calls, then up but refusing the call: a failure that counts.
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new OrderServiceGrpc.OrderServiceImplBase() {
                    @Override
                    public void markPaid(MarkPaidRequest request, StreamObserver<MarkPaidReply> replies) {
                        Status answer = answers.size() < DOWN_FOR_CALLS
                                ? Status.UNAVAILABLE.withDescription("down for maintenance")
                                : Status.UNAUTHENTICATED.withDescription("bad or missing bearer token");
                        answers.add(answer.getCode());
                        replies.onError(answer.asRuntimeException());
                    }
                })
                .build()
                .start();
    }

    @AfterEach
    void tearDown() throws Exception {
        logger.detachAppender(logs);
        if (runtime != null) {
            runtime.stop();
        }
        streams.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void afterAnOutageAnEventStillGetsItsMaxAttemptsRealTriesBeforeItsDeadLetter() throws Exception {
        runtime = new EventbusRuntime(
                ConfigLoader.load(
                        Optional.empty(),
                        ConfigFactory.parseMap(Map.of(
                                "eventbus.redis.uri",
                                REDIS.uri(),
                                "eventbus.plugins-dir",
                                plugins.toString(),
                                "eventbus.consumer-name",
                                "down-it",
                                "eventbus.consumer.shutdown-grace",
                                "5s",
                                "eventbus.handlers.mark-order-paid.retry.max-attempts",
                                2,
                                "eventbus.handlers.mark-order-paid.retry.backoff.initial",
                                "50ms",
                                "eventbus.grpc.circuit-breaker.failure-threshold",
                                2,
                                "eventbus.grpc.circuit-breaker.open-for",
                                "200ms",
                                "eventbus.grpc.services.\"orders.v1.OrderService\".target",
                                "127.0.0.1:" + server.getPort()))),
                DeliveryObserver.NONE,
                Clock.systemUTC());
        runtime.start();
        streams.publish(
                "wallet",
                Map.of(
                        "type", "wallet.topup.succeeded",
                        "subject", "w-1",
                        "id", "evt-down",
                        "data", "{\"orderId\":\"o-down\",\"walletId\":\"w-1\",\"amountCents\":100}"));

        Streams.await("a dead letter", WAIT, () -> streams.redis().xlen(DLQ) == 1);
        Streams.await("nothing pending", WAIT, () -> streams.pending("wallet", "mark-order-paid") == 0);
        List<Status.Code> expected =
                new java.util.ArrayList<>(Collections.nCopies(DOWN_FOR_CALLS, Status.Code.UNAVAILABLE));
        expected.addAll(List.of(Status.Code.UNAUTHENTICATED, Status.Code.UNAUTHENTICATED));
        assertEquals(expected, answers, "two real tries (max-attempts = 2) after the outage, then the dead letter");

        Map<String, String> letter =
                streams.redis().xrange(DLQ, Range.create("-", "+")).get(0).getBody();
        assertEquals("rpc-status", letter.get("eventbus-reason"));
        assertEquals("UNAUTHENTICATED: bad or missing bearer token", letter.get("eventbus-error-message"));
        int deliveries = Integer.parseInt(letter.get("eventbus-attempts"));
        assertTrue(
                deliveries >= DOWN_FOR_CALLS + 2,
                "eventbus-attempts counts every delivery, the waits too: " + deliveries);

        String logged = logged();
        Matcher waited = WAITED.matcher(logged);
        int waits = 0;
        long last = 0;
        while (waited.find()) {
            waits++;
            long wait = Long.parseLong(waited.group(1));
            // doubling with +/- 20% jitter: each wait is above the one before
            assertTrue(wait > last, "the waits while down grow as any retry's: " + logged);
            last = wait;
        }
        assertTrue(waits >= DOWN_FOR_CALLS, logged);
        Matcher firstReal = FIRST_REAL.matcher(logged);
        assertTrue(firstReal.find(), logged);
        assertTrue(
                Long.parseLong(firstReal.group(1)) <= 60,
                "the first real try after the outage waits attempt 1's backoff (50 ms +/- 20%): " + logged);
    }

    private String logged() {
        StringBuilder all = new StringBuilder();
        for (ILoggingEvent e : logs.list) {
            all.append(e.getLevel()).append(' ').append(e.getFormattedMessage()).append('\n');
        }
        return all.toString();
    }
}
