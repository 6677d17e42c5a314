package dev.eventbus.testkit.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.redis.RespClient;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.runtime.stream.KeyLayout;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RecordingGrpcService;
import dev.eventbus.testkit.RedisExtension;
import dev.eventbus.testkit.TestClock;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real Eventbus runtime in a test, with the plugin under test, a real Redis and fakes of the
 * gRPC services the plugin declares: publish events, then await what the runtime did with them.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisExtension REDIS = new RedisExtension();
 *
 * final RecordingGrpcService orders = RecordingGrpcService.of(OrderServiceGrpc.getServiceDescriptor());
 *
 * @RegisterExtension
 * final EventbusExtension eventbus = EventbusExtension.with(REDIS)
 *         .plugin(Path.of(System.getProperty("plugin.jar")))
 *         .service(orders)
 *         .config("eventbus.handler-defaults.retry.max-attempts", 3)
 *         .skipBackoff();
 *
 * @Test
 * void anUnavailableServiceIsRetriedThenDeadLettered() {
 *     orders.on(OrderServiceGrpc.getMarkPaidMethod()).fail(Status.UNAVAILABLE);
 *     PublishedEvent topup = eventbus.publish("wallet", "type", "wallet.topup.succeeded", "data", json);
 *     assertEquals(2, topup.awaitRetried(2).size());
 *     assertEquals("handler-error", topup.awaitDeadLettered().reason());
 *     assertEquals(topup.idempotencyKey(), orders.calls().get(2).idempotencyKey());
 * }
 * }</pre>
 *
 * <p>Before each test it empties the Redis ({@code FLUSHALL}), starts a gRPC server on loopback
 * with the fakes (each service's target is configured for the runtime), copies the plugin into a
 * fresh plugins directory, and starts the runtime through its public construction path
 * ({@link ConfigLoader}, {@link EventbusRuntime}) with the test's clock. The runtime admits the
 * plugin as in production: a refused plugin or handler fails the test with the runtime's reason.
 * After each test it stops the runtime (draining in-flight events), the server and deletes the
 * directory.
 *
 * <p>Time: the runtime takes retry backoff, {@code retry.max-attempts} and {@code retry.max-age}
 * decisions on the {@link TestClock}: move it with {@link TestClock#advance}, or let
 * {@link #skipBackoff()} move it by each backoff. Handler timeouts ({@code timeout}) run on real
 * time: give a test a short one with {@link #config}.
 *
 * <p>Register it on an instance field (it runs per test), after a static {@link RedisExtension}.
 * Configure it before the test starts; the other methods are for the test body and are thread-safe.
 */
public final class EventbusExtension implements BeforeEachCallback, AfterEachCallback {

    /**
     * Settings that make a test fast, and steady on a loaded machine, without changing behaviour;
     * the test's own {@link #config} wins. The call deadline is 30 s rather than the runtime's 5 s:
     * the first call on a cold gRPC channel of a busy build machine took over 5 s to connect, and
     * the missed attempt 1 failed a test counting attempts.
     */
    private static final Map<String, Object> TEST_DEFAULTS = Map.of(
            "eventbus.consumer-name", "test",
            "eventbus.consumer.block", "100ms",
            "eventbus.consumer.shutdown-grace", "5s",
            "eventbus.recovery.retry-poll-interval", "10ms",
            "eventbus.grpc.defaults.deadline", "30s");

    private final RedisExtension redis;
    private final List<Path> jars = new ArrayList<>();
    private final List<PluginJarBuilder> builders = new ArrayList<>();
    private final Map<String, BindableService> services = new LinkedHashMap<>();
    private final Map<String, Object> settings = new LinkedHashMap<>();
    private TestClock clock = TestClock.now();
    private boolean skipBackoff;
    private Duration awaitTimeout = Duration.ofSeconds(30);

    private volatile DeliveryLog log;
    private volatile EventbusRuntime runtime;
    private volatile Server server;
    private volatile Path dir;

    private EventbusExtension(RedisExtension redis) {
        this.redis = redis;
    }

    /**
     * @param redis the test class's Redis, registered on a static field
     * @return an extension with no plugin yet
     */
    public static EventbusExtension with(RedisExtension redis) {
        return new EventbusExtension(Objects.requireNonNull(redis, "redis"));
    }

    /**
     * Adds a packaged plugin JAR, loaded as the runtime loads JARs from its plugins directory.
     *
     * @param jar for example the JAR this build packaged ({@code ${project.build.directory}/...jar},
     *     passed to failsafe as a system property)
     */
    public EventbusExtension plugin(Path jar) {
        jars.add(Objects.requireNonNull(jar, "jar"));
        return this;
    }

    /**
     * Adds a plugin built from classes of the test class path, for example before packaging.
     *
     * @param plugin a builder naming the handler classes (and their {@code reference.conf})
     */
    public EventbusExtension plugin(PluginJarBuilder plugin) {
        builders.add(Objects.requireNonNull(plugin, "plugin"));
        return this;
    }

    /**
     * Serves a fake of a declared service and configures its target.
     *
     * @param service for example {@link RecordingGrpcService#of}
     */
    public EventbusExtension service(RecordingGrpcService service) {
        return service(service.name(), service);
    }

    /**
     * Serves any implementation of a declared service (a generated {@code *ImplBase}) and configures its target.
     *
     * @param name the fully qualified service name, as the handler declares it
     * @param service the implementation
     */
    public EventbusExtension service(String name, BindableService service) {
        services.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(service, "service"));
        return this;
    }

    /**
     * Sets a runtime setting, as in the operator's config file; checked as the runtime checks it.
     *
     * @param path for example {@code eventbus.handler-defaults.retry.max-attempts} or
     *     {@code eventbus.plugins.<plugin-id>.<key>}
     * @param value a string, number, boolean or duration text ({@code "200ms"})
     */
    public EventbusExtension config(String path, Object value) {
        settings.put(Objects.requireNonNull(path, "path"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** @param clock the runtime's clock, for the test to move; default: a {@link TestClock} at the current time */
    public EventbusExtension clock(TestClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Moves the clock by each retry's backoff as the runtime schedules it, so retries run at once
     * and {@code retry.max-age} sees the time skipped.
     */
    public EventbusExtension skipBackoff() {
        this.skipBackoff = true;
        return this;
    }

    /** @param timeout how long each {@code await...} waits before failing the test; default 30 s */
    public EventbusExtension awaitTimeout(Duration timeout) {
        this.awaitTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /**
     * Appends an entry to a stream, as a producer would ({@code XADD stream * field value ...}).
     *
     * @param stream the stream key
     * @param fieldsAndValues field names and values in turn: {@code "type", "wallet.topup.succeeded",
     *     "subject", "w-42", "data", "{...}"}
     * @return the entry, to await its outcome
     */
    public PublishedEvent publish(String stream, String... fieldsAndValues) {
        if (fieldsAndValues.length == 0 || fieldsAndValues.length % 2 != 0) {
            throw new IllegalArgumentException(
                    "give field names and values in pairs, was " + fieldsAndValues.length + " string(s)");
        }
        String type = null;
        List<String> args = new ArrayList<>(List.of("XADD", stream, "*"));
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            if ("type".equals(fieldsAndValues[i])) {
                type = fieldsAndValues[i + 1];
            }
            args.add(Objects.requireNonNull(fieldsAndValues[i], "field name"));
            args.add(Objects.requireNonNull(fieldsAndValues[i + 1], "value of " + fieldsAndValues[i]));
        }
        running();
        try (RespClient client = RespClient.connect(redis.uri())) {
            return new PublishedEvent(this, stream, (String) client.call(args.toArray(String[]::new)), type, null);
        }
    }

    /**
     * @param fields the entry's fields, in iteration order
     * @see #publish(String, String...)
     */
    public PublishedEvent publish(String stream, Map<String, String> fields) {
        List<String> flat = new ArrayList<>();
        fields.forEach((k, v) -> {
            flat.add(k);
            flat.add(v);
        });
        return publish(stream, flat.toArray(String[]::new));
    }

    /** @return the clock the runtime decides on */
    public TestClock clock() {
        return clock;
    }

    /** @return the running runtime, for what the kit does not wrap (subscriptions, reload, states) */
    public EventbusRuntime runtime() {
        return running();
    }

    /** @return the Redis the runtime reads */
    public String redisUri() {
        return redis.uri();
    }

    /** @return the dead-letter stream of a handler, as the runtime names it (on the kit's one Redis node) */
    public String deadLetterStream(String handler) {
        RuntimeConfig config = running().config();
        return KeyLayout.of(config.redis(), config.consumer().deadLetterPrefix())
                .deadLetterStreamsOf(handler);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (jars.isEmpty() && builders.isEmpty()) {
            throw new IllegalStateException(
                    "EventbusExtension has no plugin: add .plugin(jar) or .plugin(PluginJarBuilder)");
        }
        redis.command("FLUSHALL");
        dir = Files.createTempDirectory("eventbus-test-");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        for (Path jar : jars) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("plugin JAR " + jar + " does not exist: integration tests run after "
                        + "package (failsafe, mvn verify), which writes it");
            }
            Files.copy(jar, plugins.resolve(jar.getFileName()));
        }
        for (PluginJarBuilder builder : builders) {
            builder.build(plugins);
        }
        Map<String, Object> config = new LinkedHashMap<>(TEST_DEFAULTS);
        config.put("eventbus.redis.uri", redis.uri());
        config.put("eventbus.plugins-dir", plugins.toString());
        config.put("eventbus.plugin-host.staging-dir", dir.resolve("staging").toString());
        if (!services.isEmpty()) {
            NettyServerBuilder builder =
                    NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            services.values().forEach(builder::addService);
            server = builder.build().start();
            for (String name : services.keySet()) {
                config.put("eventbus.grpc.services.\"" + name + "\".target", "127.0.0.1:" + server.getPort());
            }
        }
        config.putAll(settings);
        Config overrides = ConfigFactory.parseMap(config, "EventbusExtension settings");
        log = new DeliveryLog(clock, skipBackoff);
        runtime = new EventbusRuntime(ConfigLoader.load(Optional.empty(), overrides), log, clock);
        runtime.start();
        List<PluginFailure> refused = runtime.view().pluginFailures();
        if (!refused.isEmpty()) {
            throw new AssertionError("the runtime refused the plugin under test: "
                    + String.join(
                            "; ", refused.stream().map(PluginFailure::toString).toList()));
        }
        if (runtime.view().subscriptions().isEmpty()) {
            throw new AssertionError("the runtime admitted no handler from " + plugins
                    + ": is the handler annotated @Extension and listed in META-INF/extensions.idx?");
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            EventbusRuntime r = runtime;
            if (r != null) {
                r.stop();
            }
        } finally {
            runtime = null;
            Server s = server;
            if (s != null) {
                s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                server = null;
            }
            Path d = dir;
            if (d != null) {
                deleteQuietly(d);
                dir = null;
            }
        }
    }

    DeliveryLog log() {
        DeliveryLog l = log;
        if (l == null) {
            throw new IllegalStateException("the runtime is not running: await inside the test method");
        }
        return l;
    }

    Duration awaitTimeout() {
        return awaitTimeout;
    }

    /**
     * The one handler that consumes this type on this stream, else the one handler that reads the
     * stream (an entry it skips); ambiguity is a test mistake, said so.
     */
    String onlyHandlerOf(String stream, String type) {
        List<Subscription> reading = running().view().subscriptions().stream()
                .filter(s -> s.stream().equals(stream))
                .toList();
        List<String> consuming = reading.stream()
                .filter(s -> type != null && s.types().contains(type))
                .map(s -> s.handler().name())
                .distinct()
                .toList();
        List<String> names = consuming.isEmpty()
                ? reading.stream().map(s -> s.handler().name()).distinct().toList()
                : consuming;
        if (names.size() == 1) {
            return names.get(0);
        }
        if (names.isEmpty()) {
            throw new AssertionError("no handler reads stream '" + stream + "' (subscriptions: "
                    + running().view().subscriptions().stream()
                            .map(Subscription::name)
                            .toList() + ")");
        }
        throw new AssertionError("handlers " + names + " all read stream '" + stream + "': name one with .by(\"...\")");
    }

    private EventbusRuntime running() {
        EventbusRuntime r = runtime;
        if (r == null) {
            throw new IllegalStateException("the runtime is not running: publish and await inside the test method");
        }
        return r;
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // A temp directory left behind is harmless; the test's outcome is what matters.
        }
    }
}
