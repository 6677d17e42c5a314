package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.HealthChecks;
import dev.eventbus.runtime.consumer.ReaderState;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ownership.InstanceLayouts;
import dev.eventbus.runtime.ownership.InstanceRegistry;
import dev.eventbus.testkit.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The ownership of partitions as a Redis user made from the README's rules less one: a heartbeat
 * or a lease Redis refuses leaves the instance owning no partition, so its ordered subscriptions
 * on a partitioned stream handle nothing. Readiness and their states say so, naming the
 * permission, and clear by themselves once the permission is granted. (From outside: without
 * {@code +zadd} 10 events were published and none handled while readiness said 200 UP and status
 * showed every row running.)
 */
class OwnershipAclIT {

    /** An owned redis-server (never EVENTBUS_TEST_REDIS_URI): the test makes ACL users on it. */
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension(RedisServer.Options.defaults());

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private static final PartitionedStream STREAM = new PartitionedStream("it-stream", 2);
    /** The user's stream patterns: the partitions and their lease keys. */
    private static final String STREAMS = "~it-stream ~{it-stream:*";

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final Map<String, Object> SETTINGS = Map.of(
            "eventbus.streams.it-stream.partitions", 2,
            "eventbus.handlers.recorder.ordered-by-subject", true,
            "eventbus.ownership.lease-ttl", "3s",
            "eventbus.ownership.renew-every", "500ms",
            "eventbus.ownership.safety-margin", "1s",
            "eventbus.consumer.block", "500ms",
            "eventbus.consumer.shutdown-grace", "2s");

    private final Logger ownershipLog =
            (Logger) LoggerFactory.getLogger("dev.eventbus.runtime.ownership.OwnershipCoordinator");
    private final Logger permissionLog =
            (Logger) LoggerFactory.getLogger("dev.eventbus.runtime.consumer.RedisPermissionLog");
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void watchLogs() {
        logs.start();
        ownershipLog.addAppender(logs);
        permissionLog.addAppender(logs);
    }

    @AfterEach
    void stopWatching() {
        ownershipLog.detachAppender(logs);
        permissionLog.detachAppender(logs);
    }

    private EventbusRuntime startWithout(String rule) throws Exception {
        AclUsers.create(REDIS, "eventbus", "runtime-pw", STREAMS, rule);
        EventbusRuntime runtime = env.startOn(AclUsers.uri(REDIS, "eventbus", "runtime-pw"), "acl-owner", SETTINGS);
        for (int i = 0; i < 4; i++) {
            env.publish(STREAM.key(i % 2), Map.of("type", "it.recorded", "subject", "s-" + i));
        }
        return runtime;
    }

    @Test
    void aRefusedHeartbeatFailsReadinessAndTheOrderedSubscriptionsUntilOneGoesThrough() throws Exception {
        EventbusRuntime runtime = startWithout("+zadd");
        try (FailFastRedis ops = new FailFastRedis(runtime.config().redis())) {
            HealthChecks health = new HealthChecks(runtime.view(), ops, false, () -> true, Duration.ofMinutes(1));
            Streams.await("readiness names the refused heartbeat", WAIT, () -> {
                HealthChecks.Result r = health.ready();
                String ownership = r.checks().getOrDefault("ownership", "");
                return !r.up()
                        && ownership.startsWith("failing: ")
                        && ownership.contains("heartbeat")
                        && ownership.contains(InstanceRegistry.KEY)
                        && ownership.contains("the Redis user lacks a permission (NOPERM")
                        && ownership.contains("'zadd'");
            });
            assertFalse(health.readyButForPing(), "eventbus_runtime_ready says 0 with it");
            List<ReaderState> states = runtime.view().readerStates();
            assertEquals(2, states.size(), states.toString());
            for (ReaderState s : states) {
                assertTrue(
                        s.failure().startsWith("this instance cannot heartbeat, so it owns no partition: ")
                                && s.failure().contains("lacks a permission"),
                        s.toString());
                assertTrue(
                        health.ready()
                                .checks()
                                .getOrDefault("subscription " + s.subscription().name(), "")
                                .startsWith("failing: this instance cannot heartbeat"),
                        health.ready().checks().toString());
            }
            assertTrue(
                    lines().stream()
                            .anyMatch(l -> l.contains("refused EVAL on key '" + InstanceRegistry.KEY + "'")
                                    && l.contains("lacks a permission")
                                    && l.contains("'zadd'")),
                    "the log names the command and the key: " + lines());
            assertEquals(0, env.orders().appliedCount(), "no partition owned, nothing handled");

            grantAndAwaitEveryEvent(runtime, health, "+zadd", "once the heartbeat goes through");
            assertTrue(health.readyButForPing());
        }
    }

    @Test
    void aRefusedLeaseFailsTheOrderedSubscriptionsNamingTheCommandUntilItIsGranted() throws Exception {
        EventbusRuntime runtime = startWithout("+hset");
        try (FailFastRedis ops = new FailFastRedis(runtime.config().redis())) {
            HealthChecks health = new HealthChecks(runtime.view(), ops, false, () -> true, Duration.ofMinutes(1));
            Streams.await(
                    "both ordered subscriptions say their lease is refused",
                    WAIT,
                    () -> runtime.view().readerStates().stream()
                                    .filter(s -> s.failure().contains("lease")
                                            && s.failure().contains("the Redis user lacks a permission (NOPERM")
                                            && s.failure().contains("'hset'"))
                                    .count()
                            == 2);
            HealthChecks.Result ready = health.ready();
            assertFalse(ready.up(), ready.toString());
            assertFalse(health.readyButForPing());
            assertTrue(
                    lines().stream()
                            .anyMatch(l -> l.contains(InstanceLayouts.KEY)
                                    && l.contains("the Redis user lacks a permission (NOPERM")
                                    && l.contains("'hset'")),
                    "the layouts' refusal names the command, the key and the permission: " + lines());
            assertEquals(0, env.orders().appliedCount(), "no lease taken, nothing handled");

            grantAndAwaitEveryEvent(runtime, health, "+hset", "once the lease is taken");
        }
    }

    /** Grants the permission back: every event is handled, readiness comes back, no subscription fails. */
    private void grantAndAwaitEveryEvent(EventbusRuntime runtime, HealthChecks health, String rule, String when)
            throws InterruptedException {
        REDIS.command("ACL", "SETUSER", "eventbus", rule);
        Streams.await("every event handled " + when, WAIT, () -> env.orders().appliedCount() == 4);
        Streams.await("ready again", WAIT, () -> health.ready().up());
        assertTrue(
                runtime.view().readerStates().stream().allMatch(s -> s.failure().isEmpty()),
                runtime.view().readerStates().toString());
    }

    private List<String> lines() {
        synchronized (logs.list) {
            return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}
