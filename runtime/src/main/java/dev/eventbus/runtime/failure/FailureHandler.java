package dev.eventbus.runtime.failure;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;

/**
 * Decides what happens to an event whose handler failed: retry later, or dead-letter now. The read
 * loop and the dispatcher know only "success" or "failure"; everything else is here.
 */
public interface FailureHandler {

    /**
     * @param done told once the failure is dealt with, and whether the outcome is final
     */
    void onFailure(Subscription subscription, StreamEntry entry, Event event, Throwable error, Resolution done);
}
