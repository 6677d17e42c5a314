package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The progress line of redrive, discard and replay on stderr. */
class ProgressLineTest {

    private static String progress(String what, String done, boolean dryRun) {
        StringWriter err = new StringWriter();
        CliOutput.ProgressLine line = CliOutput.progress(new PrintWriter(err), what, done, dryRun);
        line.update(1, 0);
        line.finish();
        return err.toString();
    }

    @Test
    void aDryRunSaysWhatItWouldDoNotThatItDidIt() {
        // Found from outside: dlq redrive --dry-run printed "redrive: 1 done, 0 left alone".
        String dry = progress("redrive", "redriven", true);
        assertTrue(dry.startsWith("redrive (dry run): 1 would be redriven, 0 left alone, in "), dry);
        String discard = progress("discard", "discarded", true);
        assertTrue(discard.startsWith("discard (dry run): 1 would be discarded, 0 left alone, in "), discard);
        String real = progress("redrive", "redriven", false);
        assertTrue(real.startsWith("redrive: 1 done, 0 left alone, in "), real);
    }
}
