package dev.eventbus.testkit.runtime;

import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.api.NonRetriableEventException;

/** A handler of the test class path, packed into a plugin by {@code PluginJarBuilder} in {@link EventbusExtensionIT}. */
public class GreetingHandler implements EventHandler {

    @Override
    public HandlerSpec spec() {
        return HandlerSpec.named("greeter").consumes("greetings", "greeting.sent");
    }

    @Override
    public void handle(Event event, HandlerContext context) throws InterruptedException {
        if ("slow".equals(event.dataAsString())) {
            Thread.sleep(60_000); // until the runtime's timeout interrupts it
        }
        if (event.data().length == 0) {
            throw new NonRetriableEventException("a greeting without a name");
        }
    }
}
