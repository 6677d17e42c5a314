package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.runtime.ops.DeadLetterEntry;
import dev.eventbus.runtime.ops.Field;
import dev.eventbus.runtime.stream.WireFields;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cells of {@code dlq list}: a field there but empty is told from one that is not there. */
class DlqListOutputTest {

    /** A decode dead letter of an entry with these original fields. */
    private static DeadLetterEntry deadLetter(String id, Field... original) {
        List<Field> fields = new ArrayList<>(List.of(original));
        fields.add(Field.of(WireFields.REASON, "decode"));
        fields.add(Field.of(WireFields.SOURCE_STREAM, "wallet"));
        fields.add(Field.of(WireFields.SOURCE_ID, "1-0"));
        fields.add(Field.of(WireFields.ATTEMPTS, "1"));
        return new DeadLetterEntry(id, fields);
    }

    /** The TYPE and SUBJECT cells of each row. */
    private static List<List<String>> typeAndSubject(List<DeadLetterEntry> entries) {
        StringWriter out = new StringWriter();
        DlqCommand.listTable(entries).print(new PrintWriter(out));
        return out.toString()
                .lines()
                .skip(1)
                .map(l -> List.of(l.split("\\s{2,}")).subList(4, 6))
                .toList();
    }

    @Test
    void anEmptyTypeOrSubjectShowsAsTwoQuotesAndAMissingOneAsADash() {
        // Found from outside: XADD wallet * type '' ... listed with a blank TYPE cell, which read as a
        // column left out, while an entry without the field showed -.
        assertEquals(
                List.of(List.of("\"\"", "\"\""), List.of("-", "-"), List.of("t", "s")),
                typeAndSubject(List.of(
                        deadLetter("5-0", Field.of("type", ""), Field.of("subject", ""), Field.of("data", "{}")),
                        deadLetter("6-0", Field.of("data", "{}")),
                        deadLetter("7-0", Field.of("type", "t"), Field.of("subject", "s")))));
    }
}
