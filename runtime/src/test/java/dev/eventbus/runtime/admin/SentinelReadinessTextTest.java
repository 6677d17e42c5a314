package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.runtime.consumer.SentinelAnswers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Found from outside: with every sentinel down, readiness said "the primary the sentinels name" of
 * the primary its connection stayed on. What it says follows what the sentinels last answered.
 */
class SentinelReadinessTextTest {

    @Test
    void theSentinelsAnswersDecideWhatIsSaidOfThePrimary() {
        assertEquals(
                "the primary the sentinels name",
                HealthChecks.sentinelsSay(Optional.of(new SentinelAnswers.Round(Map.of(), 3))));
        Map<String, String> silent = new LinkedHashMap<>();
        silent.put("127.0.0.1:7330", "ConnectException: Connection refused");
        assertEquals(
                "the primary the sentinels name; 1 of 3 sentinels does not answer: ConnectException: Connection "
                        + "refused (127.0.0.1:7330)",
                HealthChecks.sentinelsSay(Optional.of(new SentinelAnswers.Round(silent, 3))));
        silent.put("127.0.0.1:7331", "ConnectException: Connection refused");
        silent.put("127.0.0.1:7332", "ConnectException: Connection refused");
        assertEquals(
                "the primary the sentinels named last; no sentinel answers: ConnectException: Connection refused "
                        + "(127.0.0.1:7330, 127.0.0.1:7331, 127.0.0.1:7332)",
                HealthChecks.sentinelsSay(Optional.of(new SentinelAnswers.Round(silent, 3))));
        assertEquals("the primary the sentinels named", HealthChecks.sentinelsSay(Optional.empty()));
    }
}
