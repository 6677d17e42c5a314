package dev.eventbus.runtime.stream;

import dev.eventbus.api.Event;
import dev.eventbus.producer.EventFields;
import java.util.Set;

/**
 * The wire format's names, spelled once: the fields a producer writes (CloudEvents attribute
 * names), the routing markers the operator tools add, and the provenance the dead-letter writer
 * adds. Every class that reads or writes an entry's fields by name takes the name from here.
 */
public final class WireFields {

    private WireFields() {}

    public static final String TYPE = EventFields.TYPE;
    public static final String ID = EventFields.ID;
    public static final String SUBJECT = EventFields.SUBJECT;
    public static final String SOURCE = EventFields.SOURCE;
    public static final String TIME = EventFields.TIME;
    public static final String DATA = EventFields.DATA;
    public static final String CONTENT_TYPE = EventFields.CONTENT_TYPE;
    public static final String TRACEPARENT = EventFields.TRACEPARENT;

    /** The prefix of every field name the runtime owns; a producer's field with it is kept apart ({@link ReservedNames}). */
    public static final String RESERVED_PREFIX = EventFields.RESERVED_PREFIX;

    /** For the named handler only: every other handler of the stream skips the entry. */
    public static final String TARGET_HANDLER = "eventbus-target-handler";
    /** A replayed copy; the value is the original entry id. */
    public static final String REPLAY = Event.REPLAY_HEADER;
    /** A redriven dead letter; the value is its id in the dead-letter stream. */
    public static final String REDRIVE_OF = "eventbus-redrive-of";

    public static final String REASON = "eventbus-reason";
    public static final String SOURCE_STREAM = "eventbus-source-stream";
    public static final String SOURCE_ID = "eventbus-source-id";
    public static final String HANDLER = "eventbus-handler";
    public static final String PLUGIN = "eventbus-plugin";
    public static final String PLUGIN_VERSION = "eventbus-plugin-version";
    public static final String ATTEMPTS = "eventbus-attempts";
    public static final String FIRST_FAILURE = "eventbus-first-failure";
    public static final String LAST_FAILURE = "eventbus-last-failure";
    public static final String ERROR_CLASS = "eventbus-error-class";
    public static final String ERROR_MESSAGE = "eventbus-error-message";
    /**
     * On a dead letter that holds only part of its entry's fields (an entry over
     * consumer.max-event-bytes is read only in part): what it holds. Such a dead letter is never
     * redriven. Dead letters written before this field was, of reason {@code too-large}, are
     * taken as partial too.
     */
    public static final String PARTIAL = "eventbus-partial";

    /** What the dead-letter writer adds to the original fields. */
    public static final Set<String> PROVENANCE = Set.of(
            REASON,
            SOURCE_STREAM,
            SOURCE_ID,
            HANDLER,
            PLUGIN,
            PLUGIN_VERSION,
            ATTEMPTS,
            FIRST_FAILURE,
            LAST_FAILURE,
            ERROR_CLASS,
            ERROR_MESSAGE,
            PARTIAL);

    /** Routing markers of earlier redrives and replays: replaced, never copied. */
    public static final Set<String> ROUTING = Set.of(TARGET_HANDLER, REPLAY, REDRIVE_OF);
}
