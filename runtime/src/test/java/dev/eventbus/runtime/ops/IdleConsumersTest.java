package dev.eventbus.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdleConsumersTest {

    private final LiveInstances live = new IdleConsumers(Duration.ofHours(1), Set.of("me"));

    @Test
    void aConsumerIdleForTheThresholdIsAGhost() {
        assertTrue(live.isLive("other", 3_599_999));
        assertFalse(live.isLive("other", 3_600_000));
    }

    @Test
    void thisInstancesConsumerIsLiveWhateverItsIdleTime() {
        assertTrue(live.isLive("me", 86_400_000));
    }

    @Test
    void anUnknownIdleTimeIsNoEvidenceOfDeath() {
        assertTrue(live.isLive("other", -1));
    }
}
