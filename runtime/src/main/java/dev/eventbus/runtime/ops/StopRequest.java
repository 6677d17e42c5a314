package dev.eventbus.runtime.ops;

/**
 * Whether an operator change that goes entry by entry (redrive, discard, replay) is asked to stop
 * (a SIGINT or SIGTERM to the command): it is asked before each entry, so the change stops between
 * two entries, never inside one, and says what it did as at a normal end.
 */
@FunctionalInterface
public interface StopRequest {

    StopRequest NEVER = () -> null;

    /** What asked the change to stop ({@code SIGINT}), or {@code null} while nothing did. */
    String stoppedBy();
}
