package dev.eventbus.runtime.it;

import dev.eventbus.runtime.fixtures.RecordingHandler;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link OwnershipProof} on a Redis Cluster of three primaries: the 8 partitions and their leases
 * spread over the primaries; every instance a process, killed, stopped, frozen and added for real.
 */
class InstanceProcessesClusterIT {

    @RegisterExtension
    static final ClusterFixture ENV = ClusterFixture.with("recorder", RecordingHandler.class);

    @Test
    void perSubjectOrderHoldsAcrossInstanceProcessesOnACluster() throws Exception {
        try (StatefulRedisClusterConnection<byte[], byte[]> publishing =
                        ENV.client().connect(ByteArrayCodec.INSTANCE);
                StatefulRedisClusterConnection<byte[], byte[]> watching =
                        ENV.client().connect(ByteArrayCodec.INSTANCE)) {
            new OwnershipProof(ENV.uri(), ENV.plugins(), ENV.orders(), publishing.sync(), watching.sync(), ENV.dir())
                    .run();
        }
    }
}
