package dev.eventbus.runtime.plugin;

import java.util.List;

/** How the reloader starts and stops the subscriptions of a plugin's handlers (the runtime does it). */
public interface SubscriptionControl {

    /** Creates the handlers' groups if needed and starts reading. */
    void start(List<LoadedHandler> handlers);

    /**
     * Stops reading for a plugin's handlers and waits (up to the shutdown grace) for their in-flight
     * events; then interrupts the handlers still running and waits up to their abandon-after for
     * them to return. What does not finish stays pending, to be handled by the next version.
     *
     * @return the workers still running the plugin's handlers: it must not be unloaded yet
     */
    List<StuckWorker> stop(String pluginId);

    /**
     * The workers of a plugin's handlers abandoned after their timeout (they ignored the interrupt)
     * that still run its code: known before anything stops, they would hold back its unload after
     * the whole shutdown grace anyway.
     */
    List<StuckWorker> abandoned(String pluginId);
}
