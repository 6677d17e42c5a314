package dev.eventbus.runtime.admin;

import dev.eventbus.admin.v1.SubscriptionState;
import dev.eventbus.runtime.RuntimeView;
import dev.eventbus.runtime.consumer.LayoutDrain;
import dev.eventbus.runtime.consumer.ReaderState;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.rpc.Circuit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * One look at the runtime's readers and circuits, answering each subscription's state as an
 * operator means it. A reader whose handler calls a service with an open circuit is paused: it
 * reads nothing until the circuit lets a probe through, exactly as the read loop's budget decides.
 *
 * <p>Immutable once taken; reads the runtime without waiting for any of its locks.
 */
final class SubscriptionStates {

    /** A state and, when it is not plainly running, why (else empty). */
    record Live(SubscriptionState state, String reason) {}

    private record Key(String handler, String stream) {}

    private final Map<Key, ReaderState> readers = new LinkedHashMap<>();
    private final Map<String, Circuit> circuits = new LinkedHashMap<>();
    private final String runtimePhase;
    private final Function<String, List<String>> streamKeys;
    private final BiPredicate<String, String> waitsForDrain;
    /** Why the runtime refuses a stream key (a name a Redis Cluster cannot keep in one slot), or null. */
    private final Function<String, String> refusals;

    SubscriptionStates(List<ReaderState> readers, List<Circuit> circuits, String runtimePhase) {
        this(readers, circuits, runtimePhase, List::of);
    }

    /** @param streamKeys the Redis keys of a stream a handler consumes (its partitions, or itself) */
    SubscriptionStates(
            List<ReaderState> readers,
            List<Circuit> circuits,
            String runtimePhase,
            Function<String, List<String>> streamKeys) {
        this(readers, circuits, runtimePhase, streamKeys, (handler, stream) -> false);
    }

    /**
     * @param waitsForDrain whether a handler's subscription on a stream key waits for the old
     *     partition layout of its stream to drain (README, "Changing N")
     */
    SubscriptionStates(
            List<ReaderState> readers,
            List<Circuit> circuits,
            String runtimePhase,
            Function<String, List<String>> streamKeys,
            BiPredicate<String, String> waitsForDrain) {
        this(readers, circuits, runtimePhase, streamKeys, waitsForDrain, streamKey -> null);
    }

    /** @param refusals why the runtime refuses a stream key, or null: a refused subscription's row says so */
    SubscriptionStates(
            List<ReaderState> readers,
            List<Circuit> circuits,
            String runtimePhase,
            Function<String, List<String>> streamKeys,
            BiPredicate<String, String> waitsForDrain,
            Function<String, String> refusals) {
        this.refusals = refusals;
        this.waitsForDrain = waitsForDrain;
        readers.forEach(r -> this.readers.put(new Key(r.subscription().group(), r.subscription().stream()), r));
        circuits.forEach(c -> this.circuits.put(c.service(), c));
        this.runtimePhase = runtimePhase;
        this.streamKeys = streamKeys;
    }

    /** @param runtimePhase {@link HealthChecks#runtimePhase()} */
    static SubscriptionStates now(RuntimeView runtime, String runtimePhase) {
        return new SubscriptionStates(
                runtime.readerStates(),
                runtime.circuits(),
                runtimePhase,
                runtime.config()::streamKeys,
                runtime::waitsForDrain,
                runtime::refusalOf);
    }

    /** The Redis keys the handler reads, sorted: a partitioned stream's partitions in place of its name. */
    List<String> streamsOf(LoadedHandler handler) {
        return handler.spec().subscriptions().keySet().stream()
                .flatMap(s -> streamKeys.apply(s).stream())
                .sorted()
                .distinct()
                .toList();
    }

    Collection<ReaderState> readers() {
        return readers.values();
    }

    Collection<Circuit> circuits() {
        return circuits.values();
    }

    Optional<ReaderState> reader(String handler, String stream) {
        return Optional.ofNullable(readers.get(new Key(handler, stream)));
    }

    Live of(LoadedHandler handler, String stream) {
        ReaderState reader = readers.get(new Key(handler.name(), stream));
        if (reader == null) {
            return switch (runtimePhase) {
                case "running" -> {
                    // Asked only once running: the runtime knows its key layout once Redis answered.
                    String refused = refusals.apply(stream);
                    yield refused != null
                            ? new Live(SubscriptionState.STOPPED, "refused, not started: " + refused)
                            : new Live(
                                    SubscriptionState.STOPPED, "no reader: stopped, or its start failed (see the log)");
                }
                case "stopping" -> new Live(SubscriptionState.STOPPED, "the runtime is stopping");
                default -> new Live(SubscriptionState.STARTING, "the runtime is starting");
            };
        }
        return switch (reader.phase()) {
            case STARTING -> new Live(SubscriptionState.STARTING, "reader starting");
            case STOPPED ->
                new Live(
                        SubscriptionState.STOPPED,
                        reader.inFlight() > 0
                                ? "stopped; " + reader.inFlight() + " event(s) still finishing"
                                : "stopped");
            case READING -> {
                if (!reader.failure().isEmpty()) {
                    yield new Live(SubscriptionState.FAILING, reader.failure());
                }
                if (waitsForDrain.test(handler.name(), stream)) {
                    yield new Live(SubscriptionState.PAUSED, LayoutDrain.PAUSED_BECAUSE);
                }
                yield reading(handler);
            }
        };
    }

    private Live reading(LoadedHandler handler) {
        List<String> open = new ArrayList<>();
        List<String> probing = new ArrayList<>();
        for (String service : new TreeSet<>(handler.spec().services())) {
            Circuit c = circuits.get(service);
            if (c != null && c.state() == Circuit.State.OPEN) {
                open.add(service);
            } else if (c != null && c.state() == Circuit.State.HALF_OPEN) {
                probing.add(service);
            }
        }
        if (!open.isEmpty()) {
            return new Live(SubscriptionState.PAUSED, Circuit.pausedBy(open));
        }
        if (!probing.isEmpty()) {
            return new Live(
                    SubscriptionState.RUNNING,
                    "probing " + String.join(", ", probing) + " (circuit half-open): one entry at a time");
        }
        return new Live(SubscriptionState.RUNNING, "");
    }

    /** A handler's subscriptions together: failing if one is, else paused, else stopped, else starting, else running. */
    SubscriptionState combined(LoadedHandler handler) {
        List<SubscriptionState> states = streamsOf(handler).stream()
                .map(stream -> of(handler, stream).state())
                .toList();
        for (SubscriptionState worst : List.of(
                SubscriptionState.FAILING,
                SubscriptionState.PAUSED,
                SubscriptionState.STOPPED,
                SubscriptionState.STARTING)) {
            if (states.contains(worst)) {
                return worst;
            }
        }
        return SubscriptionState.RUNNING;
    }
}
