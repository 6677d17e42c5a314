package dev.eventbus.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The suite's result table: one row per scenario, printed as it ends and written at the end. */
final class Report {

    record Row(String scenario, Outcome outcome, long recoveryMillis, boolean done, String notes) {

        String markdown() {
            Outcome o = outcome;
            return "| " + scenario + " | " + o.produced() + " | " + o.handled().size() + " | "
                    + o.deadLetters().size()
                    + " | " + o.trimmed().size() + " | " + o.duplicates() + " | "
                    + (done ? Long.toString(recoveryMillis) : "not done") + " | "
                    + o.lost().size() + " | "
                    + notes.replace("|", "/") + " |";
        }
    }

    static final Path TARGET =
            Path.of(System.getProperty("fault.target", "target")).toAbsolutePath();
    private static final String HEADER = """
            | scenario | produced | handled | dead-lettered | trimmed | duplicates | recovery ms | lost | notes |
            | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
            """;
    private static final List<Row> ROWS = new ArrayList<>();

    private Report() {}

    static synchronized void add(Row row) {
        ROWS.add(row);
        System.out.println("FAULT-SUITE " + row.markdown());
    }

    static synchronized String table() {
        StringBuilder sb = new StringBuilder(HEADER);
        ROWS.forEach(r -> sb.append(r.markdown()).append('\n'));
        return sb.toString();
    }

    static synchronized void write() {
        String text =
                "# Eventbus fault suite\n\nThe real runtime (`bin/eventbus run` of the unpacked distribution) in a "
                        + "child JVM; `recovery ms` runs from the end of the fault to the moment every produced event is "
                        + "handled, dead-lettered or recorded as trimmed and nothing is pending. Duplicates are calls beyond the "
                        + "first per event; all carry the first call's idempotency key.\n\n" + table();
        System.out.println(text);
        try {
            Files.createDirectories(TARGET);
            Files.writeString(TARGET.resolve("fault-suite.md"), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
