package dev.eventbus.runtime.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads a gRPC target ({@code host:port}, {@code dns:///host:port}, {@code unix:/path}, ...) only as
 * far as telling whether it stays on this machine. No name is resolved: a name other than
 * {@code localhost} may point anywhere, so it counts as remote.
 *
 * <p>Stateless and thread-safe.
 */
final class RpcTargets {

    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127(\\.\\d{1,3}){3}");

    private RpcTargets() {}

    /** Whether the target is a Unix socket or a loopback address or {@code localhost}. */
    static boolean isLoopback(String target) {
        String t = target.trim();
        if (t.startsWith("unix:") || t.startsWith("unix-abstract:")) {
            return true;
        }
        if (t.startsWith("dns:")) {
            t = t.substring("dns:".length());
            if (t.startsWith("//")) {
                int slash = t.indexOf('/', 2);
                t = slash < 0 ? "" : t.substring(slash + 1);
            }
        } else if (t.contains("://")) {
            return false;
        }
        return isLoopbackHost(host(t));
    }

    private static String host(String hostPort) {
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            return end < 0 ? hostPort : hostPort.substring(1, end);
        }
        int colon = hostPort.lastIndexOf(':');
        return colon < 0 || hostPort.indexOf(':') != colon ? hostPort : hostPort.substring(0, colon);
    }

    private static boolean isLoopbackHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost")
                || h.endsWith(".localhost")
                || IPV4_LOOPBACK.matcher(h).matches()
                || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1");
    }
}
