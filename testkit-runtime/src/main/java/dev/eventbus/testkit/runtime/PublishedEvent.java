package dev.eventbus.testkit.runtime;

import dev.eventbus.redis.RespClient;
import dev.eventbus.runtime.stream.WireFields;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One entry a test appended to a stream, and what the runtime did with it for one handler. Each
 * {@code await...} method waits until the runtime reports that outcome and fails the test (with
 * what happened instead) when the entry settles otherwise or the wait runs out.
 *
 * <pre>{@code
 * PublishedEvent topup = eventbus.publish("wallet", "type", "wallet.topup.succeeded", "data", json);
 * topup.awaitHandled();
 * topup.awaitAcknowledged();
 * }</pre>
 *
 * <p>Immutable; the history it reads is the runtime's, live.
 */
public final class PublishedEvent {

    private static final Duration POLL = Duration.ofMillis(10);

    private final EventbusExtension eventbus;
    private final String stream;
    private final String entryId;
    private final String type;
    private final String handler;

    PublishedEvent(EventbusExtension eventbus, String stream, String entryId, String type, String handler) {
        this.eventbus = eventbus;
        this.stream = stream;
        this.entryId = entryId;
        this.type = type;
        this.handler = handler;
    }

    /** @return the stream the entry was appended to */
    public String stream() {
        return stream;
    }

    /** @return the stream entry id Redis gave it */
    public String entryId() {
        return entryId;
    }

    /**
     * The same entry, seen by one handler: needed when several handlers read its stream.
     *
     * @param handler the handler's name
     * @return a view of the entry for that handler
     */
    public PublishedEvent by(String handler) {
        return new PublishedEvent(eventbus, stream, entryId, type, Objects.requireNonNull(handler, "handler"));
    }

    /**
     * @return the idempotency key the runtime sends with every call for this entry and handler:
     *     {@code <handler>/<stream>/<entry-id>}
     */
    public String idempotencyKey() {
        return handler() + "/" + stream + "/" + entryId;
    }

    /** Waits until the handler returned normally for this entry. */
    public void awaitHandled() {
        await("handled", h -> h.handled > 0, h -> h.deadLettered != null || h.skipped);
    }

    /** Waits until the runtime acknowledged the entry without calling the handler (a type it does not consume). */
    public void awaitSkipped() {
        await("skipped", h -> h.skipped, h -> h.handled > 0 || h.deadLettered != null);
    }

    /**
     * Waits until the handler failed on this entry and its retry was recorded, {@code times} times.
     *
     * @param times how many retries, from 1
     * @return the backoff of each retry, in order
     */
    public List<Duration> awaitRetried(int times) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, was " + times);
        }
        DeliveryLog.History h = await(
                "retried " + times + " time(s)",
                x -> x.retries.size() >= times,
                x -> x.settled() && x.retries.size() < times);
        return List.copyOf(h.retries).subList(0, times);
    }

    /**
     * Waits until the entry is in the handler's dead-letter stream (written and acknowledged).
     *
     * @return the dead-letter entry, with its reason and provenance
     */
    public DeadLettered awaitDeadLettered() {
        DeliveryLog.History h = await("dead-lettered", x -> x.deadLettered != null, x -> x.handled > 0 || x.skipped);
        return new DeadLettered(handler(), h.deadLettered.wireName(), deadLetterFields());
    }

    /**
     * Waits until the entry settled (handled, skipped or dead-lettered) and its acknowledgement
     * reached Redis: nothing of it is pending in the handler's consumer group any more.
     */
    public void awaitAcknowledged() {
        DeliveryLog.History h = await("settled", DeliveryLog.History::settled, x -> false);
        try (RespClient redis = RespClient.connect(eventbus.redisUri())) {
            await("acknowledged", x -> !pending(redis, h.group), x -> false);
        }
    }

    /** @return the exceptions the handler threw for this entry so far, oldest first */
    public List<Throwable> failures() {
        return List.copyOf(history().failures);
    }

    @Override
    public String toString() {
        return "entry " + entryId + " of stream " + stream + (type == null ? "" : " (type " + type + ")");
    }

    private DeliveryLog.History history() {
        return eventbus.log().of(handler(), stream, entryId);
    }

    private String handler() {
        return handler != null ? handler : eventbus.onlyHandlerOf(stream, type);
    }

    private DeliveryLog.History await(
            String what,
            java.util.function.Predicate<DeliveryLog.History> done,
            java.util.function.Predicate<DeliveryLog.History> otherwise) {
        DeliveryLog.History h = history();
        long deadline = System.nanoTime() + eventbus.awaitTimeout().toNanos();
        while (true) {
            if (done.test(h)) {
                return h;
            }
            if (otherwise.test(h)) {
                throw new AssertionError(this + " was not " + what + " by handler '" + handler() + "': " + describe(h));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(this + " was not " + what + " by handler '" + handler() + "' within "
                        + eventbus.awaitTimeout() + ": " + describe(h));
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + this + " to be " + what, e);
            }
        }
    }

    private static String describe(DeliveryLog.History h) {
        List<String> seen = new ArrayList<>();
        if (h.handled > 0) {
            seen.add("handled " + h.handled + " time(s)");
        }
        if (h.skipped) {
            seen.add("skipped (not a type the handler consumes)");
        }
        if (!h.failures.isEmpty()) {
            seen.add("failed " + h.failures.size() + " time(s), last with " + h.failures.get(h.failures.size() - 1));
        }
        if (!h.retries.isEmpty()) {
            seen.add("retries scheduled after " + h.retries);
        }
        if (h.deadLettered != null) {
            seen.add("dead-lettered (" + h.deadLettered.wireName() + ")");
        }
        return seen.isEmpty() ? "the runtime reported nothing for it" : String.join("; ", seen);
    }

    private boolean pending(RespClient redis, String group) {
        Object reply = redis.call("XPENDING", stream, group, entryId, entryId, "1");
        return reply instanceof List<?> list && !list.isEmpty();
    }

    private Map<String, String> deadLetterFields() {
        Supplier<AssertionError> missing =
                () -> new AssertionError("the runtime reported " + this + " dead-lettered but its dead-letter stream "
                        + eventbus.deadLetterStream(handler()) + " does not hold it");
        try (RespClient redis = RespClient.connect(eventbus.redisUri())) {
            Object reply = redis.call("XRANGE", eventbus.deadLetterStream(handler()), "-", "+");
            if (!(reply instanceof List<?> entries)) {
                throw missing.get();
            }
            for (Object e : entries) {
                if (e instanceof List<?> entry && entry.size() == 2 && entry.get(1) instanceof List<?> flat) {
                    Map<String, String> fields = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < flat.size(); i += 2) {
                        fields.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
                    }
                    if (entryId.equals(fields.get(WireFields.SOURCE_ID))
                            && stream.equals(fields.get(WireFields.SOURCE_STREAM))) {
                        return fields;
                    }
                }
            }
            throw missing.get();
        }
    }
}
