package dev.eventbus.runtime.config;

import java.time.Duration;

/** How every subscription reads, acknowledges and dead-letters. */
public record ConsumerSettings(
        Duration block,
        int maxEventBytes,
        String newGroupStart,
        int ackBatchSize,
        Duration ackInterval,
        Duration shutdownGrace,
        String deadLetterPrefix,
        boolean recreateMissingGroup) {

    /** The dead-letter stream of one handler. */
    public String deadLetterStream(String handler) {
        return deadLetterPrefix + handler;
    }
}
