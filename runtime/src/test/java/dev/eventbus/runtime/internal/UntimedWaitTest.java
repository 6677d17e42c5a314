package dev.eventbus.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class UntimedWaitTest {

    @Test
    void theAnswerComesWhenTheCommandCompletesFromAnotherThread() throws Exception {
        CompletableFuture<String> command = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            command.complete("OK");
        });
        assertEquals("OK", UntimedWait.result(command));
    }

    @Test
    void aRedisErrorOrTheCommandsExpiryIsThrownAsTheSynchronousApiThrowsIt() {
        RedisCommandExecutionException refused = new RedisCommandExecutionException("NOGROUP no such group");
        assertSame(
                refused,
                assertThrows(RedisException.class, () -> UntimedWait.result(CompletableFuture.failedFuture(refused))));
        RedisCommandTimeoutException expired = new RedisCommandTimeoutException("Command timed out after 2 second(s)");
        assertSame(
                expired,
                assertThrows(RedisException.class, () -> UntimedWait.result(CompletableFuture.failedFuture(expired))));
        IOException io = new IOException("Connection reset by peer");
        RedisException wrapped =
                assertThrows(RedisException.class, () -> UntimedWait.result(CompletableFuture.failedFuture(io)));
        assertSame(io, wrapped.getCause());
    }

    @Test
    void anInterruptCancelsTheCommandAndTheThreadKeepsIt() throws Exception {
        CompletableFuture<String> never = new CompletableFuture<>();
        Throwable[] thrown = new Throwable[1];
        boolean[] stillInterrupted = new boolean[1];
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                UntimedWait.result(never);
            } catch (Throwable t) {
                thrown[0] = t;
                stillInterrupted[0] = Thread.currentThread().isInterrupted();
            }
        });
        Thread.sleep(50);
        waiter.interrupt();
        waiter.join(5_000);
        assertInstanceOf(RedisCommandInterruptedException.class, thrown[0]);
        assertTrue(stillInterrupted[0], "the interrupt is kept for the caller's loop");
        assertTrue(never.isCancelled(), "the command is cancelled");
    }
}
