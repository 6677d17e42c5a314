package dev.eventbus.runtime.failure;

import java.time.Instant;

/**
 * What the {@link RetryStore} holds of one failed entry besides its due time.
 *
 * @param firstFailure when it first failed, or {@code null} if it never did (or the record is gone)
 * @param serviceDownFailures its deliveries that failed only because a service was down: they are
 *     not counted against {@code retry.max-attempts}
 */
public record RetryRecord(Instant firstFailure, int serviceDownFailures) {

    /** An entry that never failed. */
    public static final RetryRecord NONE = new RetryRecord(null, 0);

    /**
     * The number of the delivery that just failed, from 1, among those that count as attempts:
     * {@code deliveries} (Redis's count, this one included) less the ones a service being down
     * failed before it.
     */
    public int countedAttempt(int deliveries) {
        return Math.max(1, deliveries - serviceDownFailures);
    }
}
