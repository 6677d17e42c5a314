package dev.eventbus.runtime.dispatch;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.consumer.Acknowledger;
import dev.eventbus.runtime.consumer.EventCodec;
import dev.eventbus.runtime.consumer.MalformedEntryException;
import dev.eventbus.runtime.consumer.StreamEntry;
import dev.eventbus.runtime.consumer.Subscription;
import dev.eventbus.runtime.failure.DeadLetterReason;
import dev.eventbus.runtime.failure.DeadLetterSink;
import dev.eventbus.runtime.failure.FailureHandler;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import java.util.concurrent.Executor;
import org.slf4j.MDC;

/**
 * Takes each entry a reader hands over to its outcome: decode it, dead-letter it when it can never
 * be an event, skip (acknowledge) types the handler does not consume, otherwise run the handler on
 * a worker and acknowledge on return or pass the failure to the {@link FailureHandler}.
 *
 * <p>The reader's {@code release} runs exactly once per entry, when its worker slot is free again.
 *
 * <p>Thread-safe; shared by all subscriptions.
 */
public final class Dispatcher {

    private final EventCodec codec;
    private final Executor workers;
    private final RpcChannelRegistry rpc;
    private final Acknowledger acks;
    private final DeadLetterSink deadLetters;
    private final FailureHandler failures;
    private final DeliveryObserver observer;

    public Dispatcher(EventCodec codec, Executor workers, RpcChannelRegistry rpc, Acknowledger acks,
            DeadLetterSink deadLetters, FailureHandler failures, DeliveryObserver observer) {
        this.codec = codec;
        this.workers = workers;
        this.rpc = rpc;
        this.acks = acks;
        this.deadLetters = deadLetters;
        this.failures = failures;
        this.observer = observer;
    }

    public void dispatch(Subscription sub, StreamEntry entry, Runnable release) {
        if (entry.isDeleted()) {
            deadLetters.deadLetter(sub, entry, DeadLetterReason.TRIMMED, entry.deliveries(), null,
                    "entry was deleted or trimmed from the stream before it was acknowledged", release);
            return;
        }
        Event event;
        try {
            event = codec.decode(entry, Math.max(1, entry.deliveries()));
        } catch (MalformedEntryException e) {
            deadLetters.deadLetter(sub, entry, e.reason(), entry.deliveries(), null, e.getMessage(), release);
            return;
        }
        if (!sub.types().contains(event.type())) {
            acks.ack(entry.stream(), sub.group(), entry.id());
            observer.skipped(sub, event);
            release.run();
            return;
        }
        workers.execute(() -> handle(sub, entry, event, release));
    }

    private void handle(Subscription sub, StreamEntry entry, Event event, Runnable release) {
        var handler = sub.handler();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(handler.classLoader());
        MDC.put("handler", handler.name());
        MDC.put("plugin", handler.pluginId());
        MDC.put("stream", entry.stream());
        MDC.put("entry", entry.id());
        MDC.put("event", event.id());
        long start = System.nanoTime();
        Throwable failure = null;
        try {
            handler.handler().handle(event, new DeliveryContext(handler, rpc, event, sub.group()));
        } catch (Throwable t) {
            failure = t;
        } finally {
            thread.setContextClassLoader(previous);
            MDC.clear();
        }
        if (failure == null) {
            acks.ack(entry.stream(), sub.group(), entry.id());
            observer.handled(sub, event, System.nanoTime() - start);
            release.run();
        } else {
            observer.failed(sub, event, failure);
            failures.onFailure(sub, entry, event, failure, release);
        }
    }
}
