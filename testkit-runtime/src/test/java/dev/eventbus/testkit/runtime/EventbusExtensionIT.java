package dev.eventbus.testkit.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.samples.orders.v1.MarkPaidReply;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RecordedCall;
import dev.eventbus.testkit.RecordingGrpcService;
import dev.eventbus.testkit.RedisExtension;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sample payments plugin's packaged JAR in the real runtime, through the extension a plugin
 * team uses: a real Redis, a recording fake of the OrderService it declares, the test clock.
 */
class EventbusExtensionIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    static final Path PAYMENTS = Path.of("target/test-plugins/payments-plugin.jar");
    static final String TOPUP = "{\"orderId\":\"o-1\",\"walletId\":\"w-1\",\"amountCents\":100}";
    static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    final RecordingGrpcService orders = RecordingGrpcService.of(OrderServiceGrpc.getServiceDescriptor());

    List<RecordedCall<MarkPaidRequest>> calls() {
        return orders.calls(OrderServiceGrpc.getMarkPaidMethod());
    }

    @Nested
    class WithDefaults {

        @RegisterExtension
        final EventbusExtension eventbus =
                EventbusExtension.with(REDIS).plugin(PAYMENTS).service(orders);

        @Test
        void aTopupIsHandledAndAcknowledgedAndTheCallCarriesTheRuntimesMetadata() {
            orders.on(OrderServiceGrpc.getMarkPaidMethod())
                    .reply(MarkPaidReply.newBuilder().setApplied(true).build());

            PublishedEvent topup = eventbus.publish(
                    "wallet",
                    "type",
                    "wallet.topup.succeeded",
                    "id",
                    "evt-1",
                    "subject",
                    "w-1",
                    "traceparent",
                    TRACEPARENT,
                    "data",
                    TOPUP);
            topup.awaitHandled();
            topup.awaitAcknowledged();

            RecordedCall<MarkPaidRequest> call = calls().get(0);
            assertEquals("o-1", call.request().getOrderId());
            assertEquals("mark-order-paid/wallet/" + topup.entryId(), call.idempotencyKey());
            assertEquals(topup.idempotencyKey(), call.idempotencyKey());
            assertEquals("evt-1", call.eventId());
            assertEquals(1, call.attempt());
            assertEquals(TRACEPARENT, call.traceparent());
            assertTrue(call.hadDeadline());
        }

        @Test
        void aBadPayloadIsDeadLetteredWithTheHandlersReasonAndNeverCalls() {
            PublishedEvent bad = eventbus.publish("wallet", "type", "wallet.topup.succeeded", "data", "{oops");

            DeadLettered letter = bad.awaitDeadLettered();
            bad.awaitAcknowledged();

            assertEquals("handler-error", letter.reason());
            assertEquals("mark-order-paid", letter.handler());
            assertTrue(letter.errorMessage().contains("data is not valid JSON"), letter.errorMessage());
            assertEquals(1, letter.attempts());
            assertEquals(List.of(), calls());
        }

        @Test
        void anotherTypeIsSkippedAndAcknowledged() {
            PublishedEvent other = eventbus.publish("wallet", "type", "wallet.topup.failed", "data", "{}");
            other.awaitSkipped();
            other.awaitAcknowledged();
            assertEquals(List.of(), calls());
        }

        @Test
        void awaitingTheWrongOutcomeFailsWithWhatHappened() {
            PublishedEvent bad = eventbus.publish("wallet", "type", "wallet.topup.succeeded", "data", "{oops");
            AssertionError e = assertThrows(AssertionError.class, bad::awaitHandled);
            assertTrue(e.getMessage().contains("dead-lettered (handler-error)"), e.getMessage());
        }
    }

    @Nested
    class WithBackoffSkipped {

        @RegisterExtension
        final EventbusExtension eventbus = EventbusExtension.with(REDIS)
                .plugin(PAYMENTS)
                .service(orders)
                .config("eventbus.handler-defaults.retry.max-attempts", 3)
                .config("eventbus.handler-defaults.retry.backoff.initial", "1h")
                .config("eventbus.handler-defaults.retry.backoff.max", "2h")
                .skipBackoff();

        @Test
        void aRetriableStatusIsRetriedUpToMaxAttemptsThenDeadLetteredWithOneKey() {
            orders.on(OrderServiceGrpc.getMarkPaidMethod()).fail(Status.ABORTED);

            PublishedEvent topup = eventbus.publish("wallet", "type", "wallet.topup.succeeded", "data", TOPUP);
            List<Duration> backoffs = topup.awaitRetried(2);
            DeadLettered letter = topup.awaitDeadLettered();

            assertTrue(
                    backoffs.get(0).compareTo(Duration.ofMinutes(30)) > 0,
                    "the configured hour, jittered: " + backoffs);
            assertEquals("rpc-status", letter.reason());
            assertEquals(3, letter.attempts());
            assertEquals(
                    List.of(1, 2, 3),
                    calls().stream().map(RecordedCall::attempt).toList());
            assertEquals(
                    List.of(topup.idempotencyKey()),
                    calls().stream()
                            .map(RecordedCall::idempotencyKey)
                            .distinct()
                            .toList());
        }
    }

    @Nested
    class WithAManualClock {

        @RegisterExtension
        final EventbusExtension eventbus = EventbusExtension.with(REDIS)
                .plugin(PAYMENTS)
                .service(orders)
                .config("eventbus.handler-defaults.retry.backoff.initial", "10m")
                .config("eventbus.handler-defaults.retry.max-age", "1h");

        @Test
        void aRetryRunsWhenTheClockPassesItsBackoff() {
            orders.on(OrderServiceGrpc.getMarkPaidMethod())
                    .fail(Status.UNAVAILABLE)
                    .reply(MarkPaidReply.getDefaultInstance());

            PublishedEvent topup = eventbus.publish("wallet", "type", "wallet.topup.succeeded", "data", TOPUP);
            Duration backoff = topup.awaitRetried(1).get(0);
            eventbus.clock().advance(backoff);
            topup.awaitHandled();

            assertEquals(
                    List.of(1, 2), calls().stream().map(RecordedCall::attempt).toList());
        }

        @Test
        void anEventOlderThanMaxAgeIsDeadLetteredAtItsNextFailure() {
            orders.on(OrderServiceGrpc.getMarkPaidMethod()).fail(Status.UNAVAILABLE);

            PublishedEvent topup = eventbus.publish("wallet", "type", "wallet.topup.succeeded", "data", TOPUP);
            topup.awaitRetried(1);
            eventbus.clock().advance(Duration.ofHours(2));
            DeadLettered letter = topup.awaitDeadLettered();

            assertEquals("rpc-status", letter.reason());
            assertTrue(
                    letter.fields().get("eventbus-error-message").contains("UNAVAILABLE"),
                    letter.fields().toString());
            assertEquals(2, calls().size());
        }
    }

    @Nested
    class WithClassesOfTheTestClassPath {

        @RegisterExtension
        final EventbusExtension eventbus = EventbusExtension.with(REDIS)
                .plugin(new PluginJarBuilder("greetings").extension(GreetingHandler.class));

        @Test
        void aPluginBuiltFromClassesRuns() {
            eventbus.publish("greetings", "type", "greeting.sent", "data", "Ada")
                    .awaitHandled();
            assertEquals(
                    "handler-error",
                    eventbus.publish("greetings", "type", "greeting.sent")
                            .awaitDeadLettered()
                            .reason());
        }
    }

    @Nested
    class WithAShortTimeout {

        @RegisterExtension
        final EventbusExtension eventbus = EventbusExtension.with(REDIS)
                .plugin(new PluginJarBuilder("greetings").extension(GreetingHandler.class))
                .config("eventbus.handler-defaults.timeout", "200ms")
                .config("eventbus.handler-defaults.retry.max-attempts", 1);

        @Test
        void aHandlerOverItsTimeoutIsDeadLetteredForTimeout() {
            assertEquals(
                    "timeout",
                    eventbus.publish("greetings", "type", "greeting.sent", "data", "slow")
                            .awaitDeadLettered()
                            .reason());
        }
    }

    @Test
    void aJarThatBundlesASharedLibraryFailsTheTestWithTheRuntimesReason() throws Exception {
        EventbusExtension bundling = EventbusExtension.with(REDIS)
                .plugin(new PluginJarBuilder("greetings")
                        .extension(GreetingHandler.class)
                        .resource("io/grpc/Channel.class", new byte[] {(byte) 0xCA, (byte) 0xFE}));
        try {
            AssertionError e = assertThrows(AssertionError.class, () -> bundling.beforeEach(null));
            assertTrue(
                    e.getMessage().contains("bundles a copy of a library the runtime shares (io/grpc/Channel.class)"),
                    e.getMessage());
        } finally {
            bundling.afterEach(null);
        }
    }

    @Test
    void aRefusedPluginFailsTheTestWithTheRuntimesReason() throws Exception {
        EventbusExtension withoutService = EventbusExtension.with(REDIS).plugin(PAYMENTS);
        try {
            AssertionError e = assertThrows(AssertionError.class, () -> withoutService.beforeEach(null));
            assertTrue(e.getMessage().contains("the runtime refused the plugin under test"), e.getMessage());
            assertTrue(
                    e.getMessage().contains("declares gRPC service 'orders.v1.OrderService' but it has no target"),
                    e.getMessage());
        } finally {
            withoutService.afterEach(null);
        }
    }

    @Test
    void anUnknownSettingFailsAsTheRuntimeRefusesIt() throws Exception {
        EventbusExtension typo = EventbusExtension.with(REDIS)
                .plugin(PAYMENTS)
                .service(orders)
                .config("eventbus.plugins.payments.log-call", true);
        try {
            Throwable e = assertThrows(Throwable.class, () -> typo.beforeEach(null));
            assertTrue(
                    e.getMessage()
                            .contains("config has keys the plugin does not define in its reference.conf: "
                                    + "'eventbus.plugins.payments.log-call'"),
                    e.getClass().getName() + ": " + e.getMessage());
        } finally {
            typo.afterEach(null);
        }
    }
}
