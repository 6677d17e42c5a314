package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.config.RetrySettings;
import dev.eventbus.runtime.stream.DeadLetterReason;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Permanent failures give up at once; others are retried with exponential backoff and jitter
 * until {@code max-attempts} counted deliveries or {@code max-age} are reached. A failure that
 * only says a service is down is not counted: it waits the backoff of the attempt it would have
 * been, so an outage neither uses up attempts nor stretches the backoff (the circuit breaker, not
 * the backoff, holds events back while the service stays down). Stateless: the attempt number
 * comes from Redis (its delivery count less the recorded service-down failures), so the policy
 * survives any crash.
 */
public final class ExponentialBackoffRetryPolicy implements RetryPolicy {

    private final RetrySettings settings;
    private final DoubleSupplier random;

    /** @param random uniform in [0, 1); injected so tests can pin the jitter */
    public ExponentialBackoffRetryPolicy(RetrySettings settings, DoubleSupplier random) {
        this.settings = settings;
        this.random = random;
    }

    @Override
    public Decision decide(int attempt, Duration age, Throwable error) {
        DeadLetterReason permanent = FailureClassifier.permanentReason(error);
        if (permanent != null) {
            return new GiveUp(permanent, "permanent failure");
        }
        DeadLetterReason reason = FailureClassifier.reasonWhenExhausted(error);
        // A service that is down is not the event's fault: such failures wait (max-age still holds)
        // instead of burning attempts into the dead letters, while the circuit pauses reading.
        boolean serviceDown = FailureClassifier.isServiceUnavailable(error);
        if (!serviceDown && attempt >= settings.maxAttempts()) {
            return new GiveUp(reason, "failed " + attempt + " time(s), retry.max-attempts = " + settings.maxAttempts());
        }
        if (age.compareTo(settings.maxAge()) > 0) {
            return new GiveUp(reason, "event is " + age + " old, over retry.max-age = " + settings.maxAge());
        }
        return new Retry(delay(attempt), !serviceDown);
    }

    Duration delay(int attempt) {
        double base = settings.initialBackoff().toMillis() * Math.pow(settings.multiplier(), Math.max(0, attempt - 1));
        double capped = Math.min(base, settings.maxBackoff().toMillis());
        double jittered = capped * (1 + settings.jitter() * (2 * random.getAsDouble() - 1));
        return Duration.ofMillis(Math.max(1, Math.round(jittered)));
    }
}
