package ${package};

import ${package}.v1.ApplyReply;
import ${package}.v1.ApplyRequest;
import ${package}.v1.${service}Grpc;
import com.google.protobuf.ByteString;
import com.typesafe.config.Config;
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
 * <p>Config: {@link #start} reads it once, when the runtime admits the handler (and again at each
 * reload), so a bad setting refuses the handler at load with the key named, instead of failing
 * every event.
 *
 * <p>Thread-safe: the runtime calls it concurrently, on virtual threads.
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

    private volatile boolean logCalls;

    /** Needed by PF4J. */
    public ApplyHandler() {}

    @Override
    public HandlerSpec spec() {
        return HandlerSpec.named("${pluginId}").consumes(STREAM, TYPE).calls(SERVICE);
    }

    /** Reads this plugin's config (reference.conf, overridden by the operator): a bad value refuses the handler. */
    @Override
    public void start(Config config) {
        logCalls = config.getBoolean("log-calls");
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
        if (logCalls) {
            LOG.info("Apply event={} subject={} attempt={} applied={}", event.id(), event.subject(), event.attempt(), reply.getApplied());
        } else {
            LOG.debug("Apply event={} subject={} attempt={} applied={}", event.id(), event.subject(), event.attempt(), reply.getApplied());
        }
    }
}
