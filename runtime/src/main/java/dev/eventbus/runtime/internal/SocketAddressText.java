package dev.eventbus.runtime.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the JDK's way of printing a socket address inside a message as {@code host:port}, as
 * the operator wrote it in the URI: Lettuce names the node it failed to reach with {@code
 * InetSocketAddress.toString()}, which says {@code 127.0.0.1/<unresolved>:6391} for a host not
 * looked up yet, {@code /127.0.0.1:6391} for an address without a name and {@code
 * localhost/127.0.0.1:6391} for a looked-up name (found from outside: {@code eventbus status}
 * with Redis down said {@code Unable to connect to 127.0.0.1/<unresolved>:6391}). Internal to the
 * runtime.
 */
public final class SocketAddressText {

    private SocketAddressText() {}

    /** A host not looked up yet; the JDK prints an IPv6 one without brackets ({@code ::1/<unresolved>:7000}). */
    private static final Pattern UNRESOLVED = Pattern.compile("([\\w.\\-:%]+)/<unresolved>:(\\d{1,5})\\b");

    /**
     * A looked-up address, with its name before the slash or none: an IPv4 address or a bracketed
     * IPv6 one. Not inside a URI's path or authority ({@code redis://127.0.0.1:6379}): nothing
     * that belongs to a name, or a slash, may come right before.
     */
    private static final Pattern RESOLVED = Pattern.compile(
            "(?<![\\w.\\-/:%])([\\w.\\-]*)/(\\d{1,3}(?:\\.\\d{1,3}){3}|\\[[0-9a-fA-F:.%\\w]+]):(\\d{1,5})\\b");

    /** {@code message} with each socket address the JDK printed as {@code host:port}. */
    public static String tidy(String message) {
        if (message.indexOf('/') < 0) {
            return message;
        }
        String unresolved = replace(UNRESOLVED.matcher(message), 1, 2);
        return replace(RESOLVED.matcher(unresolved), 1, 3);
    }

    /** Each match as its name (the address after the slash when there is none) and its port. */
    private static String replace(Matcher m, int hostGroup, int portGroup) {
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String host = m.group(hostGroup).isEmpty() ? m.group(2) : m.group(hostGroup);
            String address = host.startsWith("[")
                    ? host + ":" + m.group(portGroup)
                    : HostPort.of(host, Integer.parseInt(m.group(portGroup)));
            m.appendReplacement(b, Matcher.quoteReplacement(address));
        }
        m.appendTail(b);
        return b.toString();
    }
}
