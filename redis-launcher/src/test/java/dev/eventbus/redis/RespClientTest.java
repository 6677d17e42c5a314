package dev.eventbus.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RespClientTest {

    private static RedisServer server;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        server.stop();
    }

    @BeforeEach
    void flush() {
        try (RespClient client = RespClient.connect(server.uri())) {
            client.call("FLUSHALL");
        }
    }

    @Test
    void mapsScalarReplies() {
        try (RespClient client = RespClient.connect(server.uri())) {
            assertEquals("OK", client.call("SET", "greeting", "grüß dich ✓"));
            assertEquals("grüß dich ✓", client.call("GET", "greeting"));
            assertNull(client.call("GET", "missing"));
            assertEquals(1L, client.call("INCR", "n"));
            assertEquals("", client.call("ECHO", ""));
        }
    }

    @Test
    void mapsArraysIncludingNestedAndNull() {
        try (RespClient client = RespClient.connect(server.uri())) {
            client.call("RPUSH", "list", "a", "b");
            assertEquals(List.of("a", "b"), client.call("LRANGE", "list", "0", "-1"));
            assertEquals(List.of(), client.call("LRANGE", "missing", "0", "-1"));

            String id = (String) client.call("XADD", "wallet", "*", "type", "wallet.topup.succeeded", "data", "{}");
            assertEquals(1L, client.call("XLEN", "wallet"));
            assertEquals(
                    List.of(List.of(id, List.of("type", "wallet.topup.succeeded", "data", "{}"))),
                    client.call("XRANGE", "wallet", "-", "+"));

            // RESP2 null array.
            assertNull(client.call("BLPOP", "nothing", "0.01"));
        }
    }

    @Test
    void streamInspectionThatRuntimeTestsNeed() {
        try (RespClient client = RespClient.connect(server.uri())) {
            client.call("XADD", "wallet", "*", "type", "t");
            assertEquals("OK", client.call("XGROUP", "CREATE", "wallet", "handler", "0"));
            List<?> read = (List<?>)
                    client.call("XREADGROUP", "GROUP", "handler", "c1", "COUNT", "10", "STREAMS", "wallet", ">");
            assertEquals(1, read.size());
            List<?> pending = (List<?>) client.call("XPENDING", "wallet", "handler");
            assertEquals(1L, pending.get(0));
            assertEquals(List.of(List.of("c1", "1")), pending.get(3));
        }
    }

    @Test
    void errorRepliesAreThrownAndTheConnectionStaysUsable() {
        try (RespClient client = RespClient.connect(server.uri())) {
            RespErrorException e = assertThrows(RespErrorException.class, () -> client.call("NO-SUCH-COMMAND"));
            assertEquals("ERR", e.code());
            RespErrorException noGroup = assertThrows(
                    RespErrorException.class, () -> client.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"));
            assertEquals("NOGROUP", noGroup.code());
            assertEquals("PONG", client.call("PING"));
        }
    }

    @Test
    void errorsInsideAnArrayAreElements() {
        try (RespClient client = RespClient.connect(server.uri())) {
            client.call("MULTI");
            assertEquals("QUEUED", client.call("SET", "k", "text"));
            assertEquals("QUEUED", client.call("INCR", "k"));
            List<?> results = (List<?>) client.call("EXEC");
            assertEquals("OK", results.get(0));
            assertInstanceOf(RespErrorException.class, results.get(1));
        }
    }

    @Test
    void uriSelectsTheDatabase() {
        try (RespClient db2 = RespClient.connect(server.uri() + "/2");
                RespClient db0 = RespClient.connect(server.uri())) {
            db2.call("SET", "only-in-2", "x");
            assertEquals("x", db2.call("GET", "only-in-2"));
            assertNull(db0.call("GET", "only-in-2"));
        }
    }

    @Test
    void uriCarriesThePassword() {
        try (RedisServer guarded =
                RedisServer.start(RedisServer.Options.defaults().withExtraArgs("--requirepass", "s3cr#t"))) {
            try (RespClient anonymous = RespClient.connect(guarded.uri())) {
                assertEquals(
                        "NOAUTH",
                        assertThrows(RespErrorException.class, () -> anonymous.call("PING"))
                                .code());
            }
            try (RespClient client = RespClient.connect("redis://:s3cr%23t@127.0.0.1:" + guarded.port())) {
                assertEquals("PONG", client.call("PING"));
            }
            try (RespClient client = RespClient.connect("redis://default:s3cr%23t@127.0.0.1:" + guarded.port())) {
                assertEquals("PONG", client.call("PING"));
            }
        }
    }

    @Test
    void rejectsOtherSchemes() {
        assertThrows(IllegalArgumentException.class, () -> RespClient.connect("http://127.0.0.1:" + server.port()));
        assertThrows(IllegalArgumentException.class, () -> {
            try (RespClient client = RespClient.connect(server.uri())) {
                client.call();
            }
        });
    }

    @Test
    void aDeadServerBreaksTheConnection() {
        try (RedisServer doomed = RedisServer.start();
                RespClient client = RespClient.connect(doomed.uri())) {
            assertEquals("PONG", client.call("PING"));
            doomed.kill();
            assertThrows(java.io.UncheckedIOException.class, () -> client.call("PING"));
            IllegalStateException later = assertThrows(IllegalStateException.class, () -> client.call("PING"));
            assertTrue(later.getMessage().contains("new client"), later.getMessage());
        }
    }
}
