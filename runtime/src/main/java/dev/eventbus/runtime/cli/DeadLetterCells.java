package dev.eventbus.runtime.cli;

import java.util.HashMap;
import java.util.Map;

/**
 * The {@code DEAD-LETTERS} cell of each row of a status table. Rows of a handler can share a
 * dead-letter stream (on one node all of them; on a Redis Cluster the streams of one hash tag), and
 * the count repeated on each of them made the column add up to more dead letters than there are. So
 * each dead-letter stream's count shows once, on the first row that uses it, and the other rows
 * name that row ({@code see orders}): the column sums to the dead letters there are.
 *
 * <p>Not thread-safe: one per table.
 */
final class DeadLetterCells {

    /** Handler and dead-letter stream to the stream whose row shows that count. */
    private final Map<String, String> shownOn = new HashMap<>();

    /**
     * @param deadLetterStream the row's dead-letter stream; empty when unknown, and then {@code count}
     *     is the handler's total, shown once for all its rows alike
     * @param count its dead letters, {@code -1} when not read
     */
    Object cell(String handler, String stream, String deadLetterStream, long count) {
        if (count < 0) {
            return "?";
        }
        String first = shownOn.putIfAbsent(handler + "\n" + deadLetterStream, stream);
        return first == null ? count : "see " + first;
    }
}
