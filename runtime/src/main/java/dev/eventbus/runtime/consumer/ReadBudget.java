package dev.eventbus.runtime.consumer;

import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * How many entries a subscription may read now, and why none when it may read none: its reader
 * logs that reason when it pauses, so an operator sees the cause the status shows (a layout drain
 * logged as a gRPC outage sent them after a service the handler does not even call).
 */
public final class ReadBudget {

    private final IntSupplier allowed;
    private final Supplier<String> pausedBecause;

    /**
     * @param allowed entries the subscription may read now: 0 while paused, 1 while a circuit
     *     probes, else unbounded
     * @param pausedBecause asked once {@code allowed} gave 0: why, as the status says it
     */
    public ReadBudget(IntSupplier allowed, Supplier<String> pausedBecause) {
        this.allowed = allowed;
        this.pausedBecause = pausedBecause;
    }

    public int allowed() {
        return allowed.getAsInt();
    }

    public String pausedBecause() {
        return pausedBecause.get();
    }
}
