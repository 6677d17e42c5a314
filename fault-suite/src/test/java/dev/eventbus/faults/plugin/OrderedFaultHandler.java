package dev.eventbus.faults.plugin;

import dev.eventbus.api.HandlerSpec;

/**
 * The fault plugin's second handler, for the randomized mode: the same misbehaviour as
 * {@link FaultHandler}, on the same stream, under its own name (so its own group and dead-letter
 * stream), its orders prefixed {@code o-}; the suite configures it {@code ordered-by-subject = true}.
 */
public class OrderedFaultHandler extends FaultHandler {

    public static final String NAME = "fault-ordered";

    @Override
    public HandlerSpec spec() {
        return HandlerSpec.named(NAME).consumes(STREAM, TYPE).calls(SERVICE);
    }

    @Override
    protected String orderPrefix() {
        return "o-";
    }
}
