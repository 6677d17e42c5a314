package ${package};

import ${package}.v1.ApplyReply;
import ${package}.v1.ApplyRequest;
import ${package}.v1.${service}Grpc;
import com.google.protobuf.ByteString;
import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.api.NonRetriableEventException;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls {@code ${service}/Apply} for each {@code example.created} event of the stream
 * {@code example}, on the channel the runtime lends for the declared service.
 *
 * <p>Outcomes: returning acknowledges the event; {@link NonRetriableEventException} (an event that
 * can never succeed, here one without a subject) dead-letters it; a gRPC failure propagates and the
 * runtime classifies its status (UNAVAILABLE is retried, INVALID_ARGUMENT dead-lettered).
 *
 * <p>Stateless and thread-safe: the runtime calls it concurrently, on virtual threads.
 */
@Extension
public class ApplyHandler implements EventHandler {

    /** The service this handler calls, as declared; operators give its target in the runtime's config. */
    public static final String SERVICE = ${service}Grpc.SERVICE_NAME;
    /** The stream this handler reads, in its own consumer group (named after the handler). */
    public static final String STREAM = "example";
    /** The event type it handles; other types on the stream are acknowledged without a call. */
    public static final String TYPE = "example.created";

    private static final Logger LOG = LoggerFactory.getLogger(ApplyHandler.class);

    /** Needed by PF4J. */
    public ApplyHandler() {}

    @Override
    public HandlerSpec spec() {
        return HandlerSpec.named("${pluginId}").consumes(STREAM, TYPE).calls(SERVICE);
    }

    @Override
    public void handle(Event event, HandlerContext context) {
        if (event.subject() == null || event.subject().isBlank()) {
            throw new NonRetriableEventException(event.type() + " event " + event.id() + " has no subject");
        }
        ApplyRequest request = ApplyRequest.newBuilder()
                .setEventId(event.id())
                .setType(event.type())
                .setSubject(event.subject())
                .setData(ByteString.copyFrom(event.data()))
                .build();
        ApplyReply reply = ${service}Grpc.newBlockingStub(context.channel(SERVICE)).apply(request);
        if (context.config().getBoolean("log-calls")) {
            LOG.info("Apply event={} subject={} attempt={} applied={}", event.id(), event.subject(), event.attempt(), reply.getApplied());
        } else {
            LOG.debug("Apply event={} subject={} attempt={} applied={}", event.id(), event.subject(), event.attempt(), reply.getApplied());
        }
    }
}
