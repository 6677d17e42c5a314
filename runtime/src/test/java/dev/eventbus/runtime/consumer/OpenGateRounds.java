package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.ownership.PartitionGate;

/**
 * {@link PartitionGate#OPEN} in every answer, but for the rounds of the loops beside the reader
 * ({@link #ifOwned}), which a test decides: run, count or replace.
 */
abstract class OpenGateRounds implements PartitionGate {

    @Override
    public abstract void ifOwned(java.util.function.LongConsumer round);

    @Override
    public boolean gated() {
        return OPEN.gated();
    }

    @Override
    public long enterRead() {
        return OPEN.enterRead();
    }

    @Override
    public void exitRead() {
        OPEN.exitRead();
    }

    @Override
    public boolean mayDispatch() {
        return OPEN.mayDispatch();
    }

    @Override
    public void fenced(long token) {
        OPEN.fenced(token);
    }

    @Override
    public String leaseKey() {
        return OPEN.leaseKey();
    }

    @Override
    public String owner() {
        return OPEN.owner();
    }
}
