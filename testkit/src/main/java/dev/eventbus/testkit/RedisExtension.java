package dev.eventbus.testkit;

import dev.eventbus.redis.RedisServer;
import dev.eventbus.redis.RespClient;
import dev.eventbus.redis.RespErrorException;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a Redis.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisExtension REDIS = new RedisExtension();
 * }</pre>
 *
 * <p>Where the Redis comes from, in order:
 * <ol>
 *   <li>the environment variable {@value #URI_ENV}, used as is and never stopped: any reachable
 *       Redis, for example one in a container that CI started;</li>
 *   <li>otherwise a {@link RedisServer} started for the test class and stopped after it.</li>
 * </ol>
 * The {@link #RedisExtension(RedisServer.Options)} constructor always starts an owned server, since
 * a test that asks for options (AOF) needs a server it controls.
 *
 * <p>Lifecycle: register it in a {@code static} field; it starts in {@code beforeAll} and stops in
 * {@code afterAll}. Tests share the Redis: flush it ({@code command("FLUSHALL")}) where they must
 * not see each other's keys. Thread-safe after {@code beforeAll}.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {

    /** Names a Redis to use instead of starting one, for example {@code redis://127.0.0.1:6379}. */
    public static final String URI_ENV = "EVENTBUS_TEST_REDIS_URI";

    private final RedisServer.Options options;
    private volatile String uri;
    private volatile RedisServer server;

    /** A Redis from {@value #URI_ENV}, or an owned server with default options. */
    public RedisExtension() {
        this.options = null;
    }

    /**
     * An owned server started with these options, whatever {@value #URI_ENV} says.
     *
     * @param options for example {@code Options.defaults().withAppendOnly(true)}
     */
    public RedisExtension(RedisServer.Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        String external = System.getenv(URI_ENV);
        if (options == null && external != null && !external.isBlank()) {
            uri = external.strip();
            return;
        }
        server = RedisServer.start(options == null ? RedisServer.Options.defaults() : options);
        uri = server.uri();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        RedisServer owned = server;
        if (owned != null) {
            owned.stop();
        }
    }

    /**
     * @return the Redis URI for the client under test
     * @throws IllegalStateException before {@code beforeAll}
     */
    public String uri() {
        String current = uri;
        if (current == null) {
            throw new IllegalStateException(
                    "RedisExtension has not started: register it with @RegisterExtension on a static field");
        }
        return current;
    }

    /**
     * The server this extension started, for fault tests (kill, pause, restart).
     *
     * @return the owned server
     * @throws IllegalStateException when the Redis came from {@value #URI_ENV}
     */
    public RedisServer server() {
        uri();
        RedisServer owned = server;
        if (owned == null) {
            throw new IllegalStateException("this Redis comes from " + URI_ENV + "=" + uri
                    + " and is not owned by the test; fault tests need an owned server: unset " + URI_ENV
                    + " or use new RedisExtension(RedisServer.Options)");
        }
        return owned;
    }

    /**
     * Runs one command on a fresh connection (so it works across kill and restart).
     *
     * @param args for example {@code "XLEN", "wallet"}
     * @return the reply, as {@link RespClient#call} maps it
     * @throws RespErrorException when Redis answers with an error
     */
    public Object command(String... args) {
        try (RespClient client = RespClient.connect(uri())) {
            return client.call(args);
        }
    }
}
