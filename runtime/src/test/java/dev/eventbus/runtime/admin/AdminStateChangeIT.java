package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.admin.v1.AdminServiceGrpc;
import dev.eventbus.admin.v1.ReloadPluginRequest;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.testkit.RedisExtension;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin ports' one state change, a plugin reload, is never taken from a browser: a cross-site
 * form post (as a page on any site can make a visitor's browser send to 127.0.0.1) is refused and
 * reloads nothing, while the operator's paths (the CLI over gRPC, or a POST with the custom header)
 * work, and every reload is audited like redrive and replay.
 */
class AdminStateChangeIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private OpsHarness harness;

    @AfterEach
    void tearDown() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private HttpResponse<String> post(String path, Map<String, String> headers, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + harness.operations().httpPort() + path))
                .timeout(Duration.ofSeconds(60))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private List<String> auditLines() throws Exception {
        return Files.exists(harness.auditLog) ? Files.readAllLines(harness.auditLog) : List.of();
    }

    @Test
    void aCrossSiteFormPostIsRefusedAndReloadsNothingWhileTheOperatorsPathsWorkAndAreAudited() throws Exception {
        REDIS.command("FLUSHALL");
        harness = OpsHarness.create(dir, REDIS.uri(), Map.of());
        harness.start();
        ClassLoader before = harness.runtime().view().handlers().get(0).classLoader();

        // What <form method=post action="http://127.0.0.1:9400/plugins/ops-fixtures/reload"> on another
        // site makes the browser send: a simple request, no preflight, with the page's Origin.
        HttpResponse<String> form = post(
                "/plugins/ops-fixtures/reload",
                Map.of("Origin", "https://attacker.example", "Content-Type", "application/x-www-form-urlencoded"),
                "x=1");
        assertEquals(403, form.statusCode(), form.body());
        // The same without the Origin header (a client that hides it) is still a form post.
        HttpResponse<String> noOrigin =
                post("/plugins/ops-fixtures/reload", Map.of("Content-Type", "text/plain"), "x=1");
        assertEquals(403, noOrigin.statusCode(), noOrigin.body());
        assertTrue(noOrigin.body().contains("no body"), noOrigin.body());
        // A bare POST without the custom header: refused, and the answer says what to send.
        HttpResponse<String> bare = post("/plugins/ops-fixtures/reload", Map.of(), null);
        assertEquals(403, bare.statusCode(), bare.body());
        assertTrue(bare.body().contains(AdminRoutes.CHANGE_HEADER), bare.body());
        // A browser's preflight for the custom header gets no CORS grant.
        HttpResponse<String> preflight;
        try (HttpClient http = HttpClient.newHttpClient()) {
            preflight = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                    + harness.operations().httpPort() + "/plugins/ops-fixtures/reload"))
                            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                            .header("Origin", "https://attacker.example")
                            .header("Access-Control-Request-Method", "POST")
                            .header("Access-Control-Request-Headers", AdminRoutes.CHANGE_HEADER)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        assertEquals(405, preflight.statusCode());
        assertTrue(
                preflight.headers().firstValue("Access-Control-Allow-Origin").isEmpty(),
                preflight.headers().toString());
        assertSame(before, harness.runtime().view().handlers().get(0).classLoader(), "nothing was reloaded");
        // Each refused attempt is audited, with why, as changing nothing (the preflight is no attempt).
        List<String> refusals = auditLines();
        assertEquals(3, refusals.size(), refusals.toString());
        for (String line : refusals) {
            JsonNode r = JSON.readTree(line);
            assertEquals("plugins.reload", r.get("action").asText());
            assertEquals(0, r.get("count").asInt());
            assertEquals("ops-fixtures", r.get("plugin").asText());
            assertEquals("admin-http", r.get("via").asText());
            assertTrue(r.get("refused").asText().startsWith("403 refused: "), r.toString());
            assertTrue(r.get("who").asText().contains("127.0.0.1"), r.toString());
        }
        assertTrue(JSON.readTree(refusals.get(0)).get("refused").asText().contains("Origin"), refusals.get(0));

        // The operator's HTTP path: the custom header, no body.
        HttpResponse<String> ok = post("/plugins/ops-fixtures/reload", Map.of(AdminRoutes.CHANGE_HEADER, "1"), null);
        assertEquals(200, ok.statusCode(), ok.body());
        // as the README shows it: the plugin asked for, then what runs now
        assertEquals(
                "{\"plugin\":\"ops-fixtures\",\"running\":\"ops-fixtures 2.0.0\"}",
                ok.body().strip());
        ClassLoader afterHttp = harness.runtime().view().handlers().get(0).classLoader();
        assertNotSame(before, afterHttp, "reloaded");

        // The CLI's path: AdminService over gRPC.
        OpsHarness.Cli cli = harness.cli("plugins", "reload", "ops-fixtures", "--admin", harness.adminAddress());
        assertEquals(0, cli.exit(), cli.toString());
        assertNotSame(afterHttp, harness.runtime().view().handlers().get(0).classLoader(), "reloaded again");

        // A reload that fails is audited too, with the reason.
        OpsHarness.Cli unknown = harness.cli("plugins", "reload", "nope", "--admin", harness.adminAddress());
        assertEquals(1, unknown.exit(), unknown.toString());

        List<String> lines = auditLines().subList(refusals.size(), auditLines().size());
        assertEquals(3, lines.size(), lines.toString());
        JsonNode http = JSON.readTree(lines.get(0));
        assertEquals("plugins.reload", http.get("action").asText());
        assertEquals(1, http.get("count").asInt());
        assertEquals("ops-fixtures", http.get("plugin").asText());
        assertEquals("admin-http", http.get("via").asText());
        assertEquals("2.0.0", http.get("from").asText());
        assertEquals("2.0.0", http.get("to").asText());
        assertTrue(http.get("who").asText().contains("127.0.0.1"), "who is the client's address: " + http);
        JsonNode grpc = JSON.readTree(lines.get(1));
        assertEquals("admin-grpc", grpc.get("via").asText());
        assertEquals(1, grpc.get("count").asInt());
        assertTrue(grpc.get("who").asText().contains("127.0.0.1"), grpc.toString());
        JsonNode refused = JSON.readTree(lines.get(2));
        assertEquals("nope", refused.get("plugin").asText());
        assertEquals(0, refused.get("count").asInt());
        assertFalse(refused.get("refused").asText().isEmpty(), refused.toString());
    }

    @Test
    void withATokenTheTokenIsWhatAStateChangeNeeds() throws Exception {
        REDIS.command("FLUSHALL");
        harness = OpsHarness.create(dir, REDIS.uri(), Map.of("eventbus.admin.token", "t0ken-for-tests"));
        harness.start();
        ClassLoader before = harness.runtime().view().handlers().get(0).classLoader();
        assertEquals(
                401,
                post("/plugins/ops-fixtures/reload", Map.of(AdminRoutes.CHANGE_HEADER, "1"), null)
                        .statusCode(),
                "the custom header does not replace the token");
        assertEquals(
                403,
                post(
                                "/plugins/ops-fixtures/reload",
                                Map.of("Authorization", "Bearer t0ken-for-tests", "Origin", "https://attacker.example"),
                                null)
                        .statusCode(),
                "never from a browser, token or not");
        // Over gRPC without the token: refused, and audited with the plugin asked for.
        ManagedChannel channel = ManagedChannelBuilder.forAddress(
                        "127.0.0.1", harness.operations().grpcPort())
                .usePlaintext()
                .build();
        try {
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class,
                    () -> AdminServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(20, java.util.concurrent.TimeUnit.SECONDS)
                            .reloadPlugin(ReloadPluginRequest.newBuilder()
                                    .setId("ops-fixtures")
                                    .build()));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.toString());
        } finally {
            channel.shutdownNow();
        }
        assertSame(before, harness.runtime().view().handlers().get(0).classLoader());
        List<String> refusals = auditLines();
        assertEquals(3, refusals.size(), refusals.toString());
        JsonNode noToken = JSON.readTree(refusals.get(0));
        assertEquals("admin-http", noToken.get("via").asText());
        assertEquals("ops-fixtures", noToken.get("plugin").asText());
        assertTrue(noToken.get("refused").asText().startsWith("401 "), noToken.toString());
        JsonNode fromBrowser = JSON.readTree(refusals.get(1));
        assertTrue(fromBrowser.get("refused").asText().startsWith("403 "), fromBrowser.toString());
        JsonNode grpcNoToken = JSON.readTree(refusals.get(2));
        assertEquals("admin-grpc", grpcNoToken.get("via").asText());
        assertEquals("ops-fixtures", grpcNoToken.get("plugin").asText());
        assertEquals(0, grpcNoToken.get("count").asInt());
        assertTrue(grpcNoToken.get("refused").asText().startsWith("UNAUTHENTICATED"), grpcNoToken.toString());
        assertTrue(grpcNoToken.get("who").asText().contains("127.0.0.1"), grpcNoToken.toString());

        HttpResponse<String> ok =
                post("/plugins/ops-fixtures/reload", Map.of("Authorization", "Bearer t0ken-for-tests"), null);
        assertEquals(200, ok.statusCode(), ok.body());
        assertNotSame(before, harness.runtime().view().handlers().get(0).classLoader());
    }
}
