package dev.eventbus.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RedisClusterIT {

    @Test
    void threePrimariesWithReplicasServeEverySlotAndFailOverWhenOneIsKilled() {
        RedisCluster cluster = RedisCluster.start();
        try (cluster) {
            assertEquals(6, cluster.nodes().size());
            assertEquals(3, cluster.primaries().size());
            // Keys spread over the primaries: "a", "b", "c"... land in different slots.
            Set<Integer> owners = new HashSet<>();
            for (String key : List.of("a", "b", "c", "d", "e", "f", "g", "h")) {
                owners.add(cluster.primaryOf(key).port());
            }
            assertEquals(3, owners.size(), "keys on all three primaries");
            assertEquals(cluster.slot("{wallet}.retry"), cluster.slot("wallet"), "a hash tag picks the slot");

            RedisServer owner = cluster.primaryOf("wallet");
            try (RespClient client = RespClient.connect(owner.uri())) {
                client.call("XADD", "wallet", "*", "type", "t");
                assertEquals(1L, client.call("WAIT", "1", "5000"), "the replica acknowledges the write");
            }

            RedisServer before = cluster.primaryOf("wallet");
            RedisServer other = cluster.primaries().stream()
                    .filter(p -> !p.equals(before))
                    .findFirst()
                    .orElseThrow();
            cluster.migrateSlot(cluster.slot("wallet"), other, Duration.ZERO);
            assertEquals(other, cluster.primaryOf("wallet"), "the slot moved");
            try (RespClient client = RespClient.connect(other.uri())) {
                assertEquals(1L, client.call("XLEN", "wallet"), "with its key");
                client.call("XADD", "wallet", "*", "type", "t");
                assertEquals(1L, client.call("WAIT", "1", "5000"), "the new owner's replica acknowledges");
                assertTrue(cluster.killClients() >= 1, "this client's connection among those closed");
            }

            RedisServer killed = cluster.killPrimaryOf("wallet");
            assertFalse(killed.isRunning());
            cluster.awaitFailover(killed, Duration.ofSeconds(30));

            RedisServer promoted = cluster.primaryOf("wallet");
            assertNotEquals(killed.port(), promoted.port());
            assertTrue(promoted.isRunning());
            assertEquals(3, cluster.primaries().size(), "the promoted replica replaces the dead primary");
            try (RespClient client = RespClient.connect(promoted.uri())) {
                assertEquals(2L, client.call("XLEN", "wallet"), "replicated writes survive the failover");
            }
        }
        assertTrue(cluster.nodes().stream().noneMatch(RedisServer::isRunning));
    }
}
