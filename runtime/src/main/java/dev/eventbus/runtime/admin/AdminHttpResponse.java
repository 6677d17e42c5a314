package dev.eventbus.runtime.admin;

import dev.eventbus.runtime.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One answer of the admin HTTP server.
 *
 * @param contentType the full Content-Type value
 * @param headers further headers (e.g. {@code Allow}, {@code WWW-Authenticate})
 */
record AdminHttpResponse(int status, String contentType, byte[] body, Map<String, String> headers) {

    static AdminHttpResponse text(int status, String body) {
        return new AdminHttpResponse(
                status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    static AdminHttpResponse json(int status, Object body) {
        try {
            return new AdminHttpResponse(
                    status,
                    "application/json; charset=utf-8",
                    (Json.mapper().writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8),
                    Map.of());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    AdminHttpResponse with(String header, String value) {
        Map<String, String> more = new java.util.LinkedHashMap<>(headers);
        more.put(header, value);
        return new AdminHttpResponse(status, contentType, body, Map.copyOf(more));
    }
}
