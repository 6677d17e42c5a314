package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.admin.v1.GetStatusResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A runtime's answer without the handler asked for names it, and exits 1. */
class StatusOutputUnknownHandlerTest {

    @Test
    void aHandlerNoRuntimeRunsIsNamedAndExitsOne() {
        // Found from outside: status --handler nope said "no handler runs there".
        StringWriter out = new StringWriter();
        int exit = StatusOutput.live(
                GetStatusResponse.getDefaultInstance(),
                new AdminClient.Address("localhost", 1, false, Optional.empty()),
                "nope",
                false,
                new PrintWriter(out));
        assertEquals(1, exit, out.toString());
        assertTrue(out.toString().contains("\nno handler 'nope' runs there\n"), out.toString());

        StringWriter all = new StringWriter();
        assertEquals(
                0,
                StatusOutput.live(
                        GetStatusResponse.getDefaultInstance(),
                        new AdminClient.Address("localhost", 1, false, Optional.empty()),
                        null,
                        false,
                        new PrintWriter(all)));
        assertTrue(all.toString().contains("\nno handler runs there\n"), all.toString());
    }
}
