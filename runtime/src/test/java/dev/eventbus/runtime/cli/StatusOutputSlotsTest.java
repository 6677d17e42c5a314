package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.admin.v1.HandlerStatus;
import dev.eventbus.admin.v1.StreamStatus;
import dev.eventbus.admin.v1.SubscriptionState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** IN-FLIGHT and READ-AHEAD: the slots of the subscription's reader, and none claimed before it has one. */
class StatusOutputSlotsTest {

    private static final HandlerStatus HANDLER = HandlerStatus.newBuilder()
            .setName("h")
            .addStreams(StreamStatus.newBuilder()
                    .setStream("starting")
                    .setState(SubscriptionState.STARTING)
                    .setFiguresAgeMillis(-1))
            .addStreams(StreamStatus.newBuilder()
                    .setStream("running")
                    .setState(SubscriptionState.RUNNING)
                    .setInFlight(2)
                    .setMaxInFlight(16)
                    .setMaxReadAhead(0) // read-ahead = 0 is a limit, not "unknown"
                    .setFiguresAgeMillis(-1))
            .build();

    /** Found from outside: during start-up every row said IN-FLIGHT 0/0, a limit of none. */
    @Test
    void aSubscriptionWithoutAReaderYetShowsNoSlots() {
        String table = print(false);
        assertEquals(List.of("-", "-"), slots(table, "starting"), table);
        assertEquals(List.of("2/16", "0/0"), slots(table, "running"), table);
    }

    @Test
    void jsonGivesNullForSlotsNotKnownYet() {
        String json = print(true).replaceAll("\\s", "");
        assertTrue(
                json.contains("\"inFlight\":null,\"maxInFlight\":null,\"readAhead\":null,\"maxReadAhead\":null"), json);
        assertTrue(json.contains("\"inFlight\":2,\"maxInFlight\":16,\"readAhead\":0,\"maxReadAhead\":0"), json);
    }

    /** The IN-FLIGHT and READ-AHEAD cells of a stream's row. */
    private static List<String> slots(String table, String stream) {
        List<String> header = List.of(table.lines()
                .filter(l -> l.startsWith("HANDLER"))
                .findFirst()
                .orElseThrow()
                .trim()
                .split("\\s{2,}"));
        String[] cells = table.lines()
                .filter(l -> l.startsWith("h ") && l.contains(" " + stream + " "))
                .findFirst()
                .orElseThrow()
                .trim()
                .split("\\s{2,}");
        return List.of(cells[header.indexOf("IN-FLIGHT")], cells[header.indexOf("READ-AHEAD")]);
    }

    private static String print(boolean json) {
        StringWriter out = new StringWriter();
        StatusOutput.live(
                GetStatusResponse.newBuilder().addHandlers(HANDLER).build(),
                new AdminClient.Address("localhost", 1, false, Optional.empty()),
                null,
                json,
                new PrintWriter(out));
        return out.toString();
    }
}
