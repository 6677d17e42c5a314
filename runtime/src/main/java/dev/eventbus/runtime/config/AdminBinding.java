package dev.eventbus.runtime.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;

/** The rule for where admin servers may listen: loopback freely, anything else only with a token. */
public final class AdminBinding {

    private AdminBinding() {}

    /**
     * An empty host is refused, token or not, rather than read as the JDK reads it (loopback):
     * every message would show it as {@code :9400}, an address of all interfaces to the reader
     * (found from outside), and no documentation says what it means.
     *
     * @param host the configured admin host
     * @return why the host is refused whatever the token, or {@code null} when it is not
     */
    public static String problemWithHost(String host) {
        return host.isBlank()
                ? "empty: name the address to listen on, 127.0.0.1 (loopback, the default) or, with a token, "
                        + "0.0.0.0 (every interface)"
                : null;
    }

    /**
     * @param host the configured admin host
     * @return why binding there without a token is refused, or {@code null} when it is fine
     */
    public static String problemWithoutToken(String host) {
        InetAddress address = resolve(host);
        if (address == null) {
            return "cannot resolve '" + host + "'";
        }
        if (address.isLoopbackAddress()) {
            return null;
        }
        return "the admin servers would listen on " + host + " (not a loopback address) without a token: "
                + "set eventbus.admin.token (env EVENTBUS_ADMIN_TOKEN) or bind to 127.0.0.1";
    }

    /**
     * Whether the admin servers could listen on the host on this machine: it resolves, and a socket
     * binds there on a free port (port 0: the configured ports may be taken by a runtime running
     * now, which is no problem of the configuration). An address of another machine, or a name
     * that does not resolve, otherwise passes every check until {@code run} cannot listen.
     *
     * @param host the configured admin host
     * @return why the admin servers cannot listen there, or {@code null} when they can
     */
    public static String problemListening(String host) {
        InetAddress address = resolve(host);
        if (address == null) {
            return "cannot resolve '" + host + "': name an address of this machine, 127.0.0.1 or 0.0.0.0";
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(address, 0));
            return null;
        } catch (IOException e) {
            return "the admin servers cannot listen on " + host
                    + (host.equals(address.getHostAddress()) ? "" : " (" + address.getHostAddress() + ")")
                    + " on this machine (" + e.getMessage() + "): name an address of this machine, 127.0.0.1 or "
                    + "0.0.0.0";
        }
    }

    /** @return the host's address, or {@code null} when it does not resolve */
    private static InetAddress resolve(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * {@link #problemListening} of the config's {@code admin.host}, as the configuration error that
     * {@code config check} and {@code run} (when its admin servers cannot listen) both report:
     * naming the key, where it was set and why.
     *
     * @throws InvalidConfigException when the admin servers cannot listen there
     */
    public static void requireListening(RuntimeConfig config) {
        String host = config.operations().admin().host();
        String problem = problemListening(host);
        if (problem != null) {
            String key = "eventbus.admin.host";
            String where = config.source().hasPath(key)
                    ? UnknownKeys.where(config.source().getValue(key))
                    : null;
            throw new InvalidConfigException("admin.host: " + problem + (where == null ? "" : " (" + where + ")"));
        }
    }
}
