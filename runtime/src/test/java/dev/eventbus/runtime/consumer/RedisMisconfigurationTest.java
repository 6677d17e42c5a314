package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import org.junit.jupiter.api.Test;

/** Lettuce's words for a Redis that answers but cannot serve the configuration, as seen from outside. */
class RedisMisconfigurationTest {

    /** As a cluster client words a wrong password: each seed's reply only quoted in the message. */
    private static final String CLUSTER_WRONGPASS = "Cannot retrieve cluster partitions from "
            + "[redis://ev:*****@127.0.0.1:30001?timeout=10s]\n\nDetails:\n\t[redis://ev:*****@127.0.0.1:30001"
            + "?timeout=10s]: Unable to connect to [127.0.0.1/<unresolved>:30001]: WRONGPASS invalid "
            + "username-password pair or user is disabled.\n";

    @Test
    void aWrongPasswordQuotedByTheClusterClientIsARefusedLogin() {
        RedisException e = new RedisException(CLUSTER_WRONGPASS);
        assertEquals(
                "WRONGPASS invalid username-password pair or user is disabled.",
                RedisAuthFailure.refusal(new IllegalStateException("wrapped", e)));
        String why = RedisMisconfiguration.describe(e);
        assertTrue(why.startsWith("refused the login (WRONGPASS"), why);
        assertTrue(why.contains("check the user and password of eventbus.redis.uri"), why);
    }

    @Test
    void aMasterTheSentinelsDoNotMonitorIsNamed() {
        String why = RedisMisconfiguration.describe(
                new RedisConnectionException("Cannot provide redisAddress using sentinel for masterId order"));
        assertTrue(why.startsWith("its sentinels monitor no master named 'order'"), why);
        assertTrue(why.contains("'sentinel monitor' line"), why);
    }

    @Test
    void aClusterUriAtAServerWithoutClusterSupportIsNamed() {
        RedisException e = new RedisException("Cannot retrieve cluster partitions from [redis://127.0.0.1:6379]"
                + "\n\nDetails:\n\t[redis://127.0.0.1:6379]: ERR This instance has cluster support disabled\n");
        String why = RedisMisconfiguration.describe(e);
        assertTrue(why.startsWith("is not a Redis Cluster node (ERR This instance has cluster support disabled)"), why);
        assertTrue(why.contains("use a redis:// URI, not redis-cluster://"), why);
    }

    /**
     * As Lettuce reports a sentinel URI at a plain redis-server (or a cluster node): a timeout it
     * never waited for, the node's real answer only a suppressed exception of it. Found from
     * outside: logged as "unreachable", readiness "does not answer".
     */
    @Test
    void aSentinelUriAtANodeThatIsNotASentinelIsNamed() {
        RedisCommandTimeoutException timeout = new RedisCommandTimeoutException(
                "Cannot obtain master using SENTINEL MASTER. Command timed out after 10 second(s)");
        timeout.addSuppressed(new RedisCommandExecutionException(
                "ERR unknown command 'SENTINEL', with args beginning with: 'get-master-addr-by-name' 'orders' "));
        String why = RedisMisconfiguration.describe(new RedisConnectionException(null, timeout));
        assertEquals(
                "is not a sentinel (ERR unknown command 'SENTINEL'): name the sentinels in a redis-sentinel:// URI, "
                        + "or use redis:// for one server",
                why);
    }

    @Test
    void networkTroubleAndAMissingPermissionAreNotMisconfigurations() {
        assertNull(RedisMisconfiguration.describe(
                new RedisConnectionException("Unable to connect to 127.0.0.1:1", new java.net.ConnectException())));
        assertNull(RedisMisconfiguration.describe(new RedisCommandExecutionException(
                "NOPERM this user has no permissions to run the 'cluster|nodes' command")));
    }
}
