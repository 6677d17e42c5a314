package dev.eventbus.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A node's address in messages: an IPv6 host in brackets, and read back without them. */
class HostPortTest {

    @Test
    void anIpv6HostIsPrintedInBrackets() {
        assertEquals("[::1]:7000", HostPort.of("::1", 7000));
        assertEquals("[0:0:0:0:0:0:0:1]:6379", HostPort.of("0:0:0:0:0:0:0:1", 6379));
        assertEquals("[fe80::1%eth0]:7000", HostPort.of("fe80::1%eth0", 7000));
        assertEquals("[::1]:7000", HostPort.of("[::1]", 7000), "not bracketed twice");
    }

    @Test
    void aNameOrAnIpv4AddressIsPrintedAsIs() {
        assertEquals("127.0.0.1:7000", HostPort.of("127.0.0.1", 7000));
        assertEquals("redis.internal:6379", HostPort.of("redis.internal", 6379));
    }

    @Test
    void anAddressIsReadBackWithoutTheBrackets() {
        assertEquals("::1", HostPort.host("[::1]:7000"));
        assertEquals(7000, HostPort.port("[::1]:7000"));
        assertEquals("127.0.0.1", HostPort.host("127.0.0.1:7001"));
        assertEquals(7001, HostPort.port("127.0.0.1:7001"));
    }
}
