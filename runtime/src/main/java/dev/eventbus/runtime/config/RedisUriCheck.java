package dev.eventbus.runtime.config;

import java.util.Locale;

/**
 * What is wrong with a {@code redis.uri}, found before anything connects: Lettuce takes
 * {@code redis://host:notaport} without complaint and the runtime would then retry a connection
 * that can never be made, so the scheme, host, port and database are checked here, and a sentinel
 * URI ({@code redis-sentinel://s1:26379,s2:26379#master}) must name every sentinel well and its
 * master, as a cluster URI ({@code redis-cluster://h1:7000,h2:7000}) must name every seed node well.
 * Messages show the URI without its user info.
 *
 * <p>Stateless and thread-safe.
 */
final class RedisUriCheck {

    private RedisUriCheck() {}

    /** @return what is wrong with the URI, or {@code null} when nothing is */
    static String problem(String uri) {
        String shown = "'" + RedisSettings.redact(uri) + "'";
        int schemeEnd = uri.indexOf("://");
        String scheme = schemeEnd < 0 ? "" : uri.substring(0, schemeEnd);
        boolean sentinel = scheme.equals("redis-sentinel") || scheme.equals("rediss-sentinel");
        boolean cluster = scheme.equals("redis-cluster") || scheme.equals("rediss-cluster");
        if (!scheme.equals("redis") && !scheme.equals("rediss") && !sentinel && !cluster) {
            return "must start with redis://, rediss://, redis-sentinel:// or rediss-sentinel://, was " + shown
                    + " (or, for a Redis Cluster, redis-cluster:// or rediss-cluster://)";
        }
        String rest = uri.substring(schemeEnd + 3);
        int userInfoEnd = rest.lastIndexOf('@');
        if (userInfoEnd >= 0) {
            // A raw '@', '/', '?' or '#' in a password confuses the URI parser: Lettuce would take part
            // of the password for the host, or drop the port. Checked before the split below sees it.
            if (indexOfAny(rest.substring(0, userInfoEnd), "@/?#") >= 0) {
                return "has a raw '@', '/', '?' or '#' in its user info (the password?): percent-encode it "
                        + "(%40, %2F, %3F, %23), or give the password in redis.password-file: " + shown;
            }
            rest = rest.substring(userInfoEnd + 1);
        }
        int authorityEnd = indexOfAny(rest, "/?#");
        String authority = authorityEnd < 0 ? rest : rest.substring(0, authorityEnd);
        if (!sentinel && !cluster && authority.contains(",")) {
            return "names several hosts, which only a redis-sentinel:// URI may (its sentinels), or a "
                    + "redis-cluster:// URI (seed nodes of a Redis Cluster): " + shown;
        }
        for (String hostPort : authority.split(",", -1)) {
            String hostProblem = hostPortProblem(hostPort, shown);
            if (hostProblem != null) {
                return sentinel
                        ? "has a sentinel that " + hostProblem
                        : cluster ? "has a seed node that " + hostProblem : hostProblem;
            }
        }
        String path = authorityEnd < 0 || rest.charAt(authorityEnd) != '/'
                ? ""
                : rest.substring(authorityEnd + 1, indexOfAnyFrom(rest, "?#", authorityEnd + 1));
        if (!path.isEmpty() && !path.matches("\\d{1,9}")) {
            return "has database '" + path + "', which is not a number (redis://host:6379/0): " + shown;
        }
        if (cluster && !path.isEmpty() && Integer.parseInt(path) != 0) {
            return "has database " + path + ", but a Redis Cluster has database 0 only: " + shown;
        }
        String queryProblem = queryProblem(rest, sentinel, cluster, shown);
        if (queryProblem != null) {
            return queryProblem;
        }
        int hash = rest.indexOf('#');
        if (!sentinel && hash >= 0) {
            return "ends with '" + rest.substring(hash) + "', which only a sentinel URI takes (its master's name): "
                    + shown;
        }
        if (sentinel && hash >= 0 && indexOfAny(masterName(rest), "?&;/") >= 0) {
            // Lettuce takes everything after the '#' as the name: "orders?db=2" would be a master
            // no sentinel monitors, found only at the first connection.
            return "has master name '" + masterName(rest) + "': the name comes last, after the '#', and "
                    + "parameters go before it (redis-sentinel://s1:26379/2#mymaster): " + shown;
        }
        if (sentinel && masterName(rest).isEmpty()) {
            return "names no master: a sentinel URI ends with #<master name> (the name in the sentinels' "
                    + "'sentinel monitor' line), e.g. redis-sentinel://s1:26379,s2:26379#mymaster: " + shown;
        }
        return null;
    }

    /**
     * What is wrong with the query ({@code ?name=value&...}, or {@code ;} between them, as Lettuce
     * reads it, names in any case but {@code db}): Lettuce ignores a parameter it does not know, so a
     * misspelt one would be dropped without a word; a database other than 0 cannot be on a cluster,
     * as in the path. ({@code timeout} is taken and overridden by {@code redis.command-timeout}, as
     * the README says.)
     */
    private static String queryProblem(String rest, boolean sentinel, boolean cluster, String shown) {
        int question = rest.indexOf('?');
        if (question < 0) {
            return null;
        }
        int hash = rest.indexOf('#', question);
        String query = rest.substring(question + 1, hash < 0 ? rest.length() : hash);
        for (String parameter : query.split("[&;]")) {
            if (parameter.isEmpty()) {
                continue;
            }
            int equals = parameter.indexOf('=');
            String given = equals < 0 ? parameter : parameter.substring(0, equals);
            String value = equals < 0 ? "" : parameter.substring(equals + 1);
            // Lettuce takes names in any case but db, which only in lower case: "DB" stays unknown.
            String name = given.equalsIgnoreCase("db") ? given : given.toLowerCase(Locale.ROOT);
            switch (name) {
                case "database", "db" -> {
                    if (!value.matches("\\d{1,9}")) {
                        return "has ?" + given + "=" + value + ", which is not a database number: " + shown;
                    }
                    if (cluster && Integer.parseInt(value) != 0) {
                        return "has database " + value + ", but a Redis Cluster has database 0 only: " + shown;
                    }
                }
                case "sentinelmasterid" -> {
                    if (!sentinel) {
                        return "has ?" + given + "=, which only a sentinel URI takes: " + shown;
                    }
                }
                case "verifypeer" -> {
                    // Lettuce reads it as an SslVerifyMode, upper-cased, and throws at the first
                    // command for anything else ("false" too). Checked against tls.verify elsewhere.
                    if (!value.matches("(?i)none|ca|full")) {
                        return "has ?" + given + "=" + value + ", which is not a way to verify the server: "
                                + "NONE, CA or FULL (any case): " + shown;
                    }
                }
                case "timeout", "clientname", "libraryname", "libraryversion" -> {
                    // passed on to Lettuce
                }
                default -> {
                    return "has the query parameter '" + given + "', which a Redis URI does not take (these do: "
                            + "database or db, clientName, libraryName, libraryVersion, verifyPeer, timeout, and "
                            + "on a sentinel URI sentinelMasterId): " + shown;
                }
            }
        }
        return null;
    }

    /** The master name of a sentinel URI's rest: its {@code #fragment}, else {@code ?sentinelMasterId=}. */
    private static String masterName(String rest) {
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            return rest.substring(hash + 1).strip();
        }
        int query = rest.indexOf('?');
        if (query >= 0) {
            for (String parameter : rest.substring(query + 1).split("[&;]")) {
                if (parameter.regionMatches(true, 0, "sentinelMasterId=", 0, "sentinelMasterId=".length())) {
                    return parameter.substring("sentinelMasterId=".length()).strip();
                }
            }
        }
        return "";
    }

    private static String hostPortProblem(String hostPort, String shown) {
        String host;
        String port = null;
        if (hostPort.startsWith("[")) { // an IPv6 address
            int close = hostPort.indexOf(']');
            if (close < 0) {
                return "has an IPv6 host without its closing ']': " + shown;
            }
            host = hostPort.substring(1, close);
            String after = hostPort.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    return "has text after the IPv6 host: " + shown;
                }
                port = after.substring(1);
            }
        } else {
            int colon = hostPort.lastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            port = colon < 0 ? null : hostPort.substring(colon + 1);
        }
        if (host.isBlank()) {
            return "has no host: " + shown;
        }
        if (!hostPort.startsWith("[") && host.contains(":")) {
            // host:port:port would be taken whole as a host name, and fail only at a DNS lookup.
            return "has host '" + host + "', which holds a ':' (two ports? an IPv6 address goes in brackets, "
                    + "[::1]:6379): " + shown;
        }
        if (port != null && !validPort(port)) {
            return "has port '" + port + "', which is not a number from 1 to 65535: " + shown;
        }
        return null;
    }

    private static boolean validPort(String port) {
        if (!port.matches("\\d{1,5}")) {
            return false;
        }
        int p = Integer.parseInt(port);
        return p >= 1 && p <= 65535;
    }

    private static int indexOfAny(String s, String chars) {
        int i = indexOfAnyFrom(s, chars, 0);
        return i == s.length() ? -1 : i;
    }

    /** The first index at or after from holding one of chars, or the length of s. */
    private static int indexOfAnyFrom(String s, String chars, int from) {
        for (int i = from; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return s.length();
    }
}
