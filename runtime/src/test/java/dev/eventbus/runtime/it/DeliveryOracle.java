package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The oracle of the fault tests: what was produced (XADD answered), what was confirmed (and {@code
 * WAIT} satisfied), what the order service received with which idempotency key, and what was
 * dead-lettered with which reason. Its verdict: every event that had to survive is handled or
 * dead-lettered with a reason, and a duplicate call only repeats the first delivery's key. It prints
 * one row of the README's fault table: a line starting {@code FAULT-TABLE |}.
 *
 * <p>Thread-safe: the producer records while the test asks.
 */
final class DeliveryOracle {

    /** The dead-letter field that says why; a dead letter without it would be a silent loss. */
    private static final String REASON = "eventbus-reason";

    private final String scenario;
    private final OrderServer orders;
    private final Set<String> produced = ConcurrentHashMap.newKeySet();
    private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
    private final Set<String> producedAfterFault = ConcurrentHashMap.newKeySet();
    private final Map<String, String> deadLettered = new ConcurrentHashMap<>();
    private final boolean onlyConfirmedMustSurvive;
    private volatile Instant faultAt;

    /**
     * @param onlyConfirmedMustSurvive true when a node dies: an event only its replica-less primary
     *     held may be lost, so only those confirmed by {@code WAIT} must be handled; false when no
     *     node dies: every produced event must be
     */
    DeliveryOracle(String scenario, OrderServer orders, boolean onlyConfirmedMustSurvive) {
        this.scenario = scenario;
        this.orders = orders;
        this.onlyConfirmedMustSurvive = onlyConfirmedMustSurvive;
    }

    /** The producer's XADD of an event with this subject was answered with an id. */
    void produced(String subject) {
        produced.add(subject);
        if (faultAt != null) {
            producedAfterFault.add(subject);
        }
    }

    /** The event was also acknowledged by as many replicas as the producer asked {@code WAIT} for. */
    void confirmed(String subject) {
        confirmed.add(subject);
    }

    int confirmedCount() {
        return confirmed.size();
    }

    /** Marks the moment of the fault (kill, reshard, CLIENT KILL): the start of the recovery time. */
    void faultNow() {
        faultAt = Instant.now();
    }

    /**
     * Waits until every event that must survive (so far) is handled or dead-lettered.
     *
     * @param deadLetters reads the dead-letter stream (any client's {@code xrange}), asked again
     *     while some are missing; {@code r -> List.of()} when none is expected
     */
    void awaitSurvivorsHandled(
            Duration timeout, Function<Range<String>, List<StreamMessage<String, String>>> deadLetters)
            throws InterruptedException {
        Set<String> survivors = Set.copyOf(survivors());
        Streams.await(survivors.size() + " events handled or dead-lettered (" + scenario + ")", timeout, () -> {
            if (missing(survivors).isEmpty()) {
                return true;
            }
            for (StreamMessage<String, String> m : deadLetters.apply(Range.create("-", "+"))) {
                deadLettered.put(m.getBody().get("subject"), m.getBody().getOrDefault(REASON, ""));
            }
            return missing(survivors).isEmpty();
        });
    }

    /**
     * Asserts the verdict: none of the survivors lost, every dead letter with a reason, and one
     * idempotency key per handled event (a redelivery repeats the first delivery's key).
     */
    void assertVerdict() {
        Set<String> lost = missing(survivors());
        assertTrue(lost.isEmpty(), scenario + ": lost " + lost);
        deadLettered.forEach((subject, reason) ->
                assertTrue(!reason.isEmpty(), scenario + ": dead letter of " + subject + " without a reason"));
        keysBySubject()
                .forEach((subject, keys) ->
                        assertEquals(1, keys.size(), scenario + ": " + subject + " had keys " + keys));
    }

    /**
     * Prints this scenario's fault-table row: produced, confirmed, handled, dead-lettered,
     * duplicates (calls beyond the first per event), recovery time (from the fault to the first call
     * for an event published after it: events already in flight do not count), lost (events that
     * had to survive, neither handled nor dead-lettered).
     */
    void printRow() {
        List<ReceivedCall> calls = orders.calls();
        Map<String, Set<String>> keys = keysBySubject();
        Instant fault = faultAt;
        String recovery = fault == null
                ? "-"
                : calls.stream()
                        .filter(c -> producedAfterFault.contains(c.orderId()))
                        .map(ReceivedCall::receivedAt)
                        .filter(t -> t.isAfter(fault))
                        .min(Instant::compareTo)
                        .map(t -> Duration.between(fault, t).toMillis() + " ms")
                        .orElse("none");
        System.out.printf(
                "FAULT-TABLE | %s | %d | %d | %d | %d | %d | %s | %d |%n",
                scenario,
                produced.size(),
                confirmed.size(),
                handled().size(),
                deadLettered.size(),
                calls.size() - keys.size(),
                recovery,
                missing(survivors()).size());
    }

    private Set<String> survivors() {
        return onlyConfirmedMustSurvive ? confirmed : produced;
    }

    private Set<String> missing(Set<String> survivors) {
        Set<String> handled = handled();
        return survivors.stream()
                .filter(s -> !handled.contains(s) && !deadLettered.containsKey(s))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private Set<String> handled() {
        return orders.calls().stream()
                .filter(ReceivedCall::applied)
                .map(ReceivedCall::orderId)
                .collect(Collectors.toSet());
    }

    private Map<String, Set<String>> keysBySubject() {
        return orders.calls().stream()
                .collect(Collectors.groupingBy(
                        ReceivedCall::orderId, Collectors.mapping(ReceivedCall::idempotencyKey, Collectors.toSet())));
    }
}
