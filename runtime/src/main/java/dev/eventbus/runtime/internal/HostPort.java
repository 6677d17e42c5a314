package dev.eventbus.runtime.internal;

/**
 * A node's address as messages print it, {@code host:port}, with an IPv6 host in brackets
 * ({@code [::1]:7000}, as a URI writes it; {@code ::1:7000} does not say where the port starts),
 * and back. Internal to the runtime.
 */
public final class HostPort {

    private HostPort() {}

    /** {@code host:port}, or {@code [host]:port} when the host is an IPv6 address. */
    public static String of(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The host of a {@code host:port} made by {@link #of}, without the brackets of an IPv6 host. */
    public static String host(String address) {
        String host = address.substring(0, address.lastIndexOf(':'));
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The port of a {@code host:port} made by {@link #of}. */
    public static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
