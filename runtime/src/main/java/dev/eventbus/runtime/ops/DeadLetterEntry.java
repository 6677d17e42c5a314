package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.internal.EntryIds;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.ReservedNames;
import dev.eventbus.runtime.stream.WireFields;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a handler's dead-letter stream: the original fields plus the provenance the runtime
 * added ({@link WireFields#PROVENANCE}). The runtime appends its provenance after the original
 * fields and keeps a producer's {@code eventbus-} fields apart ({@link ReservedNames}), so of
 * several fields of one name the last is read, as the codec does: in a dead letter written before
 * producer fields were kept apart, that is still the runtime's.
 *
 * <p>Immutable and thread-safe.
 */
public record DeadLetterEntry(String id, List<Field> fields) {

    public DeadLetterEntry {
        fields = List.copyOf(fields);
    }

    /** A field's text value (the last field of that name), or {@code null} when absent or not text. */
    public String text(String name) {
        Field f = field(name);
        return f == null ? null : f.valueText();
    }

    /** The last field of that name, or {@code null}. */
    public Field field(String name) {
        int i = lastIndexOf(name);
        return i < 0 ? null : fields.get(i);
    }

    private int lastIndexOf(String name) {
        for (int i = fields.size() - 1; i >= 0; i--) {
            if (fields.get(i).nameText().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the field at index i is the runtime's provenance (the last field of a provenance name). */
    private boolean isProvenance(int i) {
        String name = fields.get(i).nameText();
        return WireFields.PROVENANCE.contains(name) && lastIndexOf(name) == i;
    }

    /** The provenance the runtime wrote, in its order. */
    public List<Field> provenanceFields() {
        List<Field> provenance = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            if (isProvenance(i)) {
                provenance.add(fields.get(i));
            }
        }
        return provenance;
    }

    /** The fields as stored besides the provenance (a producer's {@code eventbus-} fields kept apart). */
    public List<Field> storedOriginalFields() {
        List<Field> original = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            if (!isProvenance(i)) {
                original.add(fields.get(i));
            }
        }
        return original;
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

    /**
     * The fields the producer wrote, under the names it gave them, without provenance or earlier
     * routing markers: what a redrive appends again.
     */
    public List<Field> originalFields() {
        List<Field> original = new ArrayList<>();
        for (Field f : storedOriginalFields()) {
            if (!WireFields.ROUTING.contains(f.nameText())) {
                byte[] name = ReservedNames.restored(f.name());
                original.add(name == f.name() ? f : new Field(name, f.value()));
            }
        }
        return original;
    }

    /**
     * Why this dead letter may not hold all of its entry's fields, or null when it holds them all:
     * the runtime marks one it wrote from an entry it read only in part ({@link WireFields#PARTIAL});
     * one of reason {@code too-large} is taken as partial whatever it says, as those written before
     * that mark kept only the fields that fit without it. A redrive of it would hand the handler an
     * event without its payload and delete the only record of that.
     */
    public String incompleteBecause() {
        if (DeadLetterReason.TOO_LARGE.wireName().equals(reason())) {
            return "reason too-large: it keeps only the fields that fit under consumer.max-event-bytes, not the payload";
        }
        String partial = text(WireFields.PARTIAL);
        return partial == null ? null : "it holds only part of its entry (" + WireFields.PARTIAL + ": " + partial + ")";
    }

    /** Bytes of the payload ({@code data}), 0 when there is none. */
    public int dataSize() {
        Field data = field(WireFields.DATA);
        return data == null ? 0 : data.value().length;
    }
}
