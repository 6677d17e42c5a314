package dev.eventbus.testkit;

import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import java.util.function.Supplier;
import org.pf4j.Extension;

/**
 * A plugin handler fixture for {@link PluginJarBuilderTest}: it has a nested, an inner and an
 * anonymous class, so that the builder must copy all three for PF4J to run it.
 */
@Extension
public class GreetingHandler implements EventHandler {

    @Override
    public HandlerSpec spec() {
        return HandlerSpec.named("greeter").consumes("greetings", "greeting.sent");
    }

    @Override
    public void handle(Event event, HandlerContext context) {
        Supplier<String> anonymous = new Supplier<>() {
            @Override
            public String get() {
                return new Inner().text(new Nested(event.dataAsString()));
            }
        };
        if (anonymous.get().isEmpty()) {
            throw new IllegalStateException("empty greeting");
        }
    }

    static final class Nested {
        final String name;

        Nested(String name) {
            this.name = name;
        }
    }

    final class Inner {
        String text(Nested nested) {
            return nested.name.isEmpty() ? "" : "hello " + nested.name;
        }
    }
}
