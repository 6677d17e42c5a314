package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.admin.v1.SubscriptionState;
import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.consumer.ReaderState;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.rpc.Circuit;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The state an operator sees of a subscription, from its reader and the circuits of its handler's services. */
class SubscriptionStatesTest {

    private static final String ORDERS = "orders.v1.OrderService";
    private static final String WALLET = "wallet.v1.WalletService";

    private static LoadedHandler handler(String name, String... services) {
        HandlerSpec spec = HandlerSpec.named(name)
                .consumes("payments", "paid")
                .consumes("refunds", "refunded")
                .calls(services);
        EventHandler h = new EventHandler() {
            @Override
            public HandlerSpec spec() {
                return spec;
            }

            @Override
            public void handle(Event event, HandlerContext context) {}
        };
        return new LoadedHandler(
                h, spec, "p", "1.0.0", SubscriptionStatesTest.class.getClassLoader(), ConfigFactory.empty());
    }

    private static ReaderState reader(LoadedHandler h, String stream, ReaderState.Phase phase, int inFlight) {
        return new ReaderState(new Subscription(h, stream, Set.of("paid")), phase, inFlight, 16);
    }

    private static Circuit circuit(String service, Circuit.State state) {
        return new Circuit(
                service,
                state,
                state == Circuit.State.CLOSED ? 0 : 3,
                state == Circuit.State.OPEN ? Duration.ofSeconds(5) : Duration.ZERO);
    }

    @Test
    void anOpenCircuitPausesOnlyTheHandlersThatCallTheService() {
        LoadedHandler pays = handler("pays", ORDERS, WALLET);
        LoadedHandler logs = handler("logs");
        var states = new SubscriptionStates(
                List.of(
                        reader(pays, "payments", ReaderState.Phase.READING, 0),
                        reader(logs, "payments", ReaderState.Phase.READING, 2)),
                List.of(circuit(ORDERS, Circuit.State.OPEN), circuit(WALLET, Circuit.State.OPEN)),
                "running");
        assertEquals(
                new SubscriptionStates.Live(
                        SubscriptionState.PAUSED,
                        "circuit open for services orders.v1.OrderService, wallet.v1.WalletService"),
                states.of(pays, "payments"));
        assertEquals(new SubscriptionStates.Live(SubscriptionState.RUNNING, ""), states.of(logs, "payments"));
    }

    @Test
    void aHalfOpenCircuitProbesAndRuns() {
        LoadedHandler pays = handler("pays", ORDERS, WALLET);
        var states = new SubscriptionStates(
                List.of(reader(pays, "payments", ReaderState.Phase.READING, 0)),
                List.of(circuit(ORDERS, Circuit.State.HALF_OPEN), circuit(WALLET, Circuit.State.CLOSED)),
                "running");
        assertEquals(
                new SubscriptionStates.Live(
                        SubscriptionState.RUNNING,
                        "probing orders.v1.OrderService (circuit half-open): one entry at a time"),
                states.of(pays, "payments"));
    }

    @Test
    void readersStartingOrStoppedAndSubscriptionsWithoutAReader() {
        LoadedHandler pays = handler("pays", ORDERS);
        var draining = new SubscriptionStates(
                List.of(
                        reader(pays, "payments", ReaderState.Phase.STOPPED, 2),
                        reader(pays, "refunds", ReaderState.Phase.STARTING, 0)),
                List.of(circuit(ORDERS, Circuit.State.OPEN)),
                "running");
        assertEquals(
                new SubscriptionStates.Live(SubscriptionState.STOPPED, "stopped; 2 event(s) still finishing"),
                draining.of(pays, "payments"),
                "a stopped reader is stopped, whatever the circuits say");
        assertEquals(SubscriptionState.STARTING, draining.of(pays, "refunds").state());
        assertEquals(SubscriptionState.STOPPED, draining.combined(pays));

        assertEquals(
                SubscriptionState.STARTING,
                new SubscriptionStates(List.of(), List.of(), "starting")
                        .of(pays, "payments")
                        .state());
        assertEquals(
                SubscriptionState.STOPPED,
                new SubscriptionStates(List.of(), List.of(), "stopping")
                        .of(pays, "payments")
                        .state());
        assertEquals(
                SubscriptionState.STOPPED,
                new SubscriptionStates(List.of(), List.of(), "running")
                        .of(pays, "payments")
                        .state());
    }

    @Test
    void aHandlerIsPausedWhenOneOfItsSubscriptionsIs() {
        LoadedHandler pays = handler("pays", ORDERS);
        var states = new SubscriptionStates(
                List.of(
                        reader(pays, "payments", ReaderState.Phase.READING, 0),
                        reader(pays, "refunds", ReaderState.Phase.STOPPED, 0)),
                List.of(circuit(ORDERS, Circuit.State.OPEN)),
                "running");
        assertEquals(SubscriptionState.PAUSED, states.combined(pays));
        var running = new SubscriptionStates(
                List.of(
                        reader(pays, "payments", ReaderState.Phase.READING, 0),
                        reader(pays, "refunds", ReaderState.Phase.READING, 0)),
                List.of(circuit(ORDERS, Circuit.State.CLOSED)),
                "running");
        assertEquals(SubscriptionState.RUNNING, running.combined(pays));
    }

    @Test
    void aPartitionedStreamShowsAsItsPartitionsAndEachCountsForTheHandlersState() {
        LoadedHandler pays = handler("pays");
        var states = new SubscriptionStates(
                List.of(
                        reader(pays, "{payments:0/2}", ReaderState.Phase.READING, 0),
                        reader(pays, "{payments:1/2}", ReaderState.Phase.STOPPED, 0),
                        reader(pays, "refunds", ReaderState.Phase.READING, 0)),
                List.of(),
                "running",
                stream -> stream.equals("payments") ? List.of("{payments:0/2}", "{payments:1/2}") : List.of(stream));
        assertEquals(List.of("refunds", "{payments:0/2}", "{payments:1/2}"), states.streamsOf(pays));
        assertEquals(SubscriptionState.STOPPED, states.combined(pays), "the stopped partition is the handler's worst");
    }

    @Test
    void aSubscriptionOnTheNewLayoutIsPausedUntilTheOldOneDrained() {
        LoadedHandler pays = handler("pays");
        List<ReaderState> readers = List.of(
                reader(pays, "{payments:0/2}", ReaderState.Phase.READING, 0),
                reader(pays, "{payments:0/4}", ReaderState.Phase.READING, 0));
        var waiting = new SubscriptionStates(
                readers, List.of(), "running", List::of, (h, key) -> h.equals("pays") && key.endsWith("/4}"));
        assertEquals(
                SubscriptionState.PAUSED, waiting.of(pays, "{payments:0/4}").state());
        assertTrue(waiting.of(pays, "{payments:0/4}").reason().contains("old partition layout"));
        assertEquals(
                SubscriptionState.RUNNING, waiting.of(pays, "{payments:0/2}").state());
        var drained = new SubscriptionStates(readers, List.of(), "running", List::of, (h, key) -> false);
        assertEquals(
                SubscriptionState.RUNNING, drained.of(pays, "{payments:0/4}").state());
    }

    /**
     * Found from outside: a subscription the runtime refused (a stream name a Redis Cluster cannot
     * keep in one slot) showed as "no reader: stopped, or its start failed (see the log)".
     */
    @Test
    void aRefusedSubscriptionSaysWhyNotThatItsReaderStopped() {
        LoadedHandler pays = handler("pays");
        SubscriptionStates states = new SubscriptionStates(
                List.of(),
                List.of(),
                "running",
                List::of,
                (handler, stream) -> false,
                stream -> stream.equals("a{}b") ? "stream 'a{}b' holds a brace that is not a hash tag" : null);
        assertEquals(
                new SubscriptionStates.Live(
                        SubscriptionState.STOPPED,
                        "refused, not started: stream 'a{}b' holds a brace that is not a hash tag"),
                states.of(pays, "a{}b"));
        assertEquals(
                new SubscriptionStates.Live(
                        SubscriptionState.STOPPED, "no reader: stopped, or its start failed (see the log)"),
                states.of(pays, "payments"));
        // Before Redis answered the runtime has no key layout to ask: not asked while starting.
        SubscriptionStates starting = new SubscriptionStates(
                List.of(), List.of(), "starting", List::of, (handler, stream) -> false, stream -> {
                    throw new IllegalStateException("no key layout yet");
                });
        assertEquals(
                new SubscriptionStates.Live(SubscriptionState.STARTING, "the runtime is starting"),
                starting.of(pays, "a{}b"));
    }
}
