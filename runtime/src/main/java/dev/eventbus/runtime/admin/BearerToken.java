package dev.eventbus.runtime.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The admin token check: {@code Authorization: Bearer <token>}, compared in constant time. Both
 * sides are hashed first, so neither the content nor the length of the token leaks through timing.
 */
final class BearerToken {

    private final byte[] expected;

    /** @param token the configured token; empty = no check */
    BearerToken(String token) {
        this.expected = token == null || token.isEmpty() ? null : sha256(token);
    }

    boolean required() {
        return expected != null;
    }

    /** @param authorization the Authorization header or metadata value, may be null */
    boolean accepts(String authorization) {
        if (expected == null) {
            return true;
        }
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim()
                : "";
        return MessageDigest.isEqual(expected, sha256(presented));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
