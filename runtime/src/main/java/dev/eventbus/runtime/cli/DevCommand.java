package dev.eventbus.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.Event;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.AdminSurface;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.dev.ChildJvm;
import dev.eventbus.runtime.dev.DevSession;
import dev.eventbus.runtime.ops.OpsException;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.KeyLayout;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.RedisClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code eventbus dev}: the design note's story on a machine with only a JDK. A Redis (the given
 * one, else {@code redis-server} from the PATH, else the embedded binary), the sample order
 * service in its own JVM, the runtime with the sample plugins, the wallet service publishing a few
 * top-ups plus one malformed entry, and a printout of each event's way through.
 */
@Command(
        name = "dev",
        mixinStandardHelpOptions = true,
        description = "Run the sample story end to end: Redis, order-service, the runtime with the sample "
                + "plugins, a few published events, and each event's way through.")
final class DevCommand implements Callable<Integer> {

    private static final String ORDER_SERVICE = "orders.v1.OrderService";

    @Spec
    CommandSpec spec;

    @Option(
            names = "--home",
            paramLabel = "DIR",
            description = "Eventbus home (holds plugins/ and samples/); "
                    + "default: the distribution the command runs from.")
    Path home = Path.of(System.getenv().getOrDefault("EVENTBUS_HOME", "."));

    @Option(
            names = "--redis",
            paramLabel = "URI",
            description = "Use this Redis instead of starting one (env: EVENTBUS_REDIS_URI).")
    String redisUri = System.getenv("EVENTBUS_REDIS_URI");

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Where the Redis dev starts keeps its data, "
                    + "so dead letters and streams survive a restart (default: data/dev under --home).")
    Path dataDir;

    @Option(names = "--fresh", description = "Start the Redis dev starts from empty: delete --data-dir first.")
    boolean fresh;

    @Option(
            names = "--events",
            paramLabel = "N",
            description = "Top-ups the wallet service publishes (default: ${DEFAULT-VALUE}).")
    int events = 5;

    @Option(names = "--keep-running", description = "Keep everything running after the story, until Ctrl-C.")
    boolean keepRunning;

    @Option(
            names = "--verbose",
            description = "Show the runtime's log lines too (default: errors only, "
                    + "so the story's printout stays readable).")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (!verbose) {
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                    .setLevel(ch.qos.logback.classic.Level.ERROR);
        }
        PrintStream out = spec.commandLine().getOut() == null ? System.out : new PrintStream(System.out, true);
        Path samples = home.resolve("samples");
        requireDir(samples.resolve("order-service"));
        requireDir(samples.resolve("wallet-service"));
        requireDir(home.resolve("plugins"));

        var other = DevSession.running(home);
        if (other.isPresent()) {
            out.println("dev: another eventbus dev (pid " + other.get().pid() + ") runs from " + home.toAbsolutePath()
                    + "; stop it first (both would write the same data directory)");
            return 1;
        }
        // First, before anything is started: a signal at any moment of start-up stops what has
        // been started so far, and dev's own thread then takes no further step (see SignalStop).
        SignalStop signal = SignalStop.install("eventbus-dev-shutdown");
        try {
            return story(signal, out, samples);
        } catch (Exception | Error e) {
            signal.awaitEndIfBegan(); // it failed because the stop began: the stop ends dev
            throw e;
        }
    }

    private int story(SignalStop signal, PrintStream out, Path samples) throws Exception {
        RedisServer ownRedis = null;
        String given = redisUri;
        if (given == null || given.isBlank()) {
            ownRedis = signal.step(() -> startRedis(signal, out));
        } else {
            signal.unlessStopping(() -> out.println("dev: using Redis at " + RedisSettings.redact(given)));
        }
        String uri = ownRedis != null ? ownRedis.uri() : given;
        DevSession session = signal.step(() -> DevSession.record(home, uri));
        RedisServer redisToStop = ownRedis;
        // Until the runtime exists, a signal forgets the session and stops dev's own Redis (the
        // order service has a hook of its own until then).
        signal.stopWith(() -> {
            session.remove(home);
            if (redisToStop != null) {
                redisToStop.stop();
            }
        });
        try (ChildJvm orders = signal.step(() -> ChildJvm.start(
                samples.resolve("order-service"),
                "dev.eventbus.samples.orders.OrderServiceMain",
                List.of("--port", "0"),
                "order-service",
                Pattern.compile("listening on [^:]+:(\\d+)"),
                out))) {
            int port = signal.step(() ->
                    Integer.parseInt(orders.awaitLine(Duration.ofSeconds(30)).group(1)));
            Config devConfig = ConfigFactory.parseMap(Map.of(
                    "eventbus.redis.uri",
                    uri,
                    "eventbus.plugins-dir",
                    home.resolve("plugins").toString(),
                    "eventbus.consumer-name",
                    "dev",
                    "eventbus.consumer.shutdown-grace",
                    "5s",
                    "eventbus.plugin-host.reload",
                    "true",
                    "eventbus.grpc.services.\"" + ORDER_SERVICE + "\".target",
                    "127.0.0.1:" + port));
            RuntimeConfig config = new ConfigOptions().load(devConfig);
            config.warnings()
                    .forEach(w ->
                            org.slf4j.LoggerFactory.getLogger(DevCommand.class).warn("config: {}", w));
            Printout printout = new Printout(
                    out, KeyLayout.of(config.redis(), config.consumer().deadLetterPrefix()));
            AdminSurface ops = new AdminSurface(config, Clock.systemUTC());
            EventbusRuntime runtime = ops.newRuntime(printout);
            // SIGTERM or Ctrl-C runs no finally block: stop the runtime in order (acknowledgements
            // flushed), then the order service its in-flight calls needed, forget the session, then
            // stop dev's own Redis, which the runtime needed until then. JVM shutdown hooks run
            // concurrently, so neither child is stopped by a hook of its own meanwhile.
            signal.stopWith(new BoundedShutdown(
                    () -> {
                        ops.stopping();
                        runtime.stop();
                        ops.close();
                        orders.close();
                        session.remove(home);
                        if (redisToStop != null) {
                            redisToStop.stop();
                        }
                    },
                    Duration.ofSeconds(30),
                    () -> runtime.view().stuck(Duration.ZERO).orElse(""),
                    status -> {
                        if (redisToStop != null) {
                            redisToStop.kill();
                        }
                        Runtime.getRuntime().halt(status);
                    }));
            orders.stopAtExit(false);
            if (ownRedis != null) {
                ownRedis.reapAtExit(false);
            }
            try (runtime) {
                try {
                    return signal.step(
                            () -> storyWithRuntime(signal, out, samples, uri, config, printout, ops, runtime));
                } finally {
                    signal.ownEnding();
                }
            } finally {
                if (ownRedis != null) {
                    ownRedis.reapAtExit(true);
                }
                orders.stopAtExit(true);
                ops.close();
            }
        } finally {
            session.remove(home);
            if (ownRedis != null) {
                ownRedis.stop();
            }
        }
    }

    /** The story once the runtime exists: each step only while no stop began. */
    private int storyWithRuntime(
            SignalStop signal,
            PrintStream out,
            Path samples,
            String uri,
            RuntimeConfig config,
            Printout printout,
            AdminSurface ops,
            EventbusRuntime runtime)
            throws Exception {
        startOperations(signal, ops, runtime, out);
        signal.awaitEndIfBegan();
        runtime.start();
        signal.unlessStopping(() -> {
            runtime.view().pluginFailures().forEach(f -> out.println("dev: plugin refused: " + f));
            out.println("dev: runtime up with handlers "
                    + runtime.view().handlers().stream().map(h -> h.name()).toList());
        });
        printout.countPaymentsBy(runtime.view().handlers().stream()
                .filter(h -> h.spec().services().contains(ORDER_SERVICE))
                .map(h -> h.name())
                .toList());

        signal.awaitEndIfBegan();
        try (ChildJvm wallet = ChildJvm.start(
                samples.resolve("wallet-service"),
                "dev.eventbus.samples.wallet.WalletServiceMain",
                List.of("--redis", uri, "--count", Integer.toString(events)),
                "wallet-service",
                null,
                out)) {
            wallet.waitFor(Duration.ofSeconds(60));
        }
        signal.awaitEndIfBegan();
        publishMalformed(uri, out);

        boolean done = printout.awaitStory(events, Duration.ofSeconds(60));
        Thread.sleep(200); // let the last acknowledgements reach Redis before counting
        signal.awaitEndIfBegan();
        summary(uri, config.consumer().deadLetterPrefix(), out, done, printout);
        if (keepRunning) {
            signal.unlessStopping(() -> out.println("dev: still running; publish more with: redis-cli -u " + uri
                    + " XADD wallet '*' type wallet.topup.succeeded subject w-9 data "
                    + "'{\"orderId\":\"o-9\",\"walletId\":\"w-9\",\"amountCents\":900}'   (Ctrl-C to stop)"));
            new CountDownLatch(1).await();
        }
        return done ? 0 : 1;
    }

    /**
     * dev's own Redis keeps its data (append-only file) in the data directory, so a restart of dev
     * finds the streams, groups and dead letters of the last one; {@code --fresh} starts empty.
     */
    private RedisServer startRedis(SignalStop signal, PrintStream out) throws java.io.IOException {
        Path dir = (dataDir != null ? dataDir : home.resolve("data").resolve("dev")).toAbsolutePath();
        if (fresh && Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
        Files.createDirectories(dir);
        RedisServer redis = RedisServer.start(
                RedisServer.Options.defaults().withDataDir(dir).withAppendOnly(true));
        signal.unlessStopping(() -> out.println("dev: started redis-server (" + redis.source() + ") at " + redis.uri()
                + ", data in " + dir + (fresh ? " (fresh)" : " (kept across restarts; --fresh starts empty)")));
        return redis;
    }

    /**
     * The admin servers, as {@code run} has them, so {@code bin/eventbus status} and
     * {@code plugins} show the story live. A port already taken (another runtime) costs only them.
     */
    private static void startOperations(SignalStop signal, AdminSurface ops, EventbusRuntime runtime, PrintStream out) {
        try {
            ops.start(runtime);
            signal.unlessStopping(
                    () -> out.println(
                            "dev: admin on 127.0.0.1:" + ops.httpPort() + " (HTTP) and 127.0.0.1:" + ops.grpcPort()
                                    + " (gRPC); live state: bin/eventbus status (the operator commands find dev's Redis by themselves)"));
        } catch (OpsException e) {
            signal.awaitEndIfBegan();
            out.println("dev: admin servers not started (" + e.getMessage() + "); the story goes on without them");
        }
    }

    private static void publishMalformed(String uri, PrintStream out) {
        RedisClient client = RedisClient.create(uri);
        try (var connection = client.connect()) {
            String id = connection.sync().xadd("wallet", Map.of("subject", "w-broken", "data", "{}"));
            out.println("dev: published " + id + " to wallet with no 'type' field (it must be dead-lettered)");
        } finally {
            client.shutdown();
        }
    }

    private static void summary(String uri, String deadLetterPrefix, PrintStream out, boolean done, Printout printout) {
        RedisClient client = RedisClient.create(uri);
        try (var connection = client.connect()) {
            var redis = connection.sync();
            out.println();
            out.println("dev: " + (done ? "story complete" : "story INCOMPLETE (timed out)") + ": "
                    + printout.handled.get() + " handled, " + printout.deadLettered.get() + " dead-lettered, "
                    + printout.failed.get() + " failed attempts");
            for (var group : redis.xinfoGroups("wallet")) {
                out.println("dev: group " + group);
            }
            for (String dlq : redis.keys(deadLetterPrefix + "*")) {
                out.println("dev: dead-letter stream " + dlq + " holds " + redis.xlen(dlq) + " entr(ies)");
            }
        } finally {
            client.shutdown();
        }
    }

    /** A home without the samples is a bad --home (or EVENTBUS_HOME): a usage error (exit 2). */
    private void requireDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(),
                    dir.toAbsolutePath() + " not found: run from the unpacked distribution (dist/target/eventbus) "
                            + "or pass --home");
        }
    }

    /** Prints each outcome as it happens and counts them. */
    private static final class Printout implements DeliveryObserver {
        private final PrintStream out;
        private final KeyLayout keys;
        /** The handlers that call the order service: the story is done once they marked every top-up paid. */
        private volatile List<String> payers = List.of();

        final AtomicInteger handled = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger deadLettered = new AtomicInteger();
        private final AtomicInteger paid = new AtomicInteger();

        Printout(PrintStream out, KeyLayout keys) {
            this.out = out;
            this.keys = keys;
        }

        void countPaymentsBy(List<String> handlers) {
            payers = List.copyOf(handlers);
        }

        @Override
        public void handled(Subscription sub, Event event, long nanos) {
            handled.incrementAndGet();
            if (payers.contains(sub.group())) {
                paid.incrementAndGet();
            }
            out.printf(
                    "  [eventbus] %s handled %s %s (%s, subject %s) in %d ms -> ack queued%n",
                    sub.group(),
                    event.stream(),
                    event.entryId(),
                    event.type(),
                    event.subject(),
                    TimeUnit.NANOSECONDS.toMillis(nanos));
        }

        @Override
        public void failed(Subscription sub, Event event, Throwable error) {
            failed.incrementAndGet();
            out.printf(
                    "  [eventbus] %s FAILED on %s %s (attempt %d): %s%n",
                    sub.group(), event.stream(), event.entryId(), event.attempt(), error);
        }

        @Override
        public void leftPending(Subscription sub, StreamEntry entry, Throwable interrupted) {
            out.printf(
                    "  [eventbus] %s stopped on %s %s (attempt %d) %s by its plugin's reload or the shutdown: "
                            + "stays pending, for the next version or start%n",
                    sub.group(),
                    entry.stream(),
                    entry.id(),
                    entry.deliveries(),
                    interrupted == null ? "before it ran" : "while it ran (" + interrupted + ")");
        }

        @Override
        public void deadLettered(Subscription sub, StreamEntry entry, DeadLetterReason reason) {
            deadLettered.incrementAndGet();
            out.printf(
                    "  [eventbus] %s dead-lettered %s %s (reason %s) -> %s, acked%n",
                    sub.group(),
                    entry.stream(),
                    entry.id(),
                    reason.wireName(),
                    keys.deadLetters(sub.group(), entry.stream()));
        }

        boolean awaitStory(int events, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (paid.get() >= events && deadLettered.get() >= 1) {
                    return true;
                }
                Thread.sleep(50);
            }
            return false;
        }
    }
}
