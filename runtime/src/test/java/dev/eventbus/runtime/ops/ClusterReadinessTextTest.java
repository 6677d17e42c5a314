package dev.eventbus.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ConnectException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What readiness says of a cluster's primaries that do not answer. */
class ClusterReadinessTextTest {

    private static final Map<String, Throwable> REFUSED =
            Map.of("10.0.0.7:7000", new ConnectException("Connection refused"));

    /** Found from outside: a one-node or Sentinel readiness said why reconnecting failed, a cluster's did not. */
    @Test
    void aPrimaryThatDoesNotAnswerIsNamedWithWhyItsConnectionFailsToReconnect() {
        assertEquals(
                "primary 10.0.0.7:7000 does not answer (reconnecting: ConnectException: Connection refused; "
                        + "2 of 3 primaries do)",
                FailFastRedis.silentPrimaries(List.of("10.0.0.7:7000"), 3, a -> Optional.ofNullable(REFUSED.get(a))));
        assertEquals(
                "primary 10.0.0.7:7000, 10.0.0.8:7000 does not answer (10.0.0.7:7000 reconnecting: "
                        + "ConnectException: Connection refused; 1 of 3 primaries do)",
                FailFastRedis.silentPrimaries(
                        List.of("10.0.0.7:7000", "10.0.0.8:7000"), 3, a -> Optional.ofNullable(REFUSED.get(a))));
        assertEquals(
                "does not answer (reconnecting: ConnectException: Connection refused)",
                FailFastRedis.silentPrimaries(List.of("10.0.0.7:7000"), 1, a -> Optional.ofNullable(REFUSED.get(a))));
    }

    @Test
    void withoutAFailedAttemptItSaysWhatItSaidBefore() {
        assertEquals(
                "primary 10.0.0.8:7000 does not answer (2 of 3 primaries do)",
                FailFastRedis.silentPrimaries(List.of("10.0.0.8:7000"), 3, a -> Optional.empty()));
        assertEquals("does not answer", FailFastRedis.silentPrimaries(List.of("a:1", "b:1"), 2, a -> Optional.empty()));
        assertEquals("", FailFastRedis.silentPrimaries(List.of(), 3, a -> Optional.empty()));
    }
}
