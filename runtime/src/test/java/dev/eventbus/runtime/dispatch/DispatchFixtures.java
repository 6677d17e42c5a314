package dev.eventbus.runtime.dispatch;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.config.RetrySettings;
import dev.eventbus.runtime.failure.DeadLetter;
import dev.eventbus.runtime.failure.DeadLetterSink;
import dev.eventbus.runtime.failure.FailureHandler;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Handlers, subscriptions, entries and recording sinks for the dispatcher's unit tests (no Redis). */
final class DispatchFixtures {

    static final String STREAM = "payments";

    private DispatchFixtures() {}

    /** What a test handler does with each event. */
    @FunctionalInterface
    interface Body {
        void handle(Event event) throws Exception;
    }

    static LoadedHandler handler(String name, ClassLoader loader, Body body) {
        HandlerSpec spec = HandlerSpec.named(name).consumes(STREAM, "paid");
        EventHandler h = new EventHandler() {
            @Override
            public HandlerSpec spec() {
                return spec;
            }

            @Override
            public void handle(Event event, HandlerContext context) throws Exception {
                body.handle(event);
            }
        };
        return new LoadedHandler(h, spec, "payments-plugin", "1.2.3", loader, ConfigFactory.empty());
    }

    static Subscription subscription(Body body) {
        return new Subscription(handler("pays", DispatchFixtures.class.getClassLoader(), body), STREAM, Set.of("paid"));
    }

    /** A pipeline with no call steps, recording what it acks, dead-letters and reports. */
    static DeliveryPipeline plainPipeline(
            RecordingAcks acks, RecordingDeadLetters deadLetters, RecordingObserver observer) {
        LossRecorder losses = new LossRecorder(deadLetters);
        return new DeliveryPipeline(
                new Admission(new EventCodec(1 << 20), acks, deadLetters, observer),
                HandlerCall.through(List.of(), DeliveryContext.handlerCall(null)),
                new OnSuccess(acks, (sub, id) -> {}, observer),
                new OnFailure(new RecordingFailures(), losses, observer),
                losses,
                new AbandonedWorkers());
    }

    static HandlerSettings limits(Duration timeout, Duration abandonAfter) {
        return new HandlerSettings(
                4,
                timeout,
                abandonAfter,
                false,
                new RetrySettings(5, Duration.ofHours(1), Duration.ofSeconds(1), 2, Duration.ofMinutes(1), 0));
    }

    /** An entry with the given fields (name, value, name, value...). */
    static StreamEntry entry(String id, int deliveries, String... fields) {
        Map<byte[], byte[]> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < fields.length; i += 2) {
            map.put(fields[i].getBytes(StandardCharsets.UTF_8), fields[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return new StreamEntry(
                STREAM, id, map, deliveries, deliveries > 1 ? StreamEntry.Origin.RETRY : StreamEntry.Origin.NEW);
    }

    /** Acknowledgements, as "stream group id". */
    static final class RecordingAcks implements Acks {
        final List<String> acked = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void ack(String stream, String group, String id) {
            acked.add(stream + " " + group + " " + id);
        }
    }

    /** Dead letters asked for; each is answered with {@code stored}. */
    static final class RecordingDeadLetters implements DeadLetterSink {
        final List<DeadLetter> letters = Collections.synchronizedList(new ArrayList<>());
        boolean stored = true;

        @Override
        public void deadLetter(Subscription sub, DeadLetter letter, Resolution done) {
            letters.add(letter);
            done.done(stored);
        }
    }

    /** Failures handed over; each is answered as a scheduled retry (not final). */
    static final class RecordingFailures implements FailureHandler {
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onFailure(Subscription sub, StreamEntry entry, Event event, Throwable error, Resolution done) {
            errors.add(error);
            done.done(false);
        }
    }

    /** Outcomes the observer saw, as words. */
    static final class RecordingObserver implements DeliveryObserver {
        final List<String> seen = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void handled(Subscription s, Event e, long nanos) {
            seen.add("handled " + e.entryId());
        }

        @Override
        public void failed(Subscription s, Event e, Throwable error) {
            seen.add("failed " + e.entryId() + " " + error.getClass().getSimpleName());
        }

        @Override
        public void skipped(Subscription s, Event e) {
            seen.add("skipped " + e.entryId());
        }

        @Override
        public void leftPending(Subscription s, StreamEntry entry, Throwable interrupted) {
            seen.add("left pending " + entry.id() + " attempt " + entry.deliveries());
        }
    }

    /** The resolutions an entry leaving the worker reported. */
    static final class Leaves implements Resolution {
        final List<Boolean> told = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void done(boolean resolved) {
            told.add(resolved);
        }
    }
}
