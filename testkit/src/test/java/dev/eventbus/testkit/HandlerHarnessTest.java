package dev.eventbus.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.api.NonRetriableEventException;
import dev.eventbus.api.RetriableEventException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HandlerHarnessTest {

    private static final HandlerSpec SPEC =
            HandlerSpec.named("h").consumes("test", "t").calls(EchoService.NAME);
    private static final Event EVENT = TestEvents.event("t").build();

    @RegisterExtension
    final InProcessGrpc grpc = InProcessGrpc.start(EchoService.service());

    @Test
    void normalReturnIsSuccessAndTheContextIsWired() {
        AtomicReference<HandlerContext> seen = new AtomicReference<>();
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> seen.set(context)))
                .pluginId("payments")
                .config(ConfigFactory.parseString("retries = 3"));
        Outcome outcome = harness.deliver(EVENT);
        assertEquals(Outcome.Kind.SUCCESS, outcome.kind());
        assertNull(outcome.error());
        assertEquals("payments", seen.get().pluginId());
        assertEquals(3, seen.get().config().getInt("retries"));
    }

    @Test
    void thePluginsReferenceConfGivesTheDefaultsAndItsId() {
        AtomicReference<HandlerContext> seen = new AtomicReference<>();
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> seen.set(context)));
        harness.deliver(EVENT);
        assertEquals("payments", seen.get().pluginId(), "the one plugin its reference.conf configures");
        assertEquals(1, seen.get().config().getInt("retries"));
        assertEquals("hello", seen.get().config().getString("greeting"));
    }

    @Test
    void aKeyTheReferenceConfDoesNotDefineIsRefusedAsTheRuntimeRefusesIt() {
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> {}));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> harness.config(ConfigFactory.parseString("retires = 3")));
        assertTrue(
                e.getMessage()
                        .contains("config has keys the plugin does not define in its reference.conf: "
                                + "'eventbus.plugins.payments.retires'"),
                e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> HandlerHarness.of(handler((event, context) -> {}))
                        .config(ConfigFactory.parseString("retries = 3"))
                        .pluginId("other"));
    }

    @Test
    void callsCarryTheRuntimesMetadata() {
        RecordingGrpcService echo = RecordingGrpcService.of(EchoService.DESCRIPTOR);
        echo.on(EchoService.SAY).reply(request -> "echo " + request);
        try (InProcessGrpc server = InProcessGrpc.start(echo)) {
            HandlerHarness harness = HandlerHarness.of(handler((event, context) ->
                            EchoService.say(context.channel(EchoService.NAME), event.dataAsString())))
                    .channel(EchoService.NAME, server.channel());
            Event event = TestEvents.event("t")
                    .entryId("1700000000000-3")
                    .id("evt-9")
                    .attempt(2)
                    .traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                    .data("hi")
                    .build();

            assertEquals(Outcome.Kind.SUCCESS, harness.deliver(event).kind());

            RecordedCall<String> call = echo.calls(EchoService.SAY).get(0);
            assertEquals("h/test/1700000000000-3", call.idempotencyKey());
            assertEquals(harness.idempotencyKey(event), call.idempotencyKey());
            assertEquals("evt-9", call.eventId());
            assertEquals(2, call.attempt());
            assertEquals("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", call.traceparent());
            assertTrue(call.hadDeadline());
            assertEquals("hi", call.request());
        }
    }

    @Test
    void aTypeTheHandlerDoesNotConsumeIsSkippedWithoutACall() {
        AtomicInteger calls = new AtomicInteger();
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> calls.incrementAndGet()));
        assertEquals(
                Outcome.Kind.SKIPPED,
                harness.deliver(TestEvents.event("other").build()).kind());
        assertEquals(0, calls.get());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> harness.deliver(TestEvents.event("t").stream("elsewhere").build()));
        assertTrue(e.getMessage().contains("does not read stream 'elsewhere'"), e.getMessage());
        assertEquals(0, calls.get());
    }

    @Test
    void nonRetriableIsDeadLettered() {
        NonRetriableEventException thrown = new NonRetriableEventException("order unknown");
        Outcome outcome = deliverThrowing(thrown);
        assertEquals(Outcome.Kind.DEAD_LETTER, outcome.kind());
        assertSame(thrown, outcome.error());
        assertEquals("handler-error", outcome.reason());
    }

    @Test
    void retriableAndUntypedFailuresAreRetried() {
        assertEquals(
                Outcome.Kind.RETRY,
                deliverThrowing(new RetriableEventException("locked")).kind());
        assertEquals(
                Outcome.Kind.RETRY,
                deliverThrowing(new IllegalStateException("bug")).kind());
        assertEquals(
                Outcome.Kind.RETRY, deliverThrowing(new IOException("disk")).kind());
        assertEquals(
                Outcome.Kind.RETRY,
                deliverThrowing(new InterruptedException("timeout")).kind());
    }

    @ParameterizedTest
    @EnumSource(
            value = Status.Code.class,
            names = {
                "INVALID_ARGUMENT",
                "NOT_FOUND",
                "FAILED_PRECONDITION",
                "PERMISSION_DENIED",
                "UNIMPLEMENTED",
                "OUT_OF_RANGE"
            })
    void permanentGrpcCodesAreDeadLettered(Status.Code code) {
        assertEquals(
                Outcome.Kind.DEAD_LETTER,
                deliverThrowing(Status.fromCode(code).asRuntimeException()).kind());
        assertEquals(
                Outcome.Kind.DEAD_LETTER,
                deliverThrowing(Status.fromCode(code).asException()).kind());
        assertEquals(
                Outcome.Kind.DEAD_LETTER,
                deliverThrowing(new RuntimeException(
                                "wrapped", Status.fromCode(code).asRuntimeException()))
                        .kind());
    }

    @ParameterizedTest
    @EnumSource(
            value = Status.Code.class,
            names = {
                "UNAVAILABLE",
                "DEADLINE_EXCEEDED",
                "RESOURCE_EXHAUSTED",
                "ABORTED",
                "INTERNAL",
                "UNKNOWN",
                "CANCELLED"
            })
    void otherGrpcCodesAreRetried(Status.Code code) {
        assertEquals(
                Outcome.Kind.RETRY,
                deliverThrowing(Status.fromCode(code).asRuntimeException()).kind());
    }

    @Test
    void theNearestTypedSignalInTheCauseChainDecides() {
        StatusRuntimeException notFound = Status.NOT_FOUND.asRuntimeException();
        assertEquals(
                Outcome.Kind.RETRY,
                deliverThrowing(new RetriableEventException("try later", notFound))
                        .kind());
        StatusException unavailable = Status.UNAVAILABLE.asException();
        assertEquals(
                Outcome.Kind.DEAD_LETTER,
                deliverThrowing(new RuntimeException(new NonRetriableEventException("bad", unavailable)))
                        .kind());
    }

    @Test
    void realGrpcFailuresAreClassified() {
        HandlerHarness harness = HandlerHarness.of(handler(
                        (event, context) -> EchoService.say(context.channel(EchoService.NAME), event.dataAsString())))
                .channel(EchoService.NAME, grpc.channel());
        assertEquals(
                Outcome.Kind.SUCCESS,
                harness.deliver(TestEvents.event("t").data("hello").build()).kind());
        Outcome notFound =
                harness.deliver(TestEvents.event("t").data("fail:NOT_FOUND").build());
        assertEquals(Outcome.Kind.DEAD_LETTER, notFound.kind());
        assertInstanceOf(StatusRuntimeException.class, notFound.error());
        assertEquals(
                Outcome.Kind.RETRY,
                harness.deliver(TestEvents.event("t").data("fail:UNAVAILABLE").build())
                        .kind());
    }

    @Test
    void callingAnUndeclaredServiceFailsTheTestEvenIfSwallowed() {
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> {
            try {
                context.channel("billing.v1.Billing");
            } catch (IllegalArgumentException swallowed) {
                throw new RetriableEventException("looks transient", swallowed);
            }
        }));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> harness.deliver(EVENT));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertTrue(e.getMessage().contains("did not declare service 'billing.v1.Billing'"), e.getMessage());
    }

    @Test
    void callingADeclaredServiceWithoutAChannelFails() {
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> context.channel(EchoService.NAME)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> harness.deliver(EVENT));
        assertTrue(e.getMessage().contains("gave no channel"), e.getMessage());
    }

    @Test
    void lendingAnUndeclaredServiceIsRefused() {
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> {}));
        assertThrows(IllegalArgumentException.class, () -> harness.channel("other.v1.Other", grpc.channel()));
    }

    @Test
    void specIsReadOnceAndChecked() {
        AtomicInteger specCalls = new AtomicInteger();
        EventHandler counting = new EventHandler() {
            @Override
            public HandlerSpec spec() {
                specCalls.incrementAndGet();
                return SPEC;
            }

            @Override
            public void handle(Event event, HandlerContext context) {}
        };
        HandlerHarness harness = HandlerHarness.of(counting);
        harness.deliver(EVENT);
        harness.deliver(EVENT);
        assertEquals(1, specCalls.get());
        assertSame(SPEC, harness.spec());

        EventHandler noSpec = new EventHandler() {
            @Override
            public HandlerSpec spec() {
                return null;
            }

            @Override
            public void handle(Event event, HandlerContext context) {}
        };
        assertThrows(IllegalStateException.class, () -> HandlerHarness.of(noSpec));
    }

    @Test
    void errorsPropagate() {
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> {
            throw new AssertionError("expected 42");
        }));
        assertThrows(AssertionError.class, () -> harness.deliver(EVENT));
    }

    /**
     * Found from outside: deliver had no timeout, so a handler sleeping 600 s hung {@code mvn test}
     * for ever. It is interrupted past its timeout and retried as a timeout, as the runtime does.
     */
    @Test
    void aHandlerPastItsTimeoutIsInterruptedAndRetriedAsATimeout() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> {
                    ranOn.set(Thread.currentThread());
                    Thread.sleep(600_000);
                }))
                .timeout(Duration.ofMillis(200));
        long started = System.nanoTime();
        Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> harness.deliver(EVENT));
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofMillis(200)) >= 0);
        assertEquals(Outcome.Kind.RETRY, outcome.kind(), outcome::toString);
        HandlerTimeoutException timeout = assertInstanceOf(HandlerTimeoutException.class, outcome.error());
        assertEquals("handler ran longer than its timeout of PT0.2S", timeout.getMessage());
        assertEquals(Duration.ofMillis(200), timeout.timeout());
        assertFalse(timeout.abandoned());
        assertInstanceOf(InterruptedException.class, timeout.getCause(), "what the handler threw on the interrupt");
        assertTrue(ranOn.get().isVirtual(), "on a worker of its own, as the runtime's");
        assertNull(outcome.reason(), "not dead-lettered");
    }

    @Test
    void aTimeoutOnTheLastAttemptIsDeadLetteredAsTimeout() {
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> Thread.sleep(600_000)))
                .timeout(Duration.ofMillis(200))
                .maxAttempts(3);
        Outcome outcome = assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> harness.deliver(TestEvents.event("t").attempt(3).build()));
        assertEquals(Outcome.Kind.DEAD_LETTER, outcome.kind(), outcome::toString);
        assertEquals("timeout", outcome.reason());
        assertInstanceOf(HandlerTimeoutException.class, outcome.error());
    }

    @Test
    void aHandlerIgnoringTheInterruptIsAbandonedAfterAbandonAfter() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> {
                    while (release.getCount() > 0) {
                        try {
                            release.await();
                        } catch (InterruptedException ignored) {
                            interrupts.incrementAndGet();
                        }
                    }
                }))
                .timeout(Duration.ofMillis(200))
                .abandonAfter(Duration.ofMillis(300));
        try {
            Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> harness.deliver(EVENT));
            assertEquals(Outcome.Kind.RETRY, outcome.kind(), outcome::toString);
            HandlerTimeoutException timeout = assertInstanceOf(HandlerTimeoutException.class, outcome.error());
            assertTrue(timeout.abandoned());
            assertEquals(
                    "handler ran longer than its timeout of PT0.2S and ignored the interrupt; its worker was abandoned",
                    timeout.getMessage());
            assertEquals(1, interrupts.get());
        } finally {
            release.countDown();
        }
    }

    @Test
    void aHandlerReturningAfterTheInterruptSucceedsAsInTheRuntime() {
        HandlerHarness harness = HandlerHarness.of(handler((event, context) -> {
                    try {
                        Thread.sleep(600_000);
                    } catch (InterruptedException swallowed) {
                        // returns normally: the runtime acknowledges the event
                    }
                }))
                .timeout(Duration.ofMillis(100));
        assertEquals(
                Outcome.Kind.SUCCESS,
                assertTimeoutPreemptively(Duration.ofSeconds(10), () -> harness.deliver(EVENT))
                        .kind());
    }

    @Test
    void theLastAttemptDeadLettersARetriableFailureUnlessAServiceWasDown() {
        Event last = TestEvents.event("t")
                .attempt(HandlerHarness.DEFAULT_MAX_ATTEMPTS)
                .build();
        Event before = TestEvents.event("t")
                .attempt(HandlerHarness.DEFAULT_MAX_ATTEMPTS - 1)
                .build();
        HandlerHarness failing = HandlerHarness.of(handler((event, context) -> {
            throw new IOException("boom");
        }));
        assertEquals(Outcome.Kind.RETRY, failing.deliver(before).kind());
        Outcome dead = failing.deliver(last);
        assertEquals(Outcome.Kind.DEAD_LETTER, dead.kind());
        assertEquals("handler-error", dead.reason());
        HandlerHarness aborted = HandlerHarness.of(handler((event, context) -> {
            throw Status.ABORTED.asRuntimeException();
        }));
        assertEquals("rpc-status", aborted.deliver(last).reason());
        HandlerHarness down = HandlerHarness.of(handler((event, context) -> {
            throw new RetriableEventException("down", Status.UNAVAILABLE.asRuntimeException());
        }));
        assertEquals(Outcome.Kind.RETRY, down.deliver(last).kind(), "UNAVAILABLE is not counted");
    }

    private static Outcome deliverThrowing(Exception e) {
        return HandlerHarness.of(handler((event, context) -> {
                    throw e;
                }))
                .deliver(EVENT);
    }

    /** A handler whose start hook reads {@code retries} (its reference.conf's default: 1), counting its runs. */
    private static EventHandler startingHandler(AtomicInteger starts, AtomicReference<Long> limit) {
        return new EventHandler() {
            @Override
            public HandlerSpec spec() {
                return SPEC;
            }

            @Override
            public void start(com.typesafe.config.Config config) {
                starts.incrementAndGet();
                limit.set(config.getLong("retries"));
            }

            @Override
            public void handle(Event event, HandlerContext context) {}
        };
    }

    @Test
    void theStartHookRunsOnceWithThePluginConfigBeforeTheFirstEvent() {
        AtomicInteger starts = new AtomicInteger();
        AtomicReference<Long> limit = new AtomicReference<>();
        HandlerHarness harness = HandlerHarness.of(startingHandler(starts, limit));
        assertEquals(0, starts.get());
        harness.deliver(EVENT);
        harness.deliver(EVENT);
        assertEquals(1, starts.get());
        assertEquals(1L, limit.get());
        harness.config(ConfigFactory.parseString("retries = 9")).deliver(EVENT);
        assertEquals(2, starts.get(), "a changed config starts the handler again, as a reload does");
        assertEquals(9L, limit.get());
    }

    @Test
    void aFailingStartHookIsTheRuntimesRefusalAndNoEventIsDelivered() {
        AtomicInteger handled = new AtomicInteger();
        EventHandler handler = new EventHandler() {
            @Override
            public HandlerSpec spec() {
                return SPEC;
            }

            @Override
            public void start(com.typesafe.config.Config config) {
                config.getLong("limit");
            }

            @Override
            public void handle(Event event, HandlerContext context) {
                handled.incrementAndGet();
            }
        };
        HandlerHarness harness = HandlerHarness.of(handler).pluginId("limits");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> harness.deliver(EVENT));
        assertEquals(
                "handler 'h': start(config) failed: Missing: empty config: No configuration setting found for key 'limit'",
                e.getMessage());
        assertThrows(IllegalStateException.class, harness::start);
        assertEquals(0, handled.get());
    }

    private static EventHandler handler(Body body) {
        return new EventHandler() {
            @Override
            public HandlerSpec spec() {
                return SPEC;
            }

            @Override
            public void handle(Event event, HandlerContext context) throws Exception {
                body.run(event, context);
            }
        };
    }

    @FunctionalInterface
    private interface Body {
        void run(Event event, HandlerContext context) throws Exception;
    }
}
