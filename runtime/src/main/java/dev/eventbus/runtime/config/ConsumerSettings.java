package dev.eventbus.runtime.config;

import java.time.Duration;

/**
 * How every subscription reads, acknowledges and dead-letters.
 *
 * @param readAhead entries a subscription may hold beyond its handler's max-in-flight, read and
 *     waiting for a worker
 * @param readAheadBytes bytes of field names and values a subscription may hold in entries read
 *     and not yet done with (running or waiting), plus one entry
 * @param ackLimit acknowledgements of one subscription queued or not yet confirmed by Redis at
 *     which its reader waits before reading more, and its retry poller and reclaimer take nothing
 */
public record ConsumerSettings(
        Duration block,
        int maxEventBytes,
        String newGroupStart,
        int readAhead,
        long readAheadBytes,
        int ackBatchSize,
        Duration ackInterval,
        int ackLimit,
        Duration shutdownGrace,
        String deadLetterPrefix,
        boolean recreateMissingGroup) {}
