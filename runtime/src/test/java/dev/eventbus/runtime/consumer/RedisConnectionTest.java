package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisConnectionTest {

    private static final String ID_A = "a".repeat(40);
    private static final String ID_B = "b".repeat(40);
    private static final String ID_C = "c".repeat(40);
    private static final String ID_D = "d".repeat(40);

    private static String line(String id, String address, String flags, String master, String slots) {
        return id + " " + address + " " + flags + " " + master + " 0 0 1 connected"
                + (slots.isEmpty() ? "" : " " + slots) + "\n";
    }

    @Test
    void everySlotServedByALivePrimaryLeavesNoneWithout() {
        String nodes = line(ID_A, "127.0.0.1:7000@17000", "myself,master", "-", "0-5460")
                + line(ID_B, "127.0.0.1:7001@17001", "master", "-", "5461-10922")
                + line(ID_C, "127.0.0.1:7002@17002", "master", "-", "10923-16383")
                + line(ID_D, "127.0.0.1:7003@17003", "slave", ID_A, "");
        assertEquals(0, RedisConnection.slotsWithoutPrimary(ClusterPartitionParser.parse(nodes)));
    }

    @Test
    void aFailedPrimarysSlotsAndSlotsOfNoNodeCountAsWithout() {
        // A failed primary keeps its slots in CLUSTER NODES until a replica takes them: not served.
        String failed = line(ID_A, "127.0.0.1:7000@17000", "myself,master", "-", "0-5460")
                + line(ID_B, "127.0.0.1:7001@17001", "master,fail", "-", "5461-10922")
                + line(ID_C, "127.0.0.1:7002@17002", "master", "-", "10923-16383");
        assertEquals(5462, RedisConnection.slotsWithoutPrimary(ClusterPartitionParser.parse(failed)));
        // A suspected one (fail?) still serves: its commands fail, and say so, node by node.
        String suspected = failed.replace("master,fail", "master,fail?");
        assertEquals(0, RedisConnection.slotsWithoutPrimary(ClusterPartitionParser.parse(suspected)));
        // A node the client dropped from its view (NOADDR): its slots have no primary at all.
        String dropped = line(ID_A, "127.0.0.1:7000@17000", "myself,master", "-", "0-5460")
                + line(ID_B, ":0@0", "master,noaddr", "-", "5461-10922")
                + line(ID_C, "127.0.0.1:7002@17002", "master", "-", "10923-16383");
        assertEquals(5462, RedisConnection.slotsWithoutPrimary(ClusterPartitionParser.parse(dropped)));
    }

    @Test
    void primaryAddressesPutAnIpv6HostInBrackets() {
        // CLUSTER NODES writes an IPv6 node without brackets; a message would say "::1:7000".
        String nodes = line(ID_A, "::1:7000@17000", "myself,master", "-", "0-8191")
                + line(ID_B, "127.0.0.1:7001@17001", "master", "-", "8192-16383")
                + line(ID_C, "::1:7002@17002", "slave", ID_A, "");
        assertEquals(
                List.of("[::1]:7000", "127.0.0.1:7001"),
                RedisConnection.primaryAddresses(ClusterPartitionParser.parse(nodes)));
    }
}
