package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.internal.EntryIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a handler's dead-letter stream: the original fields plus the provenance the runtime
 * added ({@link WireFields#PROVENANCE}).
 */
public record DeadLetterEntry(String id, List<Field> fields) {

    public DeadLetterEntry {
        fields = List.copyOf(fields);
    }

    /** A field's text value, or {@code null} when absent or not text. */
    public String text(String name) {
        for (Field f : fields) {
            if (f.nameText().equals(name)) {
                return f.valueText();
            }
        }
        return null;
    }

    public Field field(String name) {
        for (Field f : fields) {
            if (f.nameText().equals(name)) {
                return f;
            }
        }
        return null;
    }

    public String reason() {
        return text(WireFields.REASON);
    }

    public String sourceStream() {
        return text(WireFields.SOURCE_STREAM);
    }

    public String sourceId() {
        return text(WireFields.SOURCE_ID);
    }

    public String type() {
        return text(WireFields.TYPE);
    }

    public String subject() {
        return text(WireFields.SUBJECT);
    }

    /** Error class and message, for filtering and listing. */
    public String error() {
        String cls = text(WireFields.ERROR_CLASS);
        String msg = text(WireFields.ERROR_MESSAGE);
        if (cls == null) {
            return msg == null ? "" : msg;
        }
        return msg == null ? cls : cls + ": " + msg;
    }

    /** When the entry was dead-lettered (its id's time). */
    public Instant deadLetteredAt() {
        return EntryIds.time(id);
    }

    /** The fields the producer wrote, without provenance or earlier routing markers. */
    public List<Field> originalFields() {
        List<Field> original = new ArrayList<>();
        for (Field f : fields) {
            String name = f.nameText();
            if (!WireFields.PROVENANCE.contains(name) && !WireFields.ROUTING.contains(name)) {
                original.add(f);
            }
        }
        return original;
    }

    /** Bytes of the payload ({@code data}), 0 when there is none. */
    public int dataSize() {
        Field data = field(WireFields.DATA);
        return data == null ? 0 : data.value().length;
    }
}
