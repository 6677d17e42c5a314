package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Bytes;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * Creates a subscription's consumer group (and the stream, with MKSTREAM) when it does not exist.
 * An existing group is left where it is: BUSYGROUP is success.
 */
public final class GroupBootstrap {

    private GroupBootstrap() {}

    /**
     * @param start where a new group starts: "0" or "$"
     * @return true when the group was created now
     */
    public static boolean ensure(
            RedisClusterCommands<byte[], byte[]> redis, String stream, String group, String start) {
        try {
            redis.xgroupCreate(
                    StreamOffset.from(Bytes.utf8(stream), start),
                    Bytes.utf8(group),
                    XGroupCreateArgs.Builder.mkstream());
            return true;
        } catch (RedisBusyException e) {
            return false;
        }
    }
}
