package dev.eventbus.runtime.dispatch;

import org.slf4j.MDC;

/**
 * Puts the handler, plugin, stream, entry and event ids into the logging context (MDC) for the
 * call, so every line the handler logs carries them, and clears it afterwards.
 */
final class LoggingContextStep implements HandlerCall.Step {

    @Override
    public HandlerCall around(HandlerCall next) {
        return invocation -> {
            var handler = invocation.subscription().handler();
            try {
                // Put one by one: on a worker that already ran an event, a thread-local round trip is
                // cheap, while a whole map (setContextMap) is built twice, once here and once as a copy.
                MDC.put("handler", handler.name());
                MDC.put("plugin", handler.pluginId());
                MDC.put("stream", invocation.entry().stream());
                MDC.put("entry", invocation.entry().id());
                MDC.put("event", invocation.event().id());
                next.call(invocation);
            } finally {
                MDC.clear();
            }
        };
    }
}
