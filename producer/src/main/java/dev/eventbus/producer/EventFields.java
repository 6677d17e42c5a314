package dev.eventbus.producer;

/**
 * The field names of the wire format a producer writes (CloudEvents attribute names; README, "The
 * wire format"). The runtime's own names for these fields are these constants, so the two cannot drift.
 */
public final class EventFields {

    private EventFields() {}

    public static final String TYPE = "type";
    public static final String ID = "id";
    public static final String SUBJECT = "subject";
    public static final String SOURCE = "source";
    public static final String TIME = "time";
    public static final String DATA = "data";
    public static final String CONTENT_TYPE = "datacontenttype";
    public static final String TRACEPARENT = "traceparent";

    /** Field names with this prefix belong to the runtime; a producer does not write them. */
    public static final String RESERVED_PREFIX = "eventbus-";
}
