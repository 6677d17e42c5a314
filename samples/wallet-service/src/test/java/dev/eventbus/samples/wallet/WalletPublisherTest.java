package dev.eventbus.samples.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Publishes to a redis-server this test starts on a free loopback port, and reads the entries back. */
class WalletPublisherTest {

    private static Process redisServer;
    private static String redisUri;

    @BeforeAll
    static void startRedis() throws Exception {
        IOException last = null;
        for (int tries = 0; tries < 3 && redisServer == null; tries++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Process p = new ProcessBuilder(
                            "redis-server",
                            "--port",
                            Integer.toString(port),
                            "--bind",
                            "127.0.0.1",
                            "--save",
                            "",
                            "--appendonly",
                            "no")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                awaitPong(port, p);
                redisServer = p;
                redisUri = "redis://127.0.0.1:" + port;
            } catch (IOException e) {
                last = e;
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (redisServer == null) {
            throw new IllegalStateException("could not start redis-server (it must be on the PATH)", last);
        }
    }

    private static void awaitPong(int port, Process process) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[7];
                int n = in.readNBytes(buf, 0, 7);
                if (n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
                    return;
                }
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("redis-server on port " + port + " did not answer PING", e);
                }
            }
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        if (redisServer != null) {
            redisServer.destroy();
            if (!redisServer.waitFor(5, TimeUnit.SECONDS)) {
                redisServer.destroyForcibly();
            }
        }
    }

    private static List<StreamMessage<String, String>> entries(String stream) {
        RedisClient client = RedisClient.create(redisUri);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().xrange(stream, Range.create("-", "+"));
        } finally {
            client.shutdown();
        }
    }

    @Test
    void publishesATopupInTheWireFormat() {
        String stream = "wallet-" + UUID.randomUUID();
        Instant before = Instant.now().minusSeconds(1);
        String entryId;
        try (WalletPublisher wallet = new WalletPublisher(redisUri, stream)) {
            assertEquals(stream, wallet.stream());
            entryId = wallet.publishTopup("w-42", "o-1001", 1250);
        }

        List<StreamMessage<String, String>> entries = entries(stream);
        assertEquals(1, entries.size());
        StreamMessage<String, String> entry = entries.get(0);
        assertEquals(entryId, entry.getId());
        Map<String, String> fields = entry.getBody();
        assertEquals("wallet.topup.succeeded", fields.get("type"));
        assertEquals("w-42", fields.get("subject"));
        assertEquals("wallet-service", fields.get("source"));
        assertEquals("application/json", fields.get("datacontenttype"));
        assertEquals("{\"orderId\":\"o-1001\",\"walletId\":\"w-42\",\"amountCents\":1250}", fields.get("data"));
        UUID.fromString(fields.get("id")); // a UUID, or this throws
        Instant time = Instant.from(DateTimeFormatter.ISO_INSTANT.parse(fields.get("time")));
        assertTrue(!time.isBefore(before) && !time.isAfter(Instant.now().plusSeconds(1)), "time " + time);
        assertEquals(7, fields.size(), "no fields beyond the wire format's: " + fields.keySet());
    }

    @Test
    void eachEventGetsItsOwnIdUnlessOneIsGiven() {
        String stream = "wallet-" + UUID.randomUUID();
        try (WalletPublisher wallet = new WalletPublisher(redisUri, stream)) {
            wallet.publishTopup("w-1", "o-1", 100);
            wallet.publishTopup("w-1", "o-2", 200);
            wallet.publishTopup("w-2", "o-3", 300, "evt-fixed");
            wallet.publishTopupFailed("w-3", "o-4", 400, "card_declined");
        }
        List<StreamMessage<String, String>> entries = entries(stream);
        assertEquals(4, entries.size());
        assertNotEquals(
                entries.get(0).getBody().get("id"), entries.get(1).getBody().get("id"));
        assertEquals("evt-fixed", entries.get(2).getBody().get("id"));
        Map<String, String> failed = entries.get(3).getBody();
        assertEquals("wallet.topup.failed", failed.get("type"));
        assertEquals("w-3", failed.get("subject"));
        assertEquals(
                "{\"orderId\":\"o-4\",\"walletId\":\"w-3\",\"amountCents\":400,\"reason\":\"card_declined\"}",
                failed.get("data"));
    }

    @Test
    void jsonStringsAreEscaped() {
        assertEquals(
                "{\"orderId\":\"o\\\"1\\\\\",\"walletId\":\"w\\n\\u0001\",\"amountCents\":-5}",
                WalletPublisher.topupData("o\"1\\", "w\n\u0001", -5, null));
    }

    @Test
    void parsesTheCommandLine() {
        WalletServiceMain.Options defaults = WalletServiceMain.parse(new String[0]);
        assertEquals(new WalletServiceMain.Options("redis://127.0.0.1:6379", "wallet", 5, 0), defaults);
        assertEquals(new WalletServiceMain.Options("redis://h:1", "s", 12, 2.5), WalletServiceMain.parse(new String[] {
            "--redis", "redis://h:1", "--stream=s", "--count", "12", "--rate", "2.5/s"
        }));
        assertEquals(10.0, WalletServiceMain.parseRate("10"));
        assertNull(WalletServiceMain.parse(new String[] {"--help"}));
        assertThrows(IllegalArgumentException.class, () -> WalletServiceMain.parse(new String[] {"--count", "x"}));
        assertThrows(IllegalArgumentException.class, () -> WalletServiceMain.parse(new String[] {"--rate", "0/s"}));
        assertThrows(IllegalArgumentException.class, () -> WalletServiceMain.parse(new String[] {"--bogus"}));
        assertThrows(IllegalArgumentException.class, () -> WalletServiceMain.parse(new String[] {"--redis"}));
    }
}
