package dev.eventbus.runtime.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads the user info of a Redis URI ({@code redis://user:password@host}) without a URI parser, so
 * that a password's raw separators cannot move the boundary (see {@link RedisUriCheck}).
 *
 * <p>Stateless and thread-safe.
 */
public final class RedisUserInfo {

    private RedisUserInfo() {}

    /** Whether the URI holds a non-empty password after {@code user:}. */
    static boolean hasPassword(String uri) {
        return userInfo(uri)
                .map(u -> u.indexOf(':') >= 0 && u.indexOf(':') < u.length() - 1)
                .orElse(false);
    }

    /**
     * Whether the URI names a user but no password for it ({@code redis://app@host},
     * {@code redis://app:@host}): with no password from elsewhere, Lettuce would send the user name as
     * the default user's password (or nothing), never log in as that user.
     */
    static boolean userWithoutPassword(String uri) {
        return user(uri).isPresent() && !hasPassword(uri);
    }

    /**
     * The user name when the password comes from elsewhere: {@code app} of {@code redis://app@host} or
     * {@code redis://app:@host}, percent-decoded; empty when the URI names none.
     */
    public static Optional<String> user(String uri) {
        return userInfo(uri)
                .map(u -> u.indexOf(':') >= 0 ? u.substring(0, u.indexOf(':')) : u)
                .filter(u -> !u.isEmpty())
                .map(u -> URLDecoder.decode(u.replace("+", "%2B"), StandardCharsets.UTF_8));
    }

    private static Optional<String> userInfo(String uri) {
        int start = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        return start < 0 || at < start ? Optional.empty() : Optional.of(uri.substring(start + 3, at));
    }
}
