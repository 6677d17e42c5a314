package dev.eventbus.runtime.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.eventbus.runtime.internal.Json;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The admin HTTP server (the JDK's): {@code GET /health/live}, {@code GET /health/ready} (200 or
 * 503, with a small JSON body) and {@code GET /metrics} (Prometheus text format, through the
 * Prometheus client's handler). With a token configured, every request needs it.
 */
public final class AdminHttpServer implements AutoCloseable {


    private final HttpServer server;
    private final ExecutorService executor;

    private AdminHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds and starts; throws when the port is taken. */
    public static AdminHttpServer start(String host, int port, BearerToken token, HealthChecks health,
            PrometheusRegistry metrics) throws IOException {
        return start(host, port, token, health, metrics, null);
    }

    /**
     * @param reloader performs `POST /plugins/{id}/reload` (returns "id version" now running), or
     *     null for no such endpoint
     */
    public static AdminHttpServer start(String host, int port, BearerToken token, HealthChecks health,
            PrometheusRegistry metrics, PluginReload reloader) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
        ExecutorService executor = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("eventbus-admin-http-", 0).factory());
        server.setExecutor(executor);
        server.createContext("/health/live", guarded(token, health(health::live)));
        server.createContext("/health/ready", guarded(token, health(health::ready)));
        server.createContext("/metrics", guarded(token, getOnly(new MetricsHandler(metrics))));
        if (reloader != null) {
            server.createContext("/plugins/", guarded(token, exchange -> reload(exchange, reloader)));
        }
        server.createContext("/", guarded(token, exchange -> {
            if (!exchange.getRequestURI().getPath().equals("/")) {
                respond(exchange, 404, "text/plain", "not found\n");
                return;
            }
            respond(exchange, 200, "text/plain", "eventbus admin: /health/live /health/ready /metrics\n");
        }));
        server.start();
        return new AdminHttpServer(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Reloads one plugin; the admin counterpart of replacing its JAR. */
    @FunctionalInterface
    public interface PluginReload {
        String reload(String pluginId) throws Exception;
    }

    private static void reload(HttpExchange exchange, PluginReload reloader) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().split("/");
        if (parts.length != 4 || !parts[3].equals("reload")) {
            respond(exchange, 404, "text/plain", "not found\n");
            return;
        }
        if (!exchange.getRequestMethod().equals("POST")) {
            respond(exchange, 405, "text/plain", "POST only\n");
            return;
        }
        try {
            String running = reloader.reload(parts[2]);
            respond(exchange, 200, "application/json",
                    Json.mapper().writeValueAsString(java.util.Map.of("plugin", parts[2], "running", running)) + "\n");
        } catch (IllegalArgumentException e) {
            respond(exchange, 404, "application/json", Json.mapper().writeValueAsString(java.util.Map.of("error", e.getMessage())) + "\n");
        } catch (Exception e) {
            respond(exchange, 409, "application/json", Json.mapper().writeValueAsString(java.util.Map.of("error",
                    String.valueOf(e.getMessage()))) + "\n");
        }
    }

    private static HttpHandler health(Supplier<HealthChecks.Result> check) {
        return getOnly(exchange -> {
            HealthChecks.Result result = check.get();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", result.status());
            body.put("checks", result.checks());
            respond(exchange, result.up() ? 200 : 503, "application/json", Json.mapper().writeValueAsString(body) + "\n");
        });
    }

    private static HttpHandler getOnly(HttpHandler handler) {
        return exchange -> {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().add("Allow", "GET, HEAD");
                respond(exchange, 405, "text/plain", "method not allowed\n");
                return;
            }
            handler.handle(exchange);
        };
    }

    private static HttpHandler guarded(BearerToken token, HttpHandler handler) {
        return exchange -> {
            try (exchange) {
                if (!token.accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
                    exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"eventbus\"");
                    respond(exchange, 401, "text/plain", "unauthorized: send Authorization: Bearer <admin token>\n");
                    return;
                }
                handler.handle(exchange);
            } catch (RuntimeException e) {
                respond(exchange, 500, "text/plain", "internal error\n");
            }
        };
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
