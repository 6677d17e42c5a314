package dev.eventbus.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The scenarios, each run once per repetition for the reference and for Eventbus, in JVMs of their
 * own against a fresh redis-server.
 */
enum Scenario {

    /** (a)/(b) Drain the pre-filled backlog with the no-op handler. */
    DRAIN_NOOP("drain-noop", "noop", true),
    /** (f) The same with a tenth of the backlog: peak RSS must not depend on the backlog. */
    DRAIN_NOOP_SMALL("drain-noop-small", "noop", true),
    /** (c)/(d) Drain with one gRPC unary call per event. */
    DRAIN_RPC("drain-rpc", "rpc", true),
    /** (e) XADD-to-handled latency at a fixed rate, no-op handler. */
    LATENCY_NOOP("latency-noop", "noop", true),
    /** (e) XADD-to-handled latency at a fixed rate, one gRPC call per event. */
    LATENCY_RPC("latency-rpc", "rpc", true),
    /**
     * (g) Ordering by subject: not in the runtime yet. To enable it, set {@code supported} to true,
     * pass the runtime's ordering setting through {@link EventbusHarness}'s overrides, give the
     * reference one lane per subject, and add its rows in {@link Report}; until then it reports n/a.
     */
    ORDERED_BY_SUBJECT("ordered-by-subject", "noop", false);

    final String id;
    final String handler;
    final boolean supported;

    Scenario(String id, String handler, boolean supported) {
        this.id = id;
        this.handler = handler;
        this.supported = supported;
    }

    /** Backlog the stream holds when the scenario starts (0: the scenario produces its own events). */
    long backlog(Settings s) {
        return switch (this) {
            case DRAIN_NOOP, ORDERED_BY_SUBJECT -> s.drainEvents();
            case DRAIN_NOOP_SMALL -> s.smallDrainEvents();
            case DRAIN_RPC -> s.rpcEvents();
            case LATENCY_NOOP, LATENCY_RPC -> 0;
        };
    }

    /** The scenario JVM's arguments, less the connection details. */
    List<String> args(Settings s) {
        List<String> a = new ArrayList<>();
        a.add("handler=" + handler);
        switch (this) {
            case DRAIN_NOOP, DRAIN_NOOP_SMALL, DRAIN_RPC, ORDERED_BY_SUBJECT -> {
                long n = backlog(s);
                a.add("kind=drain");
                a.add("events=" + n);
                a.add("warm=" + (long) (n * s.warmFraction()));
            }
            case LATENCY_NOOP, LATENCY_RPC -> {
                boolean rpc = this == LATENCY_RPC;
                a.add("kind=latency");
                a.add("rate=" + (rpc ? s.rpcRate() : s.noopRate()));
                a.add("prewarm=" + (rpc ? s.rpcPrewarm() : s.noopPrewarm()));
                a.add("warmSeconds=" + s.warmSeconds());
                a.add("measureSeconds=" + s.measureSeconds());
            }
        }
        a.add("timeout=" + s.childTimeoutSeconds());
        return a;
    }
}
