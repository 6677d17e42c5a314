package dev.eventbus.runtime.dispatch;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;

/** One call of a subscription's handler with one event, as the steps around the call see it. */
record Invocation(
        Subscription subscription, StreamEntry entry, Event event, HandlerSettings limits, Delivery delivery) {}
