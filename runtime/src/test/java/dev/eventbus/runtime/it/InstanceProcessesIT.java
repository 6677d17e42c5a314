package dev.eventbus.runtime.it;

import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link OwnershipProof} on one Redis: every instance a process, killed, stopped, frozen and added for real. */
class InstanceProcessesIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    @Test
    void perSubjectOrderHoldsAcrossInstanceProcessesKilledStoppedFrozenAndAdded() throws Exception {
        RedisClient client = RedisClient.create(REDIS.uri());
        try (StatefulRedisConnection<byte[], byte[]> publishing = client.connect(ByteArrayCodec.INSTANCE);
                StatefulRedisConnection<byte[], byte[]> watching = client.connect(ByteArrayCodec.INSTANCE)) {
            new OwnershipProof(
                            REDIS.uri(),
                            env.plugins(),
                            env.orders(),
                            publishing.sync(),
                            watching.sync(),
                            env.plugins().getParent())
                    .run();
        } finally {
            client.shutdown();
        }
    }
}
