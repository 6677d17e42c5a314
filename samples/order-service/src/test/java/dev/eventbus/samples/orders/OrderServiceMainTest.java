package dev.eventbus.samples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Runs {@link OrderServiceMain} as a child process, the way end-to-end tests and dev mode do. */
class OrderServiceMainTest {

    private static final Pattern LISTENING = Pattern.compile("order-service listening on 127\\.0\\.0\\.1:(\\d+)");

    @Test
    void printsTheListeningLineThenOneLinePerCallAndStopsOnSigterm() throws Exception {
        Path stderr = Files.createTempFile("order-service-", ".stderr");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        OrderServiceMain.class.getName(),
                        "--port",
                        "0")
                .redirectError(stderr.toFile())
                .start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            assertNotNull(first, () -> "the child printed nothing; stderr: " + readQuietly(stderr));
            Matcher m = LISTENING.matcher(first);
            assertTrue(m.matches(), "first line: " + first);
            int port = Integer.parseInt(m.group(1));

            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                    .usePlaintext()
                    .build();
            try {
                Metadata headers = new Metadata();
                headers.put(OrderServer.IDEMPOTENCY_KEY, "k-7");
                headers.put(OrderServer.ATTEMPT, "1");
                var stub = OrderServiceGrpc.newBlockingStub(channel)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                        .withDeadlineAfter(10, TimeUnit.SECONDS);
                assertTrue(stub.markPaid(MarkPaidRequest.newBuilder()
                                .setOrderId("o-7")
                                .setWalletId("w-7")
                                .setAmountCents(700)
                                .build())
                        .getApplied());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            assertEquals(
                    "order-service: MarkPaid order=o-7 wallet=w-7 amount=700 key=k-7 attempt=1 applied=true",
                    out.readLine());

            process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of stdout
            assertEquals("order-service stopped", out.readLine());
            assertTrue(process.waitFor(10, TimeUnit.SECONDS), "the child did not stop on SIGTERM");
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(stderr);
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
