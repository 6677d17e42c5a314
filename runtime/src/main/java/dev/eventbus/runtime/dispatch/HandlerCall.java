package dev.eventbus.runtime.dispatch;

import java.util.List;

/**
 * A handler call, or a call with steps around it: each {@link Step} does its part before and after
 * the call it wraps, whatever that call throws (the shape of Watermill's router middlewares). The
 * steps are composed once, not per event.
 */
@FunctionalInterface
interface HandlerCall {

    void call(Invocation invocation) throws Throwable;

    /** Something done around every handler call (class loader, logging context, interrupts). */
    @FunctionalInterface
    interface Step {
        HandlerCall around(HandlerCall next);
    }

    /** {@code core} inside {@code steps}, the first step outermost. */
    static HandlerCall through(List<Step> steps, HandlerCall core) {
        HandlerCall call = core;
        for (int i = steps.size() - 1; i >= 0; i--) {
            call = steps.get(i).around(call);
        }
        return call;
    }
}
