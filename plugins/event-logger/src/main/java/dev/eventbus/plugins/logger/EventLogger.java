package dev.eventbus.plugins.logger;

import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per wallet event, with its metadata and never its payload. A small first-party
 * plugin that shows a handler with no gRPC dependency, and a second consumer group on the sample
 * stream.
 */
@Extension
public class EventLogger implements EventHandler {

    private static final Logger LOG = LoggerFactory.getLogger(EventLogger.class);

    @Override
    public HandlerSpec spec() {
        return HandlerSpec.named("event-logger").consumes("wallet", "wallet.topup.succeeded", "wallet.topup.failed");
    }

    @Override
    public void handle(Event event, HandlerContext context) {
        if ("debug".equals(context.config().getString("level"))) {
            LOG.debug("{}", event);
        } else {
            LOG.info("{}", event);
        }
    }
}
