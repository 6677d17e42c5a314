package dev.eventbus.runtime.consumer;

import java.util.regex.Pattern;

/**
 * A Redis that answers but cannot serve this configuration, told apart from one that does not
 * answer: a refused login, a sentinel URI naming a master its sentinels do not monitor, a cluster
 * URI at a server without cluster support, a sentinel URI at a node that is not a sentinel. Waiting does not mend these; someone has to, so each
 * says what to check. (A missing ACL permission is {@link MissingPermission}'s.)
 *
 * <p>Stateless and thread-safe.
 */
public final class RedisMisconfiguration {

    /** Lettuce's words when no sentinel knows the master: "... using sentinel for masterId orders". */
    private static final Pattern UNKNOWN_MASTER = Pattern.compile("using sentinel for masterId (\\S+)");

    private static final Pattern CLUSTER_DISABLED = Pattern.compile("cluster support disabled");

    /**
     * A data node's (or a cluster node's) answer to the sentinel question. Lettuce reports it only
     * as a suppressed exception of "Cannot obtain master using SENTINEL MASTER. Command timed out
     * after 10 second(s)", though it came in milliseconds: that said "unreachable" (found from outside).
     */
    private static final Pattern NOT_A_SENTINEL =
            Pattern.compile("ERR unknown command .SENTINEL.", Pattern.CASE_INSENSITIVE);

    private RedisMisconfiguration() {}

    /**
     * What is wrong, worded to follow "Redis at &lt;uri&gt; answers, but", or {@code null} when the
     * failure is none of these.
     */
    public static String describe(Throwable failure) {
        String refusal = RedisAuthFailure.refusal(failure);
        if (refusal != null && !refusal.startsWith("NOPERM")) {
            return "refused the login (" + refusal + "): check the user and password of eventbus.redis.uri "
                    + "(or eventbus.redis.password-file)";
        }
        String master = FailureText.find(failure, UNKNOWN_MASTER);
        if (master != null) {
            return "its sentinels monitor no master named '" + master + "': the name after '#' in "
                    + "eventbus.redis.uri must be the one of their 'sentinel monitor' line (SENTINEL MASTERS "
                    + "on a sentinel lists them)";
        }
        if (FailureText.find(failure, CLUSTER_DISABLED) != null) {
            return "is not a Redis Cluster node (ERR This instance has cluster support disabled): for one "
                    + "server use a redis:// URI, not redis-cluster://";
        }
        if (FailureText.find(failure, NOT_A_SENTINEL) != null) {
            return "is not a sentinel (ERR unknown command 'SENTINEL'): name the sentinels in a "
                    + "redis-sentinel:// URI, or use redis:// for one server";
        }
        return null;
    }
}
