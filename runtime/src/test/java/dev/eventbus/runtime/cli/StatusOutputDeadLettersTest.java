package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.admin.v1.HandlerStatus;
import dev.eventbus.admin.v1.StreamStatus;
import dev.eventbus.runtime.consumer.StreamNode;
import dev.eventbus.runtime.ops.SubscriptionStatus;
import dev.eventbus.runtime.ownership.OwnershipView;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The DEAD-LETTERS column adds up to the dead letters there are: each dead-letter stream once. */
class StatusOutputDeadLettersTest {

    private static final Function<String, Optional<StreamNode>> NOWHERE = stream -> Optional.empty();

    /** A row read from Redis; the handler has 5 dead letters in all. */
    private static SubscriptionStatus row(String stream, String deadLetterStream, long streamDeadLetters) {
        return new SubscriptionStatus(
                "h", stream, 1, 0, 0, 0, -1, "0-0", 0, 0, 5, deadLetterStream, streamDeadLetters, 0, "ok");
    }

    private static List<String> deadLetterCells(String table) {
        return table.lines()
                .skip(1)
                .filter(l -> l.startsWith("h "))
                .map(l -> {
                    String[] cells = l.trim().split("\\s{2,}");
                    return cells[cells.length - 1];
                })
                .toList();
    }

    private static String fromRedis(List<SubscriptionStatus> rows) {
        StringWriter out = new StringWriter();
        StatusOutput.fromRedis(
                rows, "redis://r", null, NOWHERE, OwnershipView.none("me"), "down", null, false, new PrintWriter(out));
        return out.toString();
    }

    @Test
    void onAClusterEachRowCountsTheDeadLettersOfItsOwnTag() {
        String table = fromRedis(List.of(
                row("a", "dlq:{a}:h", 2),
                row("b", "dlq:{b}:h", 1),
                row("c", "dlq:{c}:h", 1),
                row("d", "dlq:{d}:h", 1)));
        assertEquals(List.of("2", "1", "1", "1"), deadLetterCells(table), table);
    }

    @Test
    void streamsThatShareADeadLetterStreamShowItsCountOnceAndNameTheRowThatHasIt() {
        // One node: one dead-letter stream per handler; a cluster: {o}.a and {o}.b share a tag.
        String table = fromRedis(
                List.of(row("{o}.a", "dlq:{o}:h", 4), row("{o}.b", "dlq:{o}:h", 4), row("c", "dlq:{c}:h", 1)));
        assertEquals(List.of("4", "see {o}.a", "1"), deadLetterCells(table), table);
    }

    @Test
    void theLiveAnswerShowsEachRowsOwnCountAndTheTotalOnceWhenItHasNone() {
        HandlerStatus.Builder read = HandlerStatus.newBuilder().setName("h").setDeadLetters(5);
        HandlerStatus.Builder unread = HandlerStatus.newBuilder().setName("h").setDeadLetters(5);
        for (String stream : List.of("a", "b")) {
            read.addStreams(StreamStatus.newBuilder()
                    .setStream(stream)
                    .setFiguresAgeMillis(0)
                    .setDeadLetterStream("dlq:{" + stream + "}:h")
                    .setStreamDeadLetters(stream.equals("a") ? 3 : 2));
            // A runtime that gives no row's own count: the handler's total, once.
            unread.addStreams(StreamStatus.newBuilder().setStream(stream).setFiguresAgeMillis(0));
        }
        assertEquals(List.of("3", "2"), deadLetterCells(live(read.build())));
        assertEquals(List.of("5", "see a"), deadLetterCells(live(unread.build())));
    }

    /**
     * Found in review: a row not read yet (stopped, refused) beside read ones showed the handler's
     * total beside their own counts, 5 and 5 for 5 dead letters.
     */
    @Test
    void aRowWithoutItsOwnCountBesideRowsWithThemShowsNoCount() {
        HandlerStatus mixed = HandlerStatus.newBuilder()
                .setName("h")
                .setDeadLetters(5)
                .addStreams(StreamStatus.newBuilder()
                        .setStream("a")
                        .setFiguresAgeMillis(0)
                        .setDeadLetterStream("dlq:h")
                        .setStreamDeadLetters(5))
                .addStreams(StreamStatus.newBuilder().setStream("b").setFiguresAgeMillis(0))
                .build();
        assertEquals(List.of("5", "?"), deadLetterCells(live(mixed)));
    }

    private static String live(HandlerStatus handler) {
        StringWriter out = new StringWriter();
        StatusOutput.live(
                GetStatusResponse.newBuilder().addHandlers(handler).build(),
                new AdminClient.Address("localhost", 1, false, Optional.empty()),
                null,
                false,
                new PrintWriter(out));
        return out.toString();
    }
}
