package dev.eventbus.runtime.it;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.Subscription;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What an ordering oracle sees: every handler call of every runtime instance it observes, with the
 * event's {@code seq} header and when the call started and ended. A runtime in a process of its own
 * reports its calls as {@linkplain #line lines} on its output, which the test {@linkplain #add adds}
 * here: the times are {@code System.nanoTime()}, which on Linux is {@code CLOCK_MONOTONIC}, one
 * clock for every process of the host. Thread-safe.
 */
final class HandlerCalls {

    /** One handler call, as the oracle saw it. */
    record Call(String instance, String subject, int seq, String eventId, long startNanos, long endNanos) {}

    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

    /** The observer to start the runtime of {@code instance} with. */
    DeliveryObserver observer(String instance) {
        return observer(instance, calls::add);
    }

    /** An observer that hands each call of {@code instance} to {@code sink} as it ends. */
    static DeliveryObserver observer(String instance, java.util.function.Consumer<Call> sink) {
        return new DeliveryObserver() {
            @Override
            public void handled(Subscription subscription, Event event, long nanos) {
                long end = System.nanoTime();
                sink.accept(new Call(
                        instance,
                        event.subject(),
                        Integer.parseInt(event.header("seq").orElseThrow()),
                        event.id(),
                        end - nanos,
                        end));
            }
        };
    }

    private static final String LINE = "handler-call ";

    /** The line a child process prints for one call. */
    static String line(Call call) {
        return LINE
                + String.join(
                        " ",
                        call.instance(),
                        call.subject(),
                        Integer.toString(call.seq()),
                        call.eventId(),
                        Long.toString(call.startNanos()),
                        Long.toString(call.endNanos()));
    }

    /** Adds the call a child's output line reports; false when the line reports none. */
    boolean add(String line) {
        if (!line.startsWith(LINE)) {
            return false;
        }
        String[] f = line.substring(LINE.length()).split(" ");
        calls.add(new Call(f[0], f[1], Integer.parseInt(f[2]), f[3], Long.parseLong(f[4]), Long.parseLong(f[5])));
        return true;
    }

    Stream<Call> stream() {
        return calls.stream();
    }

    /** The calls so far, a copy. */
    List<Call> all() {
        return List.copyOf(calls);
    }

    /**
     * Per subject, each event whose first handling started before the previous event of its
     * subject was first handled to its end (calls are recorded only when the handler returned).
     */
    List<String> outOfOrder() {
        List<String> problems = new ArrayList<>();
        Map<String, List<Call>> bySubject = calls.stream().collect(Collectors.groupingBy(Call::subject));
        long origin = calls.stream().mapToLong(Call::startNanos).min().orElse(0);
        bySubject.forEach((subject, list) -> {
            Map<Integer, Call> first = new HashMap<>();
            list.stream()
                    .sorted(Comparator.comparingLong(Call::startNanos))
                    .forEach(c -> first.putIfAbsent(c.seq(), c));
            for (int seq = 2; first.containsKey(seq); seq++) {
                Call previous = first.get(seq - 1);
                Call call = first.get(seq);
                if (previous == null || call.startNanos() < previous.endNanos()) {
                    problems.add(subject + ": seq " + seq + " started at +" + (call.startNanos() - origin) / 1_000_000
                            + " ms on " + call.instance() + ", seq " + (seq - 1) + " handled "
                            + (previous == null
                                    ? "never"
                                    : "at +" + (previous.endNanos() - origin) / 1_000_000 + " ms on "
                                            + previous.instance()));
                }
            }
        });
        problems.sort(Comparator.naturalOrder());
        return problems;
    }
}
