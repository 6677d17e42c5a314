package dev.eventbus.runtime.admin;

import dev.eventbus.runtime.plugin.InstalledPlugin;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the admin HTTP server answers, apart from the transport: {@code GET /health/live},
 * {@code GET /health/ready} (200 or 503, with a small JSON body), {@code GET /metrics} (Prometheus
 * text format, or what the scraper's Accept header asks for) and the one request that changes
 * state, {@code POST /plugins/{id}/reload}. With a token configured, every request needs it.
 *
 * <p>A state change is never taken from a browser: the request must carry the token or, without
 * one configured, the header {@value #CHANGE_HEADER}, which a web page cannot send to another site
 * without a CORS preflight this server never grants; and it must have no {@code Origin} header
 * (browsers send one with every POST, also after DNS rebinding) and no body (no form post).
 *
 * <p>Thread-safe; called on one virtual thread per request.
 */
final class AdminRoutes {

    /** The header a state-changing request needs when no token is configured. */
    static final String CHANGE_HEADER = "X-Eventbus-Request";

    private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
    private static final Set<String> READS = Set.of("GET", "HEAD");

    private final BearerToken token;
    private final HealthChecks health;
    private final PrometheusRegistry metrics;
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final PluginReloads reloads;

    /** @param reloads performs {@code POST /plugins/{id}/reload}; null for no such endpoint */
    AdminRoutes(BearerToken token, HealthChecks health, PrometheusRegistry metrics, PluginReloads reloads) {
        this.token = token;
        this.health = health;
        this.metrics = metrics;
        this.reloads = reloads;
    }

    AdminHttpResponse answer(AdminHttpRequest request) {
        try {
            if (!token.accepts(request.header("Authorization"))) {
                String plugin = reloadTarget(request);
                if (plugin != null) {
                    reloads.refused(plugin, request.caller(), "admin-http", "401 unauthorized: no or a wrong token");
                }
                return AdminHttpResponse.text(401, "unauthorized: send Authorization: Bearer <admin token>\n")
                        .with("WWW-Authenticate", "Bearer realm=\"eventbus\"");
            }
            String path = request.path();
            return switch (path) {
                case "/health/live" -> read(request, () -> health(health.live()));
                case "/health/ready" -> read(request, () -> health(health.ready()));
                case "/metrics" -> read(request, () -> metrics(request.header("Accept")));
                case "/" ->
                    read(
                            request,
                            () -> AdminHttpResponse.text(200, "eventbus admin: /health/live /health/ready /metrics\n"));
                default ->
                    path.startsWith("/plugins/") && reloads != null
                            ? reload(request)
                            : AdminHttpResponse.text(404, "not found\n");
            };
        } catch (RuntimeException e) {
            LOG.warn("admin HTTP {} {} failed", request.method(), request.path(), e);
            return AdminHttpResponse.text(500, "internal error\n");
        }
    }

    private static AdminHttpResponse read(AdminHttpRequest request, Supplier<AdminHttpResponse> answer) {
        if (!READS.contains(request.method())) {
            return AdminHttpResponse.text(405, "method not allowed\n").with("Allow", "GET, HEAD");
        }
        return answer.get();
    }

    private static AdminHttpResponse health(HealthChecks.Result result) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", result.status());
        body.put("checks", result.checks());
        return AdminHttpResponse.json(result.up() ? 200 : 503, body);
    }

    private AdminHttpResponse metrics(String accept) {
        ExpositionFormatWriter writer = formats.findWriter(accept);
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, metrics.scrape());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new AdminHttpResponse(200, writer.getContentType(), out.toByteArray(), Map.of());
    }

    private AdminHttpResponse reload(AdminHttpRequest request) {
        String id = reloadTarget(request);
        if (id == null) {
            return request.path().matches("/plugins/[^/]+/reload")
                    ? AdminHttpResponse.text(405, "POST only\n").with("Allow", "POST")
                    : AdminHttpResponse.text(404, "not found\n");
        }
        String refused = notForBrowsers(request);
        if (refused != null) {
            reloads.refused(id, request.caller(), "admin-http", "403 " + refused);
            return AdminHttpResponse.text(403, refused + "\n");
        }
        try {
            InstalledPlugin running = reloads.reload(id, request.caller(), "admin-http");
            // In this order, as the README shows it (Map.of's order is not defined: it gave "running" first).
            Map<String, String> answer = new LinkedHashMap<>();
            answer.put("plugin", id);
            answer.put("running", running.pluginId() + " " + running.version());
            return AdminHttpResponse.json(200, answer);
        } catch (IllegalArgumentException e) {
            return AdminHttpResponse.json(404, Map.of("error", String.valueOf(e.getMessage())));
        } catch (Exception e) {
            return AdminHttpResponse.json(409, Map.of("error", String.valueOf(e.getMessage())));
        }
    }

    /** The plugin a {@code POST /plugins/{id}/reload} asks to reload, or null for any other request. */
    private String reloadTarget(AdminHttpRequest request) {
        if (reloads == null || !request.method().equals("POST")) {
            return null;
        }
        String[] parts = request.path().split("/");
        if (parts.length != 4 || !parts[1].equals("plugins") || !parts[3].equals("reload") || parts[2].isEmpty()) {
            return null;
        }
        return parts[2];
    }

    /** Why a state-changing request is refused as one a browser could have sent, or null. */
    private String notForBrowsers(AdminHttpRequest request) {
        if (request.header("Origin") != null) {
            return "refused: a request with an Origin header comes from a browser; "
                    + "state-changing admin requests are not taken from browsers";
        }
        if (request.bodyBytes() > 0 || request.header("Content-Type") != null) {
            return "refused: send no body and no Content-Type (form posts are not taken)";
        }
        if (!token.required() && request.header(CHANGE_HEADER) == null) {
            return "refused: send the header '" + CHANGE_HEADER + ": 1' (or configure eventbus.admin.token)";
        }
        return null;
    }
}
