package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Settings under a handler name no handler has change nothing: {@code run} and {@code config check}
 * warn, and {@code run}, when handlers were refused (so their names are missing from those there
 * are), asks whether the name is one of theirs before suggesting a typo only.
 */
class ConfiguredForNoneTest {

    private static final RuntimeConfig CONFIG = ConfigLoader.load(
            Optional.empty(), ConfigFactory.parseString("eventbus.handlers.mark-order-payd.max-in-flight = 4"));

    @Test
    void aHandlerNameNobodyHasIsAWarningThatAsksAboutRefusedHandlersWhenThereWereSome() {
        List<String> none = CONFIG.handlersConfiguredForNone(List.of("mark-order-paid"), false);
        assertEquals(1, none.size(), none.toString());
        assertTrue(none.get(0).startsWith("eventbus.handlers.mark-order-payd is set ("), none.get(0));
        assertTrue(
                none.get(0)
                        .endsWith(
                                "but no handler has the name 'mark-order-payd' (handlers: mark-order-paid): its "
                                        + "settings change nothing until a handler of that name is admitted; is the name misspelt?"),
                none.get(0));

        List<String> refused = CONFIG.handlersConfiguredForNone(List.of("mark-order-paid"), true);
        assertEquals(none.get(0) + " Or is it a handler refused above?", refused.get(0));

        assertEquals(List.of(), CONFIG.handlersConfiguredForNone(List.of("mark-order-payd"), true));
    }
}
