package dev.eventbus.runtime.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.config.OwnershipSettings;
import dev.eventbus.runtime.internal.ReconnectReason;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an instance states it runs, against a real Redis, where it meets what does not state it:
 * an instance of a previous version (heartbeats, no statement) counts as running every layout, as
 * before, and a Redis user made from a previous version's ACL rules (no {@value
 * InstanceLayouts#KEY}) keeps the heartbeat and the leases going, assigned as before.
 */
class InstanceLayoutsIT {

    /** An owned redis-server: the test makes an ACL user on it. */
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension(RedisServer.Options.defaults());

    private static final OwnershipSettings SETTINGS =
            new OwnershipSettings(Duration.ofMillis(1500), Duration.ofMillis(100), Duration.ofMillis(500));

    private final List<AutoCloseable> open = new ArrayList<>();
    private ScheduledExecutorService beats;

    @BeforeEach
    void flush() {
        REDIS.command("FLUSHALL");
        beats = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void close() throws Exception {
        beats.shutdownNow();
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    @Test
    void anInstanceThatStatesNothingRunsEveryLayoutAndOneThatStatesOthersRunsNoneOfThese() {
        OwnershipCoordinator a = coordinator("inst-a", REDIS.uri());
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            leases.add(a.register("recorder", "{orders:" + i + "/8}", () -> true, () -> true));
        }
        // A previous version's instance: it heartbeats and states nothing.
        beats.scheduleAtFixedRate(
                () -> REDIS.command("ZADD", InstanceRegistry.KEY, serverMillis(), "inst-old"),
                0,
                100,
                TimeUnit.MILLISECONDS);
        a.start();
        List<String> old = List.of("inst-a", "inst-old");
        long theirs = leases.stream()
                .filter(l -> Rendezvous.owner(l.resource(), old).equals("inst-old"))
                .count();
        assertTrue(theirs > 0 && theirs < 8, "rendezvous splits the 8 partitions: " + theirs);
        await(
                "inst-a holds the partitions rendezvous gives it over both, as before",
                () -> leases.stream()
                        .allMatch(l -> l.mayDispatch()
                                == Rendezvous.owner(l.resource(), old).equals("inst-a")));

        // The same name now states that it runs another layout: it is no candidate for these.
        beats.scheduleAtFixedRate(
                () -> REDIS.command("HSET", InstanceLayouts.KEY, "inst-old", serverMillis() + "\nrecorder\torders\t4"),
                0,
                100,
                TimeUnit.MILLISECONDS);
        await("inst-a holds all 8", () -> leases.stream().allMatch(Lease::mayDispatch));
        await(
                "the disagreement is told",
                () -> a.mismatches()
                        .equals(List.of("stream orders: live instances disagree on its partition count: "
                                + "inst-old runs 4; inst-a runs 8")));
    }

    /**
     * Leases registered while a registration is open (a start's or a reload's subscriptions) are
     * stated, and taken, together once it closes: a statement of a part was warned about as a
     * disagreement (found from outside: "p4 runs 4", 50 ms before "p4 runs 4 and 8").
     */
    @Test
    void layoutsRegisteredWhileARegistrationIsOpenAreStatedTogetherWhenItCloses() throws Exception {
        OwnershipCoordinator a = coordinator("inst-a", REDIS.uri());
        List<Lease> theirs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            theirs.add(a.register("recorder", "{orders:" + i + "/8}", () -> true, () -> true));
        }
        a.start();
        await("inst-a holds its 8", () -> theirs.stream().allMatch(Lease::mayDispatch));

        OwnershipCoordinator b = coordinator("inst-b", REDIS.uri());
        OwnershipCoordinator.Registration registering = b.registering();
        b.start();
        List<Lease> draining = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            draining.add(b.register("recorder", "{orders:" + i + "/4}", () -> true, () -> true));
        }
        await(
                "inst-b heartbeats",
                () -> new InstanceRegistry(connect(REDIS.uri()), Duration.ofSeconds(2))
                        .live()
                        .ids()
                        .contains("inst-b"));
        Thread.sleep(500); // rounds with the draining layout registered and the registration open
        assertEquals(List.of(), statedBy("inst-b"), "nothing stated before every layout registered");
        assertEquals(List.of(), a.mismatches(), "so nothing to warn about");
        assertEquals(List.of(), b.mismatches(), "nor here");
        assertTrue(draining.stream().noneMatch(Lease::mayDispatch), "and no lease taken meanwhile");

        List<Lease> current = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            current.add(b.register("recorder", "{orders:" + i + "/8}", () -> true, () -> true));
        }
        registering.close();
        registering.close(); // a second close does not let another registration's leases through
        String both = "stream orders: live instances disagree on its partition count: inst-b runs 4 and 8; "
                + "inst-a runs 8";
        await(
                "both layouts stated together",
                () -> statedBy("inst-b").equals(List.of("recorder\torders\t4", "recorder\torders\t8")));
        await("inst-b holds the 4-partition layout", () -> draining.stream().allMatch(Lease::mayDispatch));
        await(
                "the disagreement told as it is",
                () -> a.mismatches().equals(List.of(both)) && b.mismatches().equals(List.of(both)));
    }

    /** The layouts {@code instance} states now, sorted (its statement's lines after the time). */
    private static List<String> statedBy(String instance) {
        Object statement = REDIS.command("HGET", InstanceLayouts.KEY, instance);
        if (statement == null) {
            return List.of();
        }
        List<String> lines = new ArrayList<>(List.of(text(statement).split("\n", -1)));
        lines.remove(0);
        lines.removeIf(String::isEmpty);
        lines.sort(null);
        return lines;
    }

    @Test
    void aUserWithoutTheLayoutsKeyKeepsHeartbeatingAndHoldingLeases() {
        REDIS.command("ACL", "SETUSER", "before", "reset", "on", ">pw", "~eventbus:instances", "~{orders:*", "+@all");
        OwnershipCoordinator a = coordinator("inst-a", REDIS.uri().replace("redis://", "redis://before:pw@"));
        Lease lease = a.register("recorder", "{orders:0/8}", () -> true, () -> true);
        a.start();
        await("the lease held", lease::mayDispatch);
        assertEquals(
                Set.of("inst-a"),
                Set.copyOf(new InstanceRegistry(connect(REDIS.uri()), Duration.ofSeconds(2))
                        .live()
                        .ids()));
        assertEquals(0L, REDIS.command("EXISTS", InstanceLayouts.KEY));
        assertEquals("", a.failure(), "the refused statement of layouts fails neither the heartbeat");
        assertEquals("", a.failure(lease), "nor the lease");
    }

    private OwnershipCoordinator coordinator(String id, String uri) {
        OwnershipCoordinator c = new OwnershipCoordinator(
                id, SETTINGS, connect(uri), ReconnectReason.UNKNOWN, () -> {}, Duration.ofSeconds(5), System::nanoTime);
        open.add(c);
        return c;
    }

    private io.lettuce.core.cluster.api.sync.RedisClusterCommands<byte[], byte[]> connect(String uri) {
        RedisClient client = RedisClient.create(uri);
        open.add(client::shutdown);
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        open.add(connection);
        return connection.sync();
    }

    private static String serverMillis() {
        List<?> time = (List<?>) REDIS.command("TIME");
        long s = Long.parseLong(text(time.get(0)));
        long us = Long.parseLong(text(time.get(1)));
        return Long.toString(s * 1000 + us / 1000);
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    private static void await(String what, BooleanSupplier condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(10)).until(condition::getAsBoolean);
    }
}
