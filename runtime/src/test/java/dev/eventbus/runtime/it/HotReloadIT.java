package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.VersionedHandler;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RedisExtension;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload under load, and load/unload cycles that leak neither class loaders nor open files. */
class HotReloadIT {

    /** Generous: a wait returns as soon as its condition holds, and CI machines may be slow. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @TempDir
    Path staging;

    @TempDir
    Path builds;

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS);

    private EventbusRuntime runtime;

    private void start() {
        startReloading(Map.of());
    }

    /** Starts the runtime with hot reload on, its plugins dir polled fast; {@code more} on top. */
    private void startReloading(Map<String, Object> more) {
        Map<String, Object> settings = new HashMap<>(Map.of(
                "eventbus.plugin-host.reload",
                true,
                "eventbus.plugin-host.staging-dir",
                staging.toString(),
                "eventbus.plugin-host.reload-poll-interval",
                "100ms",
                "eventbus.plugin-host.reload-quiet-period",
                "200ms"));
        settings.putAll(more);
        runtime = env.start("reload-it", settings);
    }

    private Path buildVersion(int version) throws Exception {
        Path dir = Files.createDirectories(builds.resolve("v" + version));
        return new PluginJarBuilder("versioned")
                .version(version + ".0.0")
                .extension(VersionedHandler.class)
                .resource("version.txt", "v" + version)
                .build(dir);
    }

    /** Writes the JAR in place, not atomically: the reloader must wait for the content to settle. */
    private void deploy(Path jar) throws Exception {
        Files.copy(jar, env.plugins().resolve("versioned.jar"), StandardCopyOption.REPLACE_EXISTING);
    }

    private String runningVersion() {
        return runtime.view().handlers().stream()
                .filter(h -> h.name().equals("versioned"))
                .map(h -> h.pluginVersion())
                .findFirst()
                .orElse("none");
    }

    @Test
    void replacingThePluginFiveTimesUnderLoadLosesNothingAndNeverRunsTwoVersionsOnOneEvent() throws Exception {
        deploy(buildVersion(1));
        start();
        assertEquals("1.0.0", runningVersion());

        AtomicBoolean publishing = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> published = new ConcurrentLinkedQueue<>();
        Thread publisher = Thread.ofPlatform().start(() -> {
            try (Streams streams = new Streams(REDIS.uri())) {
                int i = 0;
                while (publishing.get()) {
                    published.add(streams.publish(
                            "reload-stream",
                            Map.of(
                                    "type",
                                    "it.versioned",
                                    "id",
                                    "e-" + i,
                                    "sleep-ms",
                                    Integer.toString(i % 7 == 0 ? 300 : 5))));
                    i++;
                    Thread.sleep(3);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<Long> swapMillis = new ArrayList<>();
        for (int v = 2; v <= 6; v++) {
            Thread.sleep(700);
            Path jar = buildVersion(v);
            long start = System.nanoTime();
            deploy(jar);
            String expected = v + ".0.0";
            Streams.await(
                    "version " + expected + " running",
                    Duration.ofSeconds(20),
                    () -> runningVersion().equals(expected));
            swapMillis.add((System.nanoTime() - start) / 1_000_000);
        }
        Thread.sleep(500);
        publishing.set(false);
        publisher.join();

        int n = published.size();
        Streams.await(
                "every published event handled",
                Duration.ofSeconds(30),
                () -> env.orders().calls().stream()
                                .map(ReceivedCall::orderId)
                                .distinct()
                                .count()
                        == n);
        Streams.await("nothing pending", WAIT, () -> env.streams().pending("reload-stream", "versioned") == 0);
        Map<String, Set<String>> versionsByEntry = new HashMap<>();
        for (ReceivedCall call : env.orders().calls()) {
            versionsByEntry
                    .computeIfAbsent(call.orderId(), k -> new HashSet<>())
                    .add(call.requestEventId()
                            .substring(0, call.requestEventId().indexOf('|')));
        }
        assertEquals(new HashSet<>(published), versionsByEntry.keySet(), "every published entry was handled");
        List<String> twoVersions = versionsByEntry.entrySet().stream()
                .filter(e -> e.getValue().size() > 1)
                .map(Map.Entry::getKey)
                .toList();
        assertTrue(twoVersions.isEmpty(), "handled by two versions: " + twoVersions);
        Set<String> versionsSeen =
                versionsByEntry.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
        assertEquals(Set.of("v1", "v2", "v3", "v4", "v5", "v6"), versionsSeen);
        long duplicates = env.orders().calls().size() - n;
        System.out.printf(
                "hot reload: %d events, 5 replacements (deploy to new version running: %s ms), "
                        + "%d duplicate deliveries, lost 0%n",
                n, swapMillis, duplicates);
    }

    @Test
    void eventsWaitingBehindAHeldSubjectAreHandledByTheNextVersionAfterTheHeldEventsRetry() throws Exception {
        deploy(buildVersion(1));
        startReloading(Map.of(
                // The unload does not wait it for 'waiting', which cannot run before 'held's retry.
                "eventbus.consumer.shutdown-grace", "20s",
                "eventbus.handlers.versioned.ordered-by-subject", true,
                "eventbus.handlers.versioned.retry.backoff.initial", "8s"));
        String held = env.publish(
                "reload-stream", Map.of("type", "it.versioned", "subject", "s-1", "id", "held", "fail-in", "v1"));
        String waiting =
                env.publish("reload-stream", Map.of("type", "it.versioned", "subject", "s-1", "id", "waiting"));
        env.publish("reload-stream", Map.of("type", "it.versioned", "subject", "s-2", "id", "other"));
        Streams.await("the other subject handled", WAIT, () -> env.orders().appliedCount() == 1);
        Thread.sleep(300);
        assertEquals(1, env.orders().appliedCount(), "'waiting' waits behind 'held', whose retry is 8 s away");

        Path v2 = buildVersion(2);
        long t = System.nanoTime();
        deploy(v2);
        Streams.await(
                "version 2 running",
                Duration.ofSeconds(30),
                () -> runningVersion().equals("2.0.0"));
        long reload = (System.nanoTime() - t) / 1_000_000;
        System.out.printf("held events: the reload took %d ms (grace 20s)%n", reload);
        assertTrue(reload < 6_000, "the reload took " + reload + " ms: the unload waited for 'waiting' (20 s grace)");
        // Version 2 reads the pending entries again: 'held' waits for its retry, and holds its
        // subject there too, so 'waiting' still goes after it (a reload keeps ordering).
        Streams.await(
                "'waiting' handled by version 2",
                Duration.ofSeconds(40),
                () -> env.orders().calls().stream()
                        .anyMatch(c -> c.orderId().equals(waiting)
                                && c.requestEventId().equals("v2|waiting")));
        List<String> subjectOne = env.orders().calls().stream()
                .filter(c -> c.orderId().equals(held) || c.orderId().equals(waiting))
                .map(c -> c.requestEventId())
                .toList();
        assertEquals("v2|waiting", subjectOne.get(subjectOne.size() - 1), "'waiting' last: " + subjectOne);
        assertTrue(subjectOne.contains("v2|held"), "'held' handled by version 2 first: " + subjectOne);
        assertEquals(
                subjectOne.indexOf("v2|held") + 1,
                subjectOne.indexOf("v2|waiting"),
                "'held' right before 'waiting': " + subjectOne);
    }

    @Test
    void aHandlerStillRunningAfterTheGraceIsInterruptedBeforeUnloadAndItsEventGoesToTheNextVersion() throws Exception {
        deploy(buildVersion(1));
        startReloading(Map.of(
                "eventbus.consumer.shutdown-grace", "1s",
                "eventbus.handlers.versioned.timeout", "10m"));
        Path marks = Files.createDirectories(builds.resolve("marks"));
        String blocked = env.publish(
                "reload-stream",
                Map.of(
                        "type",
                        "it.versioned",
                        "id",
                        "blocked",
                        "block-dir",
                        marks.toString(),
                        "block-in",
                        "v1",
                        "block",
                        "interruptible"));
        Streams.await("version 1 blocks in its handler", WAIT, () -> Files.exists(marks.resolve("started-v1")));

        deploy(buildVersion(2));
        Streams.await(
                "version 2 running",
                Duration.ofSeconds(20),
                () -> runningVersion().equals("2.0.0"));
        assertTrue(Files.exists(marks.resolve("ended-v1")), "version 1's handler returned before version 2 started");
        Streams.await(
                "the blocked event handled by version 2",
                Duration.ofSeconds(15),
                () -> env.orders().calls().stream()
                        .anyMatch(c -> c.orderId().equals(blocked)
                                && c.requestEventId().equals("v2|blocked")));
        assertEquals(
                List.of("v2|blocked"),
                env.orders().calls().stream().map(ReceivedCall::requestEventId).toList());
        assertEquals(Map.of(), runtime.view().leakedThreads());
    }

    @Test
    void aHandlerIgnoringTheInterruptHoldsBackTheReloadAndTheOldVersionKeepsRunningUntilItReturns() throws Exception {
        deploy(buildVersion(1));
        runtime = env.start(
                "reload-it",
                Map.of(
                        "eventbus.plugin-host.staging-dir", staging.toString(),
                        "eventbus.consumer.shutdown-grace", "1s",
                        "eventbus.handlers.versioned.timeout", "10m",
                        "eventbus.handlers.versioned.abandon-after", "1s"));
        Path marks = Files.createDirectories(builds.resolve("marks"));
        String stuck = env.publish(
                "reload-stream",
                Map.of(
                        "type",
                        "it.versioned",
                        "id",
                        "stuck",
                        "block-dir",
                        marks.toString(),
                        "block-in",
                        "v1",
                        "block",
                        "until-released"));
        Streams.await("version 1 blocks in its handler", WAIT, () -> Files.exists(marks.resolve("started-v1")));
        deploy(buildVersion(2));

        IllegalStateException heldBack =
                assertThrows(IllegalStateException.class, () -> runtime.view().reloadPlugin("versioned"));
        assertTrue(
                heldBack.getMessage().contains("worker eventbus-worker#")
                        && heldBack.getMessage().contains("of handler versioned on reload-stream " + stuck)
                        && heldBack.getMessage().contains("1.0.0 keeps running"),
                heldBack.getMessage());
        assertEquals("1.0.0", runningVersion());
        assertFalse(Files.exists(marks.resolve("ended-v1")), "version 1 still runs its handler");

        String next = env.publish("reload-stream", Map.of("type", "it.versioned", "id", "next"));
        Streams.await(
                "version 1 still handles new events",
                WAIT,
                () -> env.orders().calls().stream()
                        .anyMatch(c ->
                                c.orderId().equals(next) && c.requestEventId().equals("v1|next")));
        IllegalStateException again =
                assertThrows(IllegalStateException.class, () -> runtime.view().reloadPlugin("versioned"));
        assertTrue(again.getMessage().contains("of handler versioned on reload-stream " + stuck), again.getMessage());

        Files.writeString(marks.resolve("release"), "");
        Streams.await("version 1's handler returned", WAIT, () -> Files.exists(marks.resolve("ended-v1")));
        Streams.await("the reload goes through once it returned", Duration.ofSeconds(20), () -> {
            try {
                return runtime.view().reloadPlugin("versioned").version().equals("2.0.0");
            } catch (IllegalStateException stillHeld) {
                return false;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String after = env.publish("reload-stream", Map.of("type", "it.versioned", "id", "after"));
        Streams.await(
                "version 2 handles new events",
                WAIT,
                () -> env.orders().calls().stream()
                        .anyMatch(c ->
                                c.orderId().equals(after) && c.requestEventId().equals("v2|after")));
        Map<String, Set<String>> versionsByEntry = new HashMap<>();
        env.orders()
                .calls()
                .forEach(c -> versionsByEntry
                        .computeIfAbsent(c.orderId(), k -> new HashSet<>())
                        .add(c.requestEventId().substring(0, c.requestEventId().indexOf('|'))));
        assertEquals(Map.of(stuck, Set.of("v1"), next, Set.of("v1"), after, Set.of("v2")), versionsByEntry);
    }

    /**
     * Found from outside: each reload of a version with workers abandoned after their timeout
     * stopped its reading for the whole shutdown grace (20 s), then gave up. They are known before
     * anything stops: the reload is refused at once, and events keep flowing to that version.
     */
    @Test
    void aReloadHeldBackByAWorkerAbandonedAfterItsTimeoutIsRefusedAtOnceAndEventsKeepFlowing() throws Exception {
        deploy(buildVersion(1));
        runtime = env.start(
                "reload-it",
                Map.of(
                        "eventbus.plugin-host.staging-dir", staging.toString(),
                        "eventbus.consumer.shutdown-grace", "15s",
                        "eventbus.handlers.versioned.timeout", "1s",
                        "eventbus.handlers.versioned.abandon-after", "1s"));
        Path marks = Files.createDirectories(builds.resolve("marks"));
        String stuck = env.publish(
                "reload-stream",
                Map.of(
                        "type",
                        "it.versioned",
                        "id",
                        "stuck",
                        "block-dir",
                        marks.toString(),
                        "block-in",
                        "v1",
                        "block",
                        "until-released"));
        Streams.await(
                "version 1's worker abandoned after its timeout",
                WAIT,
                () -> runtime.view().abandonedWorkers("versioned").running() > 0);
        deploy(buildVersion(2));

        long began = System.nanoTime();
        IllegalStateException heldBack =
                assertThrows(IllegalStateException.class, () -> runtime.view().reloadPlugin("versioned"));
        Duration took = Duration.ofNanos(System.nanoTime() - began);

        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "refused after " + took + ", not the 15 s grace");
        assertTrue(
                heldBack.getMessage().contains("ignored the interrupt after their handler's timeout (abandoned)")
                        && heldBack.getMessage().contains("worker eventbus-worker#")
                        && heldBack.getMessage().contains("of handler versioned on reload-stream " + stuck)
                        && heldBack.getMessage().contains("1.0.0 keeps running"),
                heldBack.getMessage());
        String next = env.publish("reload-stream", Map.of("type", "it.versioned", "id", "next"));
        Streams.await(
                "version 1 goes on handling new events",
                WAIT,
                () -> env.orders().calls().stream()
                        .anyMatch(c ->
                                c.orderId().equals(next) && c.requestEventId().equals("v1|next")));
        assertEquals("1.0.0", runningVersion());

        Files.writeString(marks.resolve("release"), "");
        Streams.await(
                "the abandoned worker returned",
                WAIT,
                () -> runtime.view().abandonedWorkers("versioned").running() == 0);
        assertEquals("2.0.0", runtime.view().reloadPlugin("versioned").version());
    }

    @Test
    void aRemovedPluginWhoseHandlerIgnoresTheInterruptIsUnloadedOnlyOnceItReturns() throws Exception {
        deploy(buildVersion(1));
        startReloading(Map.of(
                "eventbus.consumer.shutdown-grace", "1s",
                "eventbus.handlers.versioned.timeout", "10m",
                "eventbus.handlers.versioned.abandon-after", "1s"));
        Path marks = Files.createDirectories(builds.resolve("marks"));
        env.publish(
                "reload-stream",
                Map.of(
                        "type",
                        "it.versioned",
                        "id",
                        "stuck",
                        "block-dir",
                        marks.toString(),
                        "block",
                        "until-released"));
        Streams.await("version 1 blocks in its handler", WAIT, () -> Files.exists(marks.resolve("started-v1")));
        Files.delete(env.plugins().resolve("versioned.jar"));
        Streams.await(
                "its subscriptions stopped",
                Duration.ofSeconds(20),
                () -> runtime.view().subscriptions().isEmpty());
        assertEquals("1.0.0", runningVersion(), "not unloaded while its handler runs");

        Files.writeString(marks.resolve("release"), "");
        Streams.await(
                "unloaded once its handler returned",
                Duration.ofSeconds(20),
                () -> runtime.view().handlers().isEmpty());
        assertTrue(Files.exists(marks.resolve("ended-v1")));
        assertEquals(Map.of(), runtime.view().leakedThreads(), "no worker ran its code after it was unloaded");
    }

    @Test
    void threadsAPluginLeavesBehindAreReportedWhenItStops() throws Exception {
        new PluginJarBuilder("leaky")
                .version("1.0.0")
                .extension(dev.eventbus.runtime.fixtures.LeakyHandler.class)
                .build(env.plugins());
        start();
        assertEquals(
                List.of("leaky"),
                runtime.view().handlers().stream().map(h -> h.name()).toList());
        try (Stream<Path> jars = Files.list(env.plugins())) {
            for (Path jar : jars.toList()) {
                Files.delete(jar);
            }
        }
        Streams.await("unloaded", WAIT, () -> runtime.view().handlers().isEmpty());
        assertEquals(
                Map.of("leaky 1.0.0", List.of("leaky-poller")), runtime.view().leakedThreads());
    }

    @Test
    void twentyLoadUnloadCyclesOfAPluginMakingGrpcCallsLeaveNoClassLoaderNoThreadAndNoOpenJar() throws Exception {
        start();
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        Path jar = buildVersion(1);
        for (int i = 0; i < 20; i++) {
            deploy(jar);
            Streams.await("loaded", WAIT, () -> runningVersion().equals("1.0.0"));
            loaders.add(new WeakReference<>(runtime.view().handlers().get(0).classLoader()));
            // A gRPC call from each version: the channel's threads start lazily, on a call.
            int calls = i + 1;
            env.publish("reload-stream", Map.of("type", "it.versioned", "id", "cycle-" + i));
            Streams.await(
                    "the plugin called the order service",
                    WAIT,
                    () -> env.orders().calls().size() == calls);
            Files.delete(env.plugins().resolve("versioned.jar"));
            Streams.await("unloaded", WAIT, () -> runtime.view().handlers().isEmpty());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (loaders.stream().anyMatch(r -> r.get() != null) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(200);
        }
        long alive = loaders.stream().filter(r -> r.get() != null).count();
        assertEquals(0, alive, "class loaders of unloaded plugins still reachable");
        assertEquals(Map.of(), runtime.view().leakedThreads(), "the runtime's own gRPC threads are not the plugin's");

        List<String> openJars = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(staging.toString())
                            || target.startsWith(env.plugins().toString())) {
                        openJars.add(target);
                    }
                } catch (Exception gone) {
                    // The descriptor closed while listing.
                }
            }
        }
        assertTrue(openJars.isEmpty(), "descriptors still open on plugin JARs: " + openJars);
        try (Stream<Path> left = Files.list(staging)) {
            assertEquals(0, left.count(), "staged copies are deleted with their plugin");
        }
        System.out.println("hot reload: 20 load/unload cycles with a gRPC call each, 20 of 20 class loaders collected, "
                + "no thread left behind, 0 open JAR descriptors");
    }
}
