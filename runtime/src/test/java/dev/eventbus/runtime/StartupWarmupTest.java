package dev.eventbus.runtime;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StartupWarmupTest {

    @Test
    void warmsUpOnlyForTheCommandsThatStartTheRuntime() {
        assertTrue(StartupWarmup.wanted(new String[] {"run"}));
        assertTrue(StartupWarmup.wanted(new String[] {"dev", "--redis", "redis://x"}));
        assertFalse(StartupWarmup.wanted(new String[] {"--version"}));
        assertFalse(StartupWarmup.wanted(new String[] {"status"}));
        assertFalse(StartupWarmup.wanted(new String[] {}));
    }

    @Test
    void everyClassItWarmsIsOnTheRuntimeClassPath() {
        // A renamed or dropped class would make the warm-up a silent no-op: its catch hides that.
        for (String name : StartupWarmup.CLASSES) {
            assertDoesNotThrow(() -> Class.forName(name, false, StartupWarmup.class.getClassLoader()), name);
        }
    }
}
