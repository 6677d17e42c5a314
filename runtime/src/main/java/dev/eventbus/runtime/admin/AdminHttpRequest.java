package dev.eventbus.runtime.admin;

import java.util.Map;

/**
 * One request to the admin HTTP server, as the routes see it: nothing of the transport but the
 * caller's address.
 *
 * @param method upper case, e.g. {@code GET}
 * @param path the decoded-as-sent path without the query
 * @param headers header names in lower case, the first value of each
 * @param bodyBytes the length of the request body (its content is never read)
 * @param caller the client's address, for the audit log
 */
record AdminHttpRequest(String method, String path, Map<String, String> headers, int bodyBytes, String caller) {

    /** The first value of a header, or null. */
    String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
}
