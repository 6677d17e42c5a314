package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.config.RetrySettings;
import dev.eventbus.runtime.stream.DeadLetterReason;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Permanent failures give up at once; others are retried with exponential backoff and jitter
 * until {@code max-attempts} counted deliveries or {@code max-age} are reached. A failure that
 * only says a service is down is not counted against {@code max-attempts}, but its wait grows with
 * each such failure as any retry's does (up to {@code backoff.max}): with the circuit breaker off, an
 * outage would otherwise bring every waiting event back at its first backoff, each with a log
 * line. The next real failure waits the backoff of its own counted attempt again. Stateless: the
 * numbers come from Redis (its delivery count and the recorded service-down failures), so the
 * policy survives any crash.
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
    public Decision decide(int attempt, int waited, Duration age, Throwable error) {
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
        return new Retry(delay(serviceDown ? attempt + waited : attempt), !serviceDown);
    }

    Duration delay(int attempt) {
        double base = settings.initialBackoff().toMillis() * Math.pow(settings.multiplier(), Math.max(0, attempt - 1));
        double capped = Math.min(base, settings.maxBackoff().toMillis());
        double jittered = capped * (1 + settings.jitter() * (2 * random.getAsDouble() - 1));
        return Duration.ofMillis(Math.max(1, Math.round(jittered)));
    }
}
