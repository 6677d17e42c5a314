package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.admin.v1.Plugin;
import dev.eventbus.admin.v1.ReloadPluginResponse;
import org.junit.jupiter.api.Test;

/** The line `plugins reload` prints, also for a plugin no version of which ran before (refused). */
class PluginsReloadOutputTest {

    private static final Plugin NOW = Plugin.newBuilder()
            .setId("payments")
            .setVersion("1.3.0")
            .setSource("payments-1.3.0.jar")
            .build();

    @Test
    void namesTheVersionThatRanBefore() {
        assertEquals(
                "payments 1.3.0 running, reloaded from payments-1.3.0.jar (was 1.2.0)",
                PluginsCommand.reloaded(ReloadPluginResponse.newBuilder()
                        .setPlugin(NOW)
                        .setPreviousVersion("1.2.0")
                        .build()));
    }

    @Test
    void aPluginThatWasRefusedBeforeSaysItWasNotRunning() {
        assertEquals(
                "payments 1.3.0 running, reloaded from payments-1.3.0.jar (was not running)",
                PluginsCommand.reloaded(
                        ReloadPluginResponse.newBuilder().setPlugin(NOW).build()));
    }
}
