package dev.eventbus.runtime.dispatch;

import static dev.eventbus.runtime.dispatch.DispatchFixtures.STREAM;
import static dev.eventbus.runtime.dispatch.DispatchFixtures.entry;
import static dev.eventbus.runtime.dispatch.DispatchFixtures.limits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.eventbus.api.Event;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Each step around a handler call, alone: what it sets for the call and what it leaves behind. */
class CallStepsTest {

    private final ClassLoader pluginLoader = new URLClassLoader(new URL[0], null);
    private final LoadedHandler handler = DispatchFixtures.handler("pays", pluginLoader, e -> {});
    private final Subscription sub = new Subscription(handler, STREAM, Set.of("paid"));
    private final StreamEntry entry = entry("7-0", 1, "type", "paid", "id", "evt-7");
    private final Delivery delivery = new Delivery(new HeldEntries(Runnable::run, 1), entry.id());

    private Invocation invocation() throws Exception {
        return invocation(entry);
    }

    private Invocation invocation(StreamEntry entry) throws Exception {
        Event event = new EventCodec(1 << 20).decode(entry, 1);
        return new Invocation(sub, entry, event, limits(Duration.ofSeconds(1), Duration.ofSeconds(1)), delivery);
    }

    private static HandlerCall failing(List<Object> seen, java.util.function.Supplier<Object> look) {
        return inv -> {
            seen.add(look.get());
            throw new IllegalStateException("boom");
        };
    }

    @Test
    void theCallRunsInThePluginsClassLoaderAndTheWorkersIsRestoredEvenOnAFailure() throws Exception {
        ClassLoader own = Thread.currentThread().getContextClassLoader();
        List<Object> seen = new ArrayList<>();
        HandlerCall call = new ContextClassLoaderStep()
                .around(failing(seen, () -> Thread.currentThread().getContextClassLoader()));
        assertThrows(IllegalStateException.class, () -> call.call(invocation()));
        assertSame(pluginLoader, seen.get(0));
        assertSame(own, Thread.currentThread().getContextClassLoader());
    }

    @Test
    void theLoggingContextNamesTheDeliveryForTheCallAndKeepsOnlyTheSubscriptionAfter() throws Exception {
        MDC.clear();
        List<Object> seen = new ArrayList<>();
        HandlerCall call = new LoggingContextStep().around(failing(seen, MDC::getCopyOfContextMap));
        assertThrows(IllegalStateException.class, () -> call.call(invocation()));
        assertEquals(
                Map.of(
                        "handler",
                        "pays",
                        "plugin",
                        "payments-plugin",
                        "stream",
                        STREAM,
                        "entry",
                        "7-0",
                        "event",
                        "evt-7"),
                seen.get(0));
        // The worker runs only this subscription's events: what names it stays, the delivery goes.
        assertEquals(
                Map.of("handler", "pays", "plugin", "payments-plugin", "stream", STREAM), MDC.getCopyOfContextMap());
        assertThrows(IllegalStateException.class, () -> call.call(invocation()));
        assertEquals("7-0", ((Map<?, ?>) seen.get(1)).get("entry"), "the next call is named again");
        MDC.clear();
    }

    @Test
    void keysTheHandlerAddedAreClearedAfterTheCall() throws Throwable {
        MDC.clear();
        HandlerCall call = new LoggingContextStep().around(inv -> MDC.put("order", "o-1"));
        call.call(invocation());
        assertEquals(
                null,
                MDC.getCopyOfContextMap() == null ? null : MDC.get("order"),
                "a handler's key must not reach the next event");
        assertEquals(null, MDC.get("handler"), "cleared whole once the handler added keys");
        MDC.clear();
    }

    @Test
    void aKeyTheHandlerReplacedInPlaceOfOneOfOursIsClearedToo() throws Throwable {
        MDC.clear();
        HandlerCall call = new LoggingContextStep().around(inv -> {
            MDC.remove("plugin");
            MDC.put("tenant", "t-1");
        });
        call.call(invocation());
        assertEquals(null, MDC.get("tenant"));
        MDC.clear();
    }

    @Test
    void logbacksLiveMapIsReadNotCopiedPerEvent() {
        // Falling back to getKeys() copies the context map per event; an upgrade that hides the
        // live map must fail here, not show up as a slower drain.
        assertTrue(new LoggingContextStep().readsTheLiveMap());
    }

    @Test
    void logbacksLiveMapIsWrittenNotPutThroughMdcPerEvent() {
        // Through MDC.put/remove each event costs six more thread-local calls; an upgrade that
        // hides Logback's maps must fail here, not show up as a slower drain.
        assertTrue(new LoggingContextStep().writesTheLiveMap());
        assertFalse(new LoggingContextStep(new org.slf4j.helpers.BasicMDCAdapter()).writesTheLiveMap());
    }

    @Test
    void eachLineLoggedCarriesItsOwnEventAndALineAfterTheCallNone() throws Throwable {
        // Logback logs from a copy of the context it keeps until the context changes: the ids
        // written straight into the live map must not leave a line with the previous event's.
        MDC.clear();
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger logger = context.getLogger("call-steps-test");
        List<Map<String, String>> contexts = new ArrayList<>();
        AppenderBase<ILoggingEvent> lines = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent line) {
                contexts.add(line.getMDCPropertyMap()); // as an encoder reads it: while the line is logged
            }
        };
        lines.setContext(context);
        lines.start();
        logger.addAppender(lines);
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        try {
            HandlerCall call = new LoggingContextStep().around(inv -> logger.info("handling"));
            logger.info("before");
            call.call(invocation(entry("1-0", 1, "type", "paid", "id", "evt-1")));
            logger.info("between"); // the worker logs between two events: Logback copies the context
            call.call(invocation(entry("2-0", 1, "type", "paid", "id", "evt-2")));
            logger.info("after");
            Map<String, String> subscription = Map.of("handler", "pays", "plugin", "payments-plugin", "stream", STREAM);
            assertEquals(Map.of(), contexts.get(0));
            assertEquals("1-0", contexts.get(1).get("entry"));
            assertEquals("evt-1", contexts.get(1).get("event"));
            assertEquals("pays", contexts.get(1).get("handler"));
            assertEquals(subscription, contexts.get(2));
            assertEquals("2-0", contexts.get(3).get("entry"), "not the copy made between the events");
            assertEquals("evt-2", contexts.get(3).get("event"));
            assertEquals(subscription, contexts.get(4));
        } finally {
            logger.detachAppender(lines);
            logger.setLevel(null);
            logger.setAdditive(true);
            MDC.clear();
        }
    }

    @Test
    void aSubscriptionKeyTheHandlerOverwroteIsNamedRightAgainAtTheNextCall() throws Throwable {
        MDC.clear();
        List<Object> seen = new ArrayList<>();
        boolean[] first = {true};
        HandlerCall call = new LoggingContextStep().around(inv -> {
            seen.add(MDC.get("handler"));
            if (first[0]) {
                first[0] = false;
                MDC.put("handler", "someone-else");
            }
        });
        call.call(invocation());
        call.call(invocation());
        assertEquals(List.of("pays", "pays"), seen);
        MDC.clear();
    }

    @Test
    void withAnotherMdcAdapterTheContextIsClearedAfterEveryCall() throws Throwable {
        MDC.clear();
        LoggingContextStep step = new LoggingContextStep(new org.slf4j.helpers.BasicMDCAdapter());
        assertFalse(step.readsTheLiveMap());
        List<Object> seen = new ArrayList<>();
        HandlerCall call = step.around(inv -> seen.add(MDC.get("entry")));
        call.call(invocation());
        assertEquals(List.of("7-0"), seen);
        assertEquals(null, MDC.get("handler"), "nothing to read the keys with: cleared whole");
        MDC.clear();
    }

    @Test
    void anInterruptDuringTheCallIsClearedAfterIt() throws Exception {
        HandlerCall call = new InterruptClearingStep().around(inv -> {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("boom");
        });
        assertThrows(IllegalStateException.class, () -> call.call(invocation()));
        assertFalse(Thread.currentThread().isInterrupted());
    }

    @Test
    void theWatchdogSeesTheCallFromItsStartToItsEnd() throws Exception {
        AtomicLong nanos = new AtomicLong(1_000);
        List<Object> seen = new ArrayList<>();
        HandlerCall call = new WatchdogTimingStep(nanos::get).around(inv -> {
            seen.add(delivery.inHandler());
            seen.add(delivery.subscription());
            nanos.addAndGet(250);
            throw new IllegalStateException("boom");
        });
        delivery.assigned(Thread.currentThread());
        assertThrows(IllegalStateException.class, () -> call.call(invocation()));
        assertEquals(List.of(true, sub), seen);
        assertFalse(delivery.inHandler(), "finished, even though it threw");
        assertEquals(250, delivery.elapsedNanos());
    }

    @Test
    void stepsComposeFirstOutermost() throws Throwable {
        List<String> order = new ArrayList<>();
        HandlerCall.Step a = next -> inv -> {
            order.add("a in");
            next.call(inv);
            order.add("a out");
        };
        HandlerCall.Step b = next -> inv -> {
            order.add("b in");
            next.call(inv);
            order.add("b out");
        };
        HandlerCall.through(List.of(a, b), inv -> order.add("call")).call(invocation());
        assertEquals(List.of("a in", "b in", "call", "b out", "a out"), order);
    }
}
