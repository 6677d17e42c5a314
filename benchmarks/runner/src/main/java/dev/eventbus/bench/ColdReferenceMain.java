package dev.eventbus.bench;

/**
 * A reference consumer alone in a cold JVM, for the burst scenarios ({@link ColdBurst}): connects,
 * drains whatever the stream holds and keeps consuming until the process is ended. Loads nothing
 * but the consumer it runs, so its start-up is what a hand-written service's would be. Arguments:
 * {@code redis=URI system=reference|strongest}.
 */
public final class ColdReferenceMain {

    private ColdReferenceMain() {}

    public static void main(String[] args) throws Exception {
        String redis = null;
        String system = null;
        for (String arg : args) {
            if (arg.startsWith("redis=")) {
                redis = arg.substring("redis=".length());
            } else if (arg.startsWith("system=")) {
                system = arg.substring("system=".length());
            } else {
                throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        Progress progress = new Progress(Long.MAX_VALUE, Long.MAX_VALUE, null);
        if ("reference".equals(system)) {
            new ReferenceConsumer(redis, "reference-1", null, progress).start();
        } else if ("strongest".equals(system)) {
            new StrongestReferenceConsumer(redis, "reference-1", null, 1, progress).start();
        } else {
            throw new IllegalArgumentException("system must be reference or strongest, was " + system);
        }
        Thread.currentThread().join(); // until the benchmark ends the process
    }
}
