package dev.eventbus.bench.noop;

import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import org.pf4j.Extension;

/**
 * The benchmark's no-op handler: it reads the event's type and payload, as the reference loop's
 * handler does, and returns. What is measured is therefore the runtime's own cost per event.
 */
@Extension
public class NoopHandler implements EventHandler {

    /** The stream every benchmark scenario reads. */
    public static final String STREAM = "bench:events";
    /** The type every benchmark event carries. */
    public static final String TYPE = "bench.order.created";

    /** Sink for the values read, so the JIT cannot drop the reads. */
    @SuppressWarnings("unused")
    private volatile int sink;

    /** Needed by PF4J. */
    public NoopHandler() {}

    @Override
    public HandlerSpec spec() {
        return HandlerSpec.named("bench-noop").consumes(STREAM, TYPE);
    }

    @Override
    public void handle(Event event, HandlerContext context) {
        sink = event.type().length() + event.data().length;
    }
}
