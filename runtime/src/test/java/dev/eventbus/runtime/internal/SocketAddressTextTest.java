package dev.eventbus.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class SocketAddressTextTest {

    /** Found from outside: status with Redis down said "Unable to connect to 127.0.0.1/<unresolved>:6391". */
    @Test
    void aHostNotLookedUpIsHostAndPort() {
        assertEquals(
                "Unable to connect to 127.0.0.1:6391",
                SocketAddressText.tidy(
                        "Unable to connect to " + InetSocketAddress.createUnresolved("127.0.0.1", 6391)));
        assertEquals(
                "Unable to connect to [redis.example:7000]: WRONGPASS",
                SocketAddressText.tidy("Unable to connect to [redis.example/<unresolved>:7000]: WRONGPASS"));
        assertEquals("to [::1]:7000", SocketAddressText.tidy("to " + InetSocketAddress.createUnresolved("::1", 7000)));
    }

    @Test
    void aLookedUpAddressIsItsNameOrElseItsAddressAndPort() {
        assertEquals(
                "Connection refused: 127.0.0.1:7306",
                SocketAddressText.tidy("Connection refused: " + new InetSocketAddress("127.0.0.1", 7306)));
        assertEquals("at localhost:7306", SocketAddressText.tidy("at localhost/127.0.0.1:7306"));
        assertEquals("at [0:0:0:0:0:0:0:1]:7306", SocketAddressText.tidy("at /[0:0:0:0:0:0:0:1]:7306"));
    }

    @Test
    void urisAndPathsAreLeftAlone() {
        String uris = "Cannot retrieve cluster partitions from [redis://***@127.0.0.1:7991?timeout=2s, "
                + "redis://127.0.0.1:7992/0, rediss://h/1.2.3.4:5] (see /var/run/10.0.0.1:1)";
        assertEquals(uris, SocketAddressText.tidy(uris));
        assertEquals("Connection refused", SocketAddressText.tidy("Connection refused"));
    }
}
