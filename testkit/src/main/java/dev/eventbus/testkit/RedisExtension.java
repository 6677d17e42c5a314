package dev.eventbus.testkit;

import dev.eventbus.redis.RedisServer;
import dev.eventbus.redis.RespClient;
import dev.eventbus.redis.RespErrorException;
import java.util.Objects;
import java.util.function.Function;
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
 * <p>Where the Redis of {@code new RedisExtension()} comes from, in order:
 * <ol>
 *   <li>the environment variable {@value #URI_ENV}, used as is and never stopped: any reachable
 *       Redis, for example one in a container that CI started;</li>
 *   <li>the environment variable {@value #IMAGE_ENV}, a Redis image (for example {@code redis:8.0})
 *       run in a container as {@link #container(String)} does, to run a whole suite on another
 *       Redis version;</li>
 *   <li>otherwise a {@link RedisServer} ({@code redis-server}) started for the test class and
 *       stopped after it.</li>
 * </ol>
 * Setting both variables is refused. The {@link #RedisExtension(RedisServer.Options)} constructor
 * always starts an owned server, since a test that asks for options (AOF) needs a server it
 * controls; {@link #container(String)} always starts that image.
 *
 * <p>Containers need Docker and {@code org.testcontainers:testcontainers} on the test class path
 * (an optional dependency of the kit: add it at test scope; the Eventbus parent POM manages its
 * version). Without either, the extension fails in {@code beforeAll} saying which is missing; it
 * never falls back to another Redis, since the test asked for that version.
 *
 * <p>Lifecycle: register it in a {@code static} field; it starts in {@code beforeAll} and stops in
 * {@code afterAll}. Tests share the Redis: flush it ({@code command("FLUSHALL")}) where they must
 * not see each other's keys. Thread-safe after {@code beforeAll}.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {

    /** Names a Redis to use instead of starting one, for example {@code redis://127.0.0.1:6379}. */
    public static final String URI_ENV = "EVENTBUS_TEST_REDIS_URI";

    /** Names a Redis image to run in a container instead of starting redis-server, for example {@code redis:7.4}. */
    public static final String IMAGE_ENV = "EVENTBUS_TEST_REDIS_IMAGE";

    private static final String TESTCONTAINERS_CLASS = "org.testcontainers.containers.GenericContainer";

    private final RedisServer.Options options;
    private final String image;
    private volatile String uri;
    private volatile RedisServer server;
    private volatile TestcontainersRedis container;

    /** A Redis from {@value #URI_ENV}, a container of {@value #IMAGE_ENV}, or an owned server with default options. */
    public RedisExtension() {
        this(null, null);
    }

    /**
     * An owned server started with these options, whatever {@value #URI_ENV} says.
     *
     * @param options for example {@code Options.defaults().withAppendOnly(true)}
     */
    public RedisExtension(RedisServer.Options options) {
        this(Objects.requireNonNull(options, "options"), null);
    }

    private RedisExtension(RedisServer.Options options, String image) {
        this.options = options;
        this.image = image;
    }

    /**
     * A Redis of the version the test chooses, run by Testcontainers in a Docker container started
     * for the test class and stopped after it, whatever {@value #URI_ENV} and {@value #IMAGE_ENV} say.
     *
     * <p>{@link #uri()} and {@link #command} work as with a server; {@link #server()} does not
     * (the fault operations kill, pause and restart act on a {@code redis-server} process): fault
     * tests use {@link #RedisExtension(RedisServer.Options)}.
     *
     * @param image a Redis image, for example {@code redis:7.4}
     * @return an extension that starts the image in {@code beforeAll}; without Docker, or without
     *     Testcontainers on the class path, {@code beforeAll} fails saying so
     * @throws IllegalArgumentException when {@code image} is blank
     */
    public static RedisExtension container(String image) {
        Objects.requireNonNull(image, "image");
        if (image.isBlank()) {
            throw new IllegalArgumentException("RedisExtension.container needs a Redis image, for example redis:7.4");
        }
        return new RedisExtension(null, image.strip());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start(System::getenv);
    }

    /** {@link #beforeAll} with the environment given, so tests can check where the Redis comes from. */
    void start(Function<String, String> environment) {
        if (image != null) {
            startContainer(image, "RedisExtension.container(\"" + image + "\")");
            return;
        }
        if (options != null) {
            startServer(options);
            return;
        }
        String external = valueOf(environment, URI_ENV);
        String envImage = valueOf(environment, IMAGE_ENV);
        if (external != null && envImage != null) {
            throw new IllegalStateException("both " + URI_ENV + "=" + external + " and " + IMAGE_ENV + "=" + envImage
                    + " are set: a test uses one Redis, unset one of them");
        }
        if (external != null) {
            uri = external;
        } else if (envImage != null) {
            startContainer(envImage, IMAGE_ENV + "=" + envImage);
        } else {
            startServer(RedisServer.Options.defaults());
        }
    }

    private static String valueOf(Function<String, String> environment, String name) {
        String value = environment.apply(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    private void startServer(RedisServer.Options serverOptions) {
        server = RedisServer.start(serverOptions);
        uri = server.uri();
    }

    private void startContainer(String containerImage, String requestedBy) {
        requireTestcontainers(getClass().getClassLoader(), requestedBy);
        container = TestcontainersRedis.start(containerImage, requestedBy);
        uri = container.uri();
    }

    /**
     * Checks before any Testcontainers class is linked, so a missing optional dependency is a clear
     * error instead of a {@link NoClassDefFoundError}.
     */
    static void requireTestcontainers(ClassLoader loader, String requestedBy) {
        try {
            Class.forName(TESTCONTAINERS_CLASS, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(
                    requestedBy + " runs Redis with Testcontainers, which is not on the"
                            + " test class path: add the dependency org.testcontainers:testcontainers at test scope (its"
                            + " version is managed by the Eventbus parent POM)",
                    e);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        RedisServer owned = server;
        if (owned != null) {
            owned.stop();
        }
        TestcontainersRedis started = container;
        if (started != null) {
            started.close();
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
     * @throws IllegalStateException when the Redis came from {@value #URI_ENV} or runs in a container
     */
    public RedisServer server() {
        uri();
        RedisServer owned = server;
        if (owned != null) {
            return owned;
        }
        TestcontainersRedis started = container;
        if (started != null) {
            throw new IllegalStateException("this Redis runs in a container (" + started.image()
                    + ", Testcontainers), not in a redis-server process the kit can kill, pause or restart;"
                    + " fault tests need an owned server: use new RedisExtension(RedisServer.Options)");
        }
        throw new IllegalStateException("this Redis comes from " + URI_ENV + "=" + uri
                + " and is not owned by the test; fault tests need an owned server: unset " + URI_ENV
                + " or use new RedisExtension(RedisServer.Options)");
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
