package dev.eventbus.runtime.config;

import java.time.Duration;

/**
 * How every subscription reads, acknowledges and dead-letters.
 *
 * @param readAhead entries a subscription may hold beyond its handler's max-in-flight, read and
 *     waiting for a worker
 * @param ackLimit acknowledgements queued or not yet confirmed by Redis, at most; workers wait
 *     beyond it
 */
public record ConsumerSettings(
        Duration block,
        int maxEventBytes,
        String newGroupStart,
        int readAhead,
        int ackBatchSize,
        Duration ackInterval,
        int ackLimit,
        Duration shutdownGrace,
        String deadLetterPrefix,
        boolean recreateMissingGroup) {

    /** The dead-letter stream of one handler. */
    public String deadLetterStream(String handler) {
        return deadLetterPrefix + handler;
    }
}
