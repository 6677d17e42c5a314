package dev.eventbus.runtime.plugin;

import java.util.function.BooleanSupplier;

/**
 * A worker still in a call to a plugin's handler after the plugin's subscriptions stopped, the
 * shutdown grace ran out and the worker was interrupted: while it runs, the plugin's code runs, so
 * that version of the plugin is not unloaded and no other version starts. Immutable.
 *
 * @param thread the worker thread's name and id
 * @param running whether the handler call is still going on, asked again on each look
 */
public record StuckWorker(String handler, String thread, String stream, String entryId, BooleanSupplier running) {

    public boolean isRunning() {
        return running.getAsBoolean();
    }

    @Override
    public String toString() {
        return "worker " + thread + " of handler " + handler + " on " + stream + " " + entryId;
    }
}
