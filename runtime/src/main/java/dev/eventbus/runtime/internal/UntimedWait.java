package dev.eventbus.runtime.internal;

import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Waits for a Lettuce command's answer as its synchronous API does, but without a timer of its own.
 * On a virtual thread a timed wait is a timed park, which the JDK arms and disarms on a scheduler
 * thread of its own (on JDK 25 its {@code DelayScheduler}: two wake-ups of that thread per wait). A
 * stream reader waits once per read; in a cluster drain's profile on JDK 25 the reader's timed parks
 * (this one and its wait for free entry slots) were a sixth of the carriers' CPU. The command's
 * own expiry bounds the wait instead: every client here has {@code TimeoutOptions} (the command
 * timeout, or a read's bound from {@code ReadTimeouts}), so Lettuce completes each command with the
 * {@code RedisCommandTimeoutException} the synchronous API threw; a lost connection or a refusal
 * completes it too. (On a cluster the expiry starts once the command reaches its node's connection,
 * which may first have to be made: up to the connect timeout more.)
 */
public final class UntimedWait {

    private UntimedWait() {}

    /**
     * The command's result, or what it failed with as the synchronous API throws it: a Redis error
     * or timeout as is, an interrupt as {@link RedisCommandInterruptedException} (the command is
     * cancelled and the thread keeps its interrupt).
     */
    public static <T> T result(Future<T> command) {
        try {
            return command.get();
        } catch (InterruptedException e) {
            command.cancel(true);
            Thread.currentThread().interrupt();
            throw new RedisCommandInterruptedException(e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new RedisException(cause);
        }
    }
}
