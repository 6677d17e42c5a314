package dev.eventbus.runtime.failure;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each handler's {@link RetryPolicy}: a retry is recorded in Redis ({@link RetryStore})
 * while the entry stays pending, so it never blocks the stream and survives a crash; giving up
 * dead-letters the entry with its provenance and acknowledges it in the same atomic step. The
 * attempt the policy judges is Redis's delivery count less the entry's deliveries that failed only
 * because a service was down, which the store counts beside the retry.
 *
 * <p>If even the retry record cannot be written (Redis away), the entry simply stays pending and
 * the reclaimer brings it back after {@code recovery.claim-idle}: nothing is lost either way.
 */
public final class RetryingFailureHandler implements FailureHandler {

    private static final Logger LOG = LoggerFactory.getLogger(RetryingFailureHandler.class);

    private final Function<String, RetryPolicy> policies;
    private final RetryStore store;
    private final DeadLetterSink deadLetters;
    private final DeliveryObserver observer;
    private final Clock clock;

    /** @param policies the retry policy of each handler, by handler name */
    public RetryingFailureHandler(
            Function<String, RetryPolicy> policies,
            RetryStore store,
            DeadLetterSink deadLetters,
            DeliveryObserver observer,
            Clock clock) {
        this.observer = observer;
        this.policies = policies;
        this.store = store;
        this.deadLetters = deadLetters;
        this.clock = clock;
    }

    @Override
    public void onFailure(Subscription sub, StreamEntry entry, Event event, Throwable error, Resolution done) {
        // A first delivery has no record yet: no round trip for it.
        CompletableFuture<RetryRecord> record = event.attempt() > 1
                ? store.record(sub, entry.id())
                : CompletableFuture.completedFuture(RetryRecord.NONE);
        record.whenComplete((r, e) -> {
            if (e != null) {
                LOG.error(
                        "handler {} failed on {} {} and its retry record could not be read ({}); it stays "
                                + "pending and is reclaimed later",
                        sub.handler().name(),
                        entry.stream(),
                        entry.id(),
                        Errors.rootMessage(e));
                done.done(false);
            } else {
                decideGuarded(sub, entry, event, error, r, done);
            }
        });
    }

    /**
     * {@link #decide}, on the record's callback: an exception there (a policy or config lookup
     * that throws) would only complete a future nobody reads, and the entry's slot would stay
     * taken for good. It is logged and the entry left pending instead, for the janitor.
     */
    private void decideGuarded(
            Subscription sub, StreamEntry entry, Event event, Throwable error, RetryRecord record, Resolution done) {
        AtomicBoolean told = new AtomicBoolean();
        Resolution once = resolved -> {
            if (told.compareAndSet(false, true)) {
                done.done(resolved);
            }
        };
        try {
            decide(sub, entry, event, error, record, once);
        } catch (RuntimeException | Error e) {
            LOG.error(
                    "handler {} failed on {} {} and deciding its retry failed ({}); it stays pending and is "
                            + "reclaimed later",
                    sub.handler().name(),
                    entry.stream(),
                    entry.id(),
                    Errors.describe(e),
                    e);
            once.done(false);
        }
    }

    private void decide(
            Subscription sub, StreamEntry entry, Event event, Throwable error, RetryRecord record, Resolution done) {
        Instant now = clock.instant();
        Duration age = Duration.ofMillis(Math.max(0, now.toEpochMilli() - entry.appendedAtMillis()));
        int attempt = record.countedAttempt(event.attempt());
        RetryPolicy.Decision decision =
                policies.apply(sub.handler().name()).decide(attempt, record.serviceDownFailures(), age, error);
        switch (decision) {
            // The dead letter's attempts are the deliveries, as Event.attempt() says them to the handler.
            case RetryPolicy.GiveUp giveUp ->
                deadLetters.deadLetter(
                        sub,
                        DeadLetter.of(sub, entry, giveUp.reason(), event.attempt(), error, giveUp.why())
                                .firstFailedAt(record.firstFailure()),
                        done);
            case RetryPolicy.Retry retry ->
                store.schedule(sub, entry.id(), now.plus(retry.delay()), now, !retry.counted())
                        .whenComplete((v, e) -> {
                            try {
                                scheduled(sub, entry, error, attempt, retry, e);
                            } finally {
                                done.done(false);
                            }
                        });
        }
    }

    /** Says how scheduling the retry went; {@code e} is its failure, or null. */
    private void scheduled(
            Subscription sub, StreamEntry entry, Throwable error, int attempt, RetryPolicy.Retry retry, Throwable e) {
        if (e != null) {
            LOG.error(
                    "handler {} failed on {} {} and its retry could not be recorded ({}); it "
                            + "stays pending and is reclaimed later",
                    sub.handler().name(),
                    entry.stream(),
                    entry.id(),
                    Errors.rootMessage(e));
        } else {
            observer.retryScheduled(sub, entry, retry.delay());
            LOG.warn(
                    "handler {} failed on {} {} ({}), retry in {} ms: {}",
                    sub.handler().name(),
                    entry.stream(),
                    entry.id(),
                    retry.counted()
                            ? "attempt " + attempt
                            : "a service is down: not counted, " + (attempt - 1) + " attempt(s) so far",
                    retry.delay().toMillis(),
                    summary(error));
        }
    }

    private static String summary(Throwable error) {
        String message = error.getMessage();
        return MissingClass.reasonOr(
                error,
                error.getClass().getSimpleName()
                        + (message == null
                                ? ""
                                : ": " + (message.length() > 200 ? message.substring(0, 200) + "..." : message)));
    }
}
