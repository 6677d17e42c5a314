package dev.eventbus.runtime.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A call whose answer is waited for at most a given time, for an answer that must come sooner
 * than the call's own timeout (an admin answer that reads Redis, while Redis does not answer). The
 * call runs on a virtual thread of its own and goes on after the wait gives up; it is not
 * interrupted (a Redis client's call ends by its own timeout).
 */
public final class BoundedCall {

    private BoundedCall() {}

    /**
     * @return the call's answer
     * @throws TimeoutException when it did not answer within {@code max}
     * @throws ExecutionException with what it threw as the cause
     */
    public static <T> T get(String name, Supplier<T> call, Duration max)
            throws TimeoutException, ExecutionException, InterruptedException {
        CompletableFuture<T> answer = new CompletableFuture<>();
        Thread.ofVirtual().name(name).start(() -> {
            try {
                answer.complete(call.get());
            } catch (Throwable t) {
                answer.completeExceptionally(t);
            }
        });
        return answer.get(max.toNanos(), TimeUnit.NANOSECONDS);
    }
}
