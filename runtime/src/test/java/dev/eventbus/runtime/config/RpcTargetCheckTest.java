package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service target gRPC cannot read is a config problem naming the key, value and line: config
 * check passed {@code "not a target::::"} and {@code "http://orders:50051/x y"}, and run ended with
 * gRPC's own words (found from outside).
 */
class RpcTargetCheckTest {

    private static final List<String> READ = List.of(
            "orders:50051",
            "orders",
            "127.0.0.1:50051",
            "[::1]:50051",
            "localhost",
            "orders.internal:50051",
            "dns:///orders:50051",
            "dns://8.8.8.8/orders:50051",
            "unix:/run/orders.sock",
            "unix:///run/orders.sock");

    private static final List<String> REFUSED = List.of(
            "not a target::::",
            "http://orders:50051/x y",
            "http://orders:50051",
            "xds:///orders",
            "orders:abc",
            " orders:50051",
            "a_b:1",
            "::1");

    @TempDir
    Path dir;

    @Test
    void theCheckAgreesWithTheChannelGrpcBuildsForEachTarget() {
        EventLoopGroup group = new NioEventLoopGroup(1);
        try {
            for (String target : READ) {
                assertNull(RpcTargetCheck.problem(target), target);
                build(target, group).shutdownNow();
            }
            for (String target : REFUSED) {
                assertTrue(RpcTargetCheck.problem(target) != null, target);
                assertThrows(IllegalArgumentException.class, () -> build(target, group), target);
            }
            // gRPC builds this channel, but its resolver fails at every call (TRANSIENT_FAILURE): dns: takes a path.
            assertTrue(RpcTargetCheck.problem("dns:orders:50051") != null);
        } finally {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** As RpcChannelRegistry opens a channel (an event loop group and a socket channel of its own). */
    private static ManagedChannel build(String target, EventLoopGroup group) {
        return NettyChannelBuilder.forTarget(target, InsecureChannelCredentials.create())
                .eventLoopGroup(group)
                .channelType(NioSocketChannel.class)
                .build();
    }

    @Test
    void aTargetGrpcCannotReadIsAProblemNamingKeyValueLineAndTheForms() throws IOException {
        Path f = Files.writeString(dir.resolve("application.conf"), """
                eventbus.grpc.services {
                  "orders.v1.OrderService".target = "not a target::::"
                  "billing.v1.Billing".target = "http://orders:50051/x y"
                }
                """);
        List<String> problems = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f)))
                .problems();
        String forms = "; give one of host:port (a name, an IPv4 address or [IPv6]:port), dns:///host:port, "
                + "dns://<DNS server>/host:port, or unix:/path/to/socket";
        assertEquals(
                List.of(
                        "eventbus.grpc.services.\"billing.v1.Billing\".target = \"http://orders:50051/x y\" (" + f
                                + ": 3): gRPC has no name resolver for it (Illegal character in path at index 21: "
                                + "http://orders:50051/x y)" + forms,
                        "eventbus.grpc.services.\"orders.v1.OrderService\".target = \"not a target::::\" (" + f
                                + ": 2): gRPC cannot read it (Illegal character in authority at index 5: "
                                + "//not a target::::)" + forms),
                problems);
    }
}
