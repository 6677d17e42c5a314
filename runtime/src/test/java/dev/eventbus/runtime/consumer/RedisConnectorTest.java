package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisConnectionException;
import org.junit.jupiter.api.Test;

class RedisConnectorTest {

    @Test
    void aChannelClosedBeforeTheHandshakeIsNotCalledUnreachable() {
        // As seen from a Sentinel-resolved node that had just refused the previous attempt's password.
        Throwable race = new RedisConnectionException(
                "Unable to connect", new IllegalStateException("RedisHandshakeHandler not registered"));
        assertTrue(RedisConnector.closedDuringHandshake(race));
        // A cluster client only quotes it (seen in a full build: the attempt after a refused password).
        assertTrue(
                RedisConnector.closedDuringHandshake(
                        new io.lettuce.core.RedisException(
                                "Cannot retrieve cluster partitions from [redis://127.0.0.1:7000]\n\nDetails:\n\t[redis://127.0.0.1:7000]: "
                                        + "Unable to connect to [127.0.0.1/<unresolved>:7000]: RedisHandshakeHandler not registered\n")));
    }

    @Test
    void otherFailuresAreNot() {
        assertFalse(RedisConnector.closedDuringHandshake(
                new RedisConnectionException("Unable to connect to 127.0.0.1:1", new java.net.ConnectException())));
        assertFalse(RedisConnector.closedDuringHandshake(new IllegalStateException("something else")));
        assertFalse(RedisConnector.closedDuringHandshake(new IllegalStateException()));
    }
    /** Found from outside: SIGTERM during start-up waited out a connect back-off of up to 30 s. */
    @Test
    void aBackOffEndsAsSoonAsStoppingTurnsTrue() {
        long start = System.nanoTime();
        java.util.function.BooleanSupplier stopping = () ->
                System.nanoTime() - start > java.time.Duration.ofMillis(200).toNanos();
        assertFalse(RedisConnector.pause(java.time.Duration.ofSeconds(30), stopping));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMillis < 5000, "took " + tookMillis + " ms");
        assertTrue(
                RedisConnector.pause(java.time.Duration.ofMillis(20), () -> false), "a back-off not stopped runs out");
    }

    /**
     * Found from outside, as Lettuce words it for a cluster user without {@code +cluster|nodes}:
     * reported as an unreachable Redis, though the README promises a missing permission.
     */
    @Test
    void aRefusedClusterNodesIsAMissingPermissionNamingTheRule() {
        RuntimeException e = new io.lettuce.core.RedisException(
                "Cannot retrieve cluster partitions from [rediss://u:****@127.0.0.1:7100?timeout=10s]\n\nDetails:\n"
                        + "\t[rediss://u:****@127.0.0.1:7100?timeout=10s]: NOPERM this user has no permissions to run "
                        + "the 'cluster|nodes' command\n");
        String why = MissingPermission.describe(new IllegalStateException("wrapped", e));
        assertTrue(
                why != null && why.contains("may not run 'cluster|nodes'") && why.contains("add +cluster|nodes"), why);
        assertTrue(MissingPermission.describe(new io.lettuce.core.RedisCommandExecutionException(
                        "NOPERM this user has no permissions to access one of the keys used as arguments"))
                .contains("lacks a permission (NOPERM this user has no permissions to access"));
        assertEquals(
                null,
                MissingPermission.describe(new RedisConnectionException(
                        "Unable to connect to 127.0.0.1:1", new java.net.ConnectException())));
    }
}
