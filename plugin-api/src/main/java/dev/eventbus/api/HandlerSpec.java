package dev.eventbus.api;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A handler's declaration: its name, what it consumes and which gRPC services it calls.
 *
 * <p>The runtime gives each handler its own consumer group (named after the handler) on each
 * stream it consumes, so handlers progress, fail, lag and replay independently. Entries of a
 * consumed stream whose {@code type} is not among the declared types are acknowledged for this
 * handler without calling it.
 *
 * <p>The declared services are the only ones {@link HandlerContext#channel(String)} lends; the
 * runtime refuses to start a handler that declares a service with no configured target.
 *
 * <p>Immutable and thread-safe. Built fluently; each step returns a new instance:
 * <pre>{@code
 * HandlerSpec.named("mark-order-paid")
 *     .consumes("wallet", "wallet.topup.succeeded")
 *     .calls("orders.v1.OrderService");
 * }</pre>
 *
 * @param name the handler's name, unique in the runtime; lower-case letters, digits, {@code .},
 *     {@code _} and {@code -}; it names the consumer group and the dead-letter stream
 * @param subscriptions stream name to the event types consumed from it, in declaration order;
 *     neither blank, with white space around it nor holding a control character (matched exactly,
 *     such a name or type would match no entry)
 * @param services fully qualified gRPC service names the handler calls (for example
 *     {@code orders.v1.OrderService})
 * @since 0.1
 */
public record HandlerSpec(String name, Map<String, Set<String>> subscriptions, Set<String> services) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

    /** Validates and defensively copies the components. */
    public HandlerSpec {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("handler name '" + name + "' must match " + NAME.pattern());
        }
        Map<String, Set<String>> subs = new LinkedHashMap<>();
        subscriptions.forEach((stream, types) -> {
            if (stream == null || stream.isBlank()) {
                throw new IllegalArgumentException("handler '" + name + "': blank stream name");
            }
            String oddStream = oddCharacters(stream);
            if (oddStream != null) {
                throw new IllegalArgumentException(
                        "handler '" + name + "': stream name " + quoted(stream) + " " + oddStream);
            }
            for (String type : types) {
                if (type == null || type.isBlank()) {
                    throw new IllegalArgumentException(
                            "handler '" + name + "': blank event type on stream '" + stream + "'");
                }
                String oddType = oddCharacters(type);
                if (oddType != null) {
                    throw new IllegalArgumentException("handler '" + name + "': event type " + quoted(type)
                            + " on stream '" + stream + "' " + oddType
                            + " (entries are matched on their type exactly: no event would ever reach the handler)");
                }
            }
            subs.put(stream, Set.copyOf(new LinkedHashSet<>(types)));
        });
        subscriptions = Map.copyOf(subs);
        services = Set.copyOf(services);
    }

    /**
     * What makes a stream name or event type one no producer means: leading or trailing white
     * space, or a control character (a typo such as {@code "wallet.topup "} would otherwise match
     * no entry, and the handler would silently get nothing). {@code null} when there is none.
     */
    private static String oddCharacters(String text) {
        if (!text.equals(text.strip())) {
            return "has leading or trailing white space";
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                return "holds a control character (U+" + String.format("%04X", (int) text.charAt(i)) + ")";
            }
        }
        return null;
    }

    /** The text in quotes, control characters escaped, so that a log line shows what it holds. */
    private static String quoted(String text) {
        StringBuilder out = new StringBuilder("'");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.append('\'').toString();
    }

    /**
     * Starts a declaration that consumes nothing and calls nothing.
     *
     * @param name the handler's name (see the record's documentation for the allowed characters)
     * @return a new declaration
     */
    public static HandlerSpec named(String name) {
        return new HandlerSpec(name, Map.of(), Set.of());
    }

    /**
     * Adds event types consumed from a stream.
     *
     * @param stream the Redis stream key, for example {@code wallet}
     * @param types one or more event types, for example {@code wallet.topup.succeeded}
     * @return a new declaration with the types added
     */
    public HandlerSpec consumes(String stream, String... types) {
        if (types.length == 0) {
            throw new IllegalArgumentException(
                    "handler '" + name + "': consumes(\"" + stream + "\") needs at least one event type");
        }
        Map<String, Set<String>> subs = new LinkedHashMap<>(subscriptions);
        Set<String> merged = new LinkedHashSet<>(subs.getOrDefault(stream, Set.of()));
        merged.addAll(java.util.List.of(types));
        subs.put(stream, merged);
        return new HandlerSpec(name, subs, services);
    }

    /**
     * Declares gRPC services the handler calls.
     *
     * @param serviceNames fully qualified service names, as in the {@code .proto} file's package
     *     and service (for example {@code orders.v1.OrderService})
     * @return a new declaration with the services added
     */
    public HandlerSpec calls(String... serviceNames) {
        Set<String> merged = new LinkedHashSet<>(services);
        merged.addAll(java.util.List.of(serviceNames));
        return new HandlerSpec(name, subscriptions, merged);
    }
}
