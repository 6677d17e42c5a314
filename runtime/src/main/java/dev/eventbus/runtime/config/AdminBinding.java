package dev.eventbus.runtime.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The rule for where admin servers may listen: loopback freely, anything else only with a token. */
public final class AdminBinding {

    private AdminBinding() {}

    /**
     * @param host the configured admin host
     * @return why binding there without a token is refused, or {@code null} when it is fine
     */
    public static String problemWithoutToken(String host) {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return "cannot resolve '" + host + "'";
        }
        if (address.isLoopbackAddress()) {
            return null;
        }
        return "the admin servers would listen on " + host + " (not a loopback address) without a token: "
                + "set eventbus.admin.token (env EVENTBUS_ADMIN_TOKEN) or bind to 127.0.0.1";
    }
}
