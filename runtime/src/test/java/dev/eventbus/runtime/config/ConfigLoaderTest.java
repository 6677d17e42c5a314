package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.stream.SingleNodeKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path file(String hocon) throws IOException {
        Path f = dir.resolve("application.conf");
        Files.writeString(f, hocon);
        return f;
    }

    @Test
    void noKeyOfTheRuntimeSharesItsFirstPartWithTheBuildsOwnProperties() {
        // A -D property under one of these is left out unchecked: a runtime key named so could not be set by -D.
        Set<String> runtimeFirstParts = ConfigFactory.parseResources("reference.conf")
                .getConfig("eventbus")
                .root()
                .keySet();
        Set<String> shared = new java.util.TreeSet<>(runtimeFirstParts);
        shared.retainAll(ConfigLoader.BUILD_PROPERTIES);
        assertTrue(runtimeFirstParts.contains("consumer"), "the reference was read: " + runtimeFirstParts);
        assertEquals(Set.of(), shared);
    }

    @Test
    void referenceAloneIsValid() {
        RuntimeConfig c = ConfigLoader.load(Optional.empty());
        assertEquals(Duration.ofSeconds(2), c.consumer().block());
        assertEquals(256, c.handlerDefaults().maxInFlight());
        assertEquals(10, c.handlerDefaults().retry().maxAttempts());
        assertEquals("eventbus:dlq:h", new SingleNodeKeys(c.consumer().deadLetterPrefix()).deadLetters("h", "s"));
        assertTrue(c.services().isEmpty());
        assertTrue(!c.consumerName().isBlank(), "consumer name defaults to the host name");
    }

    @Test
    void fileValuesAndServicesAreRead() throws IOException {
        RuntimeConfig c = ConfigLoader.load(Optional.of(file("""
                eventbus {
                  consumer-name = worker-7
                  consumer.block = 500ms
                  handler-defaults.max-in-flight = 8
                  handlers { h1 { max-in-flight = 3, retry.max-attempts = 2 } }
                  grpc.services { "orders.v1.OrderService" { target = "localhost:1", deadline = 750ms } }
                }
                """)));
        assertEquals("worker-7", c.consumerName());
        assertEquals(3, c.maxInFlight("h1"));
        assertEquals(8, c.maxInFlight("other"));
        assertEquals(2, c.handler("h1").retry().maxAttempts());
        assertEquals(10, c.handler("other").retry().maxAttempts());
        RpcServiceSettings s = c.services().get("orders.v1.OrderService");
        assertEquals("localhost:1", s.target());
        assertEquals(Duration.ofMillis(750), s.deadline());
        assertEquals(4194304, s.maxInboundMessageSize(), "unset keys come from grpc.defaults");
    }

    @Test
    void unknownKeyNamesKeyAndFile() throws IOException {
        Path f = file("eventbus.consumer.blok = 2s\n");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f)));
        assertTrue(e.getMessage().contains("eventbus.consumer.blok"), e.getMessage());
        assertTrue(e.getMessage().contains(f.getFileName().toString()), e.getMessage());
    }

    @Test
    void aMisspeltKeyGivenAsASystemPropertyIsAnUnknownKeyAndTheBuildsOwnPropertiesAreLeftAlone() {
        // Found from outside: JAVA_OPTS=-Deventbus.consumer.raed-ahead=3 bin/eventbus config check said
        // "configuration valid" (the reference it was checked against held the system properties too).
        Map<String, String> properties = Map.of(
                "eventbus.consumer.raed-ahead", "3",
                "eventbus.consumer.read-ahead", "7",
                "eventbus.it.forks", "1"); // a build property (Maven hands -D values to the test JVMs)
        properties.forEach(System::setProperty);
        ConfigFactory.invalidateCaches();
        try {
            InvalidConfigException e =
                    assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.empty()));
            assertEquals(
                    List.of("unknown key 'eventbus.consumer.raed-ahead' (system properties)"),
                    e.problems(),
                    e.getMessage());
            System.clearProperty("eventbus.consumer.raed-ahead");
            ConfigFactory.invalidateCaches();
            assertEquals(7, ConfigLoader.load(Optional.empty()).consumer().readAhead(), "a known key still counts");
        } finally {
            properties.keySet().forEach(System::clearProperty);
            ConfigFactory.invalidateCaches();
        }
    }

    @Test
    void aSystemPropertyWithAMisspeltFirstPartIsAnUnknownKeyAndEveryBuildNamespaceIsLeftAlone() {
        // Found in review: -Deventbus.consumr.block=1s was dropped in silence (only first parts the
        // runtime defines were checked), the reader blocking for the default 2 s.
        Map<String, String> properties = new java.util.LinkedHashMap<>();
        properties.put("eventbus.consumr.block", "1s");
        // What the build and its tests set (poms, .mvn/maven.config, the fault suite, the test kit).
        properties.put("eventbus.reactor", "true");
        properties.put("eventbus.aot.skip", "");
        properties.put("eventbus.format.skip", "true");
        properties.put("eventbus.it.forks", "1");
        properties.put("eventbus.it.hang-instead", "true");
        properties.put("eventbus.dist", "/opt/eventbus");
        properties.put("eventbus.testkit.greeting-plugin.started", "x");
        properties.put("eventbus.version", "0.1.0-SNAPSHOT");
        properties.put("eventbus.api.version", "0.1.0");
        Map<String, String> before = new java.util.HashMap<>(); // this JVM's own (Maven sets eventbus.reactor)
        properties.keySet().forEach(k -> before.put(k, System.getProperty(k)));
        properties.forEach(System::setProperty);
        ConfigFactory.invalidateCaches();
        try {
            InvalidConfigException e =
                    assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.empty()));
            assertEquals(
                    List.of("unknown key 'eventbus.consumr.block' (system properties)"), e.problems(), e.getMessage());
            System.clearProperty("eventbus.consumr.block");
            ConfigFactory.invalidateCaches();
            RuntimeConfig config = ConfigLoader.load(Optional.empty());
            assertFalse(config.source().hasPath("eventbus.reactor"), "not the runtime's: left out of config show");
        } finally {
            before.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
            ConfigFactory.invalidateCaches();
        }
    }

    @Test
    void aValueWhereASectionBelongsIsOneProblemNamingItsLineNotEverySettingOfTheSection() throws IOException {
        // Found from outside: "eventbus.redis = ..." (for eventbus.redis.uri) was listed as a dozen
        // "No setting at 'eventbus.redis.command-timeout'" blamed on env-overrides.conf, never the
        // file's line; with EVENTBUS_REDIS_URI set, the same blamed on the variable.
        Path f = file("""
                eventbus.redis = "redis://127.0.0.1:6379"
                eventbus.admin = on
                eventbus.consumer.block = soon
                """);
        for (Map<String, String> environment :
                List.of(Map.<String, String>of(), Map.of("EVENTBUS_REDIS_URI", "redis://127.0.0.1:6380"))) {
            InvalidConfigException e = assertThrows(
                    InvalidConfigException.class,
                    () -> ConfigLoader.load(Optional.of(f), ConfigFactory.empty(), environment));
            assertEquals(3, e.problems().size(), e.getMessage());
            assertTrue(
                    e.problems().get(0).startsWith("eventbus.redis is a section, not a string: set its keys ("),
                    e.getMessage());
            assertTrue(e.problems().get(0).contains("tls, uri) under it"), e.getMessage());
            assertTrue(e.problems().get(0).endsWith("application.conf: 1)"), e.getMessage());
            // HOCON reads on as a string; it becomes a boolean only where one is asked for
            assertTrue(e.problems().get(1).startsWith("eventbus.admin is a section, not a string"), e.getMessage());
            assertTrue(e.problems().get(1).endsWith("application.conf: 2)"), e.getMessage());
            assertTrue(e.problems().get(2).contains("consumer.block"), e.getMessage());
            assertFalse(e.getMessage().contains("env-overrides.conf"), e.getMessage());
        }
        InvalidConfigException root = assertThrows(
                InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(file("eventbus = 1\n"))));
        assertEquals(1, root.problems().size(), root.getMessage());
        assertTrue(root.problems().get(0).startsWith("eventbus is a section, not a number"), root.getMessage());
    }

    /** As for a stream (StreamsConfigTest): said as a value where a section belongs, not in Typesafe Config's words. */
    @Test
    void aValueWhereAHandlerOrAServiceSectionBelongsSaysWhatIsExpected() {
        String handler = refused("eventbus.handlers { recorder = 8 }");
        assertTrue(
                handler.contains("eventbus.handlers.recorder is a section, not a number: set its keys (abandon-after, "
                        + "max-in-flight, ordered-by-subject, retry, timeout) under it (String: 1)"),
                handler);
        assertFalse(handler.contains("rather than OBJECT"), handler);
        String service = refused("eventbus.grpc.services { \"orders.v1.OrderService\" = \"localhost:1\" }");
        assertTrue(
                service.contains(
                        "eventbus.grpc.services.\"orders.v1.OrderService\" is a section, not a string: set its "
                                + "keys ("),
                service);
        assertTrue(service.contains(", ...) under it (String: 1)"), service);
        assertFalse(service.contains("rather than OBJECT"), service);
    }

    /** Passed `config check` before: a value under plugins reached no plugin, or failed only when one started. */
    @Test
    void aValueWhereAPluginsSectionBelongsIsAProblem() {
        String plugin = refused("eventbus.plugins { payments = 8, ledger { threshold = 1 } }");
        assertTrue(
                plugin.contains("eventbus.plugins.payments is a section, not a number, the settings of plugin "
                        + "'payments' go under it, e.g. plugins { payments { threshold = 100 } } (String: 1)"),
                plugin);
        assertFalse(plugin.contains("ledger"), plugin);
    }

    @Test
    void aKeyOfTheFileOutsideEventbusIsAnUnknownKeySayingWhereItBelongs() throws IOException {
        // Found from outside: redis.uri and consumer.read-ahead at the top level, and a misspelt root,
        // passed config check, and the runtime connected to the default 127.0.0.1:6379.
        Path included = Files.writeString(dir.resolve("more.conf"), "plugins.payments.threshold = 3\n");
        Path f = file("""
                eventbus {
                  consumer.read-ahead = 3
                }
                redis.uri = "redis://127.0.0.1:22999"
                consumer.read-ahead = -5
                evenbus { consumer.read-ahead = 3 }
                evntbus.consumer.read-ahead = -1
                colour = blue
                include "more.conf"
                """);
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f), ConfigFactory.empty(), Map.of()));
        assertEquals(
                List.of(
                        "unknown key 'plugins.payments.threshold' (" + included + ": 1): every setting goes under "
                                + "eventbus { }: did you mean eventbus.plugins.payments.threshold?",
                        "unknown key 'redis.uri' (" + f + ": 4): every setting goes under eventbus { }: did you "
                                + "mean eventbus.redis.uri?",
                        "unknown key 'consumer.read-ahead' (" + f + ": 5): every setting goes under eventbus { }: "
                                + "did you mean eventbus.consumer.read-ahead?",
                        "unknown key 'evenbus.consumer.read-ahead' (" + f + ": 6): the settings' root is eventbus, "
                                + "not evenbus: did you mean eventbus.consumer.read-ahead?",
                        "unknown key 'evntbus.consumer.read-ahead' (" + f + ": 7): the settings' root is eventbus, "
                                + "not evntbus: did you mean eventbus.consumer.read-ahead?",
                        "unknown key 'colour' (" + f + ": 8): every setting goes under eventbus { }"),
                e.problems(),
                e.getMessage());
        // Only the file: the environment and system properties hold many other names.
        System.setProperty("redis.uri", "redis://127.0.0.1:22999");
        ConfigFactory.invalidateCaches();
        try {
            Path valid = file("eventbus.consumer.read-ahead = 3\n");
            assertEquals(
                    3,
                    ConfigLoader.load(Optional.of(valid), ConfigFactory.empty(), Map.of("REDIS_URI", "x"))
                            .consumer()
                            .readAhead());
        } finally {
            System.clearProperty("redis.uri");
            ConfigFactory.invalidateCaches();
        }
    }

    @Test
    void aValueTypesafeCannotReadIsSaidWithItsFullKeyAsWrittenAndWhereAndADurationAsWritten() throws IOException {
        // Found from outside: "wrongtype.conf: 5: consumer.read-ahead has type STRING rather than NUMBER",
        // "Invalid value at 'consumer.block': Could not parse time unit 'parsecs'", "must be positive, was
        // PT-10S": Typesafe Config's words, the key without eventbus., a duration in Java's ISO form.
        Path f = file("""
                eventbus {
                  consumer.read-ahead = "abc"
                  consumer.block = 5 parsecs
                  consumer.ack-limit = 3000000000
                  consumer.max-event-bytes = lots
                  handlers.h.max-in-flight = "y"
                  metrics.poll-interval = -10s
                  ownership.safety-margin = 20s
                  redis.reconnect { initial-delay = 1500ms, max-delay = 1s }
                }
                """);
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.of(f), ConfigFactory.empty(), Map.of("EVENTBUS_PLUGIN_RELOAD", "maybe")));
        List<String> expected = List.of(
                "eventbus.consumer.read-ahead must be a number, was \"abc\" (" + f + ": 2)",
                "eventbus.consumer.block must be a duration, a number and a unit (ns, us, ms, s, m, h, d) such as 5s "
                        + "or 500ms, was \"5 parsecs\" (" + f + ": 3)",
                "eventbus.consumer.ack-limit must be a whole number from -2147483648 to 2147483647, was 3000000000 ("
                        + f + ": 4)",
                "eventbus.consumer.max-event-bytes must be a size, a number of bytes with or without a unit (B, K, "
                        + "KiB, MB, MiB, G, ...) such as 64MiB, was \"lots\" (" + f + ": 5)",
                "eventbus.handlers.h.max-in-flight must be a number, was \"y\" (" + f + ": 6)",
                "eventbus.metrics.poll-interval must be positive, was -10s (" + f + ": 7)",
                "eventbus.ownership.safety-margin (20s, " + f + ": 8) must be below eventbus.ownership.lease-ttl "
                        + "(10s, reference.conf: ",
                "eventbus.redis.reconnect.max-delay (1s, " + f + ": 9) must be at least "
                        + "eventbus.redis.reconnect.initial-delay (1500ms, " + f + ": 9)",
                "eventbus.plugin-host.reload must be true or false, was \"maybe\" (environment variable "
                        + "EVENTBUS_PLUGIN_RELOAD)");
        for (String problem : expected) {
            assertEquals(
                    1,
                    e.problems().stream().filter(p -> p.startsWith(problem)).count(),
                    "'" + problem + "' listed once: " + e.getMessage());
        }
        assertEquals(expected.size(), e.problems().size(), e.getMessage());
        String consistency = refused("eventbus { consumer.block = 2s, redis.command-timeout = 1s }");
        assertTrue(
                consistency.contains("eventbus.consumer.block (2s, String: 1) must be shorter than "
                        + "eventbus.redis.command-timeout (1s, String: 1)"),
                consistency);
        assertEquals("-10s", DurationUnits.shown(Duration.ofSeconds(-10)));
        assertEquals("1500ms", DurationUnits.shown(Duration.ofMillis(1500)));
        assertEquals("2m", DurationUnits.shown(Duration.ofMinutes(2)));
    }

    @Test
    void anIncludeOfAMissingFileIsAWarningAndARequiredOneAnErrorNamingTheIncludingFileAndLine() throws IOException {
        // Found from outside: include "nope.conf" was skipped in silence (a missing secrets include
        // unnoticed), and include required("nope.conf") was refused naming nope.conf alone.
        Files.createDirectories(dir.resolve("sub"));
        Path inner = Files.writeString(dir.resolve("sub/inner.conf"), "# more\ninclude \"deeper.conf\"\n");
        Path f = file("""
                include "sub/inner.conf"
                include "secrets.conf"
                eventbus.consumer.read-ahead = 3
                """);
        RuntimeConfig c = ConfigLoader.load(Optional.of(f), ConfigFactory.empty(), Map.of());
        assertEquals(3, c.consumer().readAhead());
        assertEquals(
                List.of(
                        "include \"deeper.conf\" (" + inner + ": 2) was skipped: " + dir.resolve("sub/deeper.conf")
                                + " does not exist (nor deeper.conf on the class path); write include "
                                + "required(\"deeper.conf\") to make it an error",
                        "include \"secrets.conf\" (" + f + ": 2) was skipped: " + dir.resolve("secrets.conf")
                                + " does not exist (nor secrets.conf on the class path); write include "
                                + "required(\"secrets.conf\") to make it an error"),
                c.warnings());
        Path required = file("""
                eventbus.consumer.read-ahead = 3
                include required("nope.conf")
                """);
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.of(required), ConfigFactory.empty(), Map.of()));
        assertEquals(
                List.of("include required(\"nope.conf\") (" + required + ": 2): " + dir.resolve("nope.conf")
                        + " does not exist (nor nope.conf on the class path)"),
                e.problems());
        Files.writeString(dir.resolve("nope.conf"), "eventbus.consumer.read-ahead = 4\n");
        RuntimeConfig found = ConfigLoader.load(Optional.of(required), ConfigFactory.empty(), Map.of());
        assertEquals(4, found.consumer().readAhead());
        assertEquals(List.of(), found.warnings());
    }

    @Test
    void unparsableValueNamesKey() throws IOException {
        Path f = file("eventbus.consumer.block = soon\n");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f)));
        assertTrue(e.getMessage().contains("consumer.block"), e.getMessage());
    }

    @Test
    void aDurationWithoutAUnitIsAProblemNamingItsKeyAndLineListedWithTheOthers() throws IOException {
        // Typesafe took a bare number for milliseconds: shutdown-grace = 5 passed the check and meant 5 ms.
        Path f = file("""
                eventbus.consumer.shutdown-grace = 5
                eventbus.consumer.read-ahead = "x"
                eventbus.handler-defaults.retry.backoff.initial = 100
                eventbus.handlers.h.timeout = 30
                eventbus.grpc.services.s { target = "h:1", deadline = 0 }
                eventbus.recovery.claim-idle = 2m
                """);
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.of(f), ConfigFactory.parseMap(Map.of("eventbus.consumer.block", "1500"))));
        String needsUnit = "): a duration needs a unit, e.g. 5s or 500ms";
        List<String> expected = List.of(
                "eventbus.consumer.shutdown-grace = 5 (" + f + ": 1" + needsUnit,
                "eventbus.consumer.read-ahead must be a number, was \"x\" (" + f + ": 2)",
                "eventbus.handler-defaults.retry.backoff.initial = 100 (" + f + ": 3" + needsUnit,
                "eventbus.handlers.h.timeout = 30 (" + f + ": 4" + needsUnit,
                "eventbus.grpc.services.s.deadline = 0 (" + f + ": 5" + needsUnit,
                // as a -D property gives it: a string
                "eventbus.consumer.block = 1500 (");
        for (String problem : expected) {
            assertEquals(
                    1,
                    e.problems().stream().filter(p -> p.contains(problem)).count(),
                    "'" + problem + "' listed once: " + e.getMessage());
        }
        // handler h also inherits the defaults' unitless backoff, and says so; claim-idle has its unit
        assertEquals(expected.size() + 1, e.problems().size(), e.getMessage());
        assertEquals(
                Duration.ofSeconds(5),
                load("eventbus.consumer.shutdown-grace = 5s").consumer().shutdownGrace());
        assertEquals(
                Duration.ofMillis(5),
                load("eventbus.consumer.shutdown-grace = \"5 ms\"").consumer().shutdownGrace());
    }

    @Test
    void everyUnparsableNumberIsAConfigErrorNamingItsKey() {
        // Each passes the type check (a number, or a string that may hold one) and fails only when read.
        for (String setting : java.util.List.of(
                "eventbus.redis.request-queue-size = 3000000000",
                "eventbus.consumer.max-event-bytes = \"lots\"",
                "eventbus.consumer.ack-batch-size = 3000000000",
                "eventbus.consumer.ack-limit = 3000000000",
                "eventbus.recovery.max-deliveries = 3000000000",
                "eventbus.handler-defaults.max-in-flight = 3000000000",
                "eventbus.handler-defaults.retry.max-attempts = 3000000000",
                "eventbus.handlers.h.max-in-flight = 3000000000",
                "eventbus.grpc.services.s.tls = \"maybe\"",
                "eventbus.grpc.services.s.max-inbound-message-size = 3000000000")) {
            String key = setting.substring("eventbus.".length(), setting.indexOf(' '));
            InvalidConfigException e = assertThrows(
                    InvalidConfigException.class,
                    () -> ConfigLoader.load(
                            Optional.empty(),
                            ConfigFactory.parseString(setting + "\neventbus.grpc.services.s.target = \"h:1\"")),
                    setting);
            assertTrue(e.getMessage().contains(key.substring(key.lastIndexOf('.') + 1)), e.getMessage());
        }
    }

    @Test
    void aServiceNameWithDotsNotQuotedIsOneUnknownKeyNotAlsoAMissingTarget() throws IOException {
        // Found from outside, as -Deventbus.grpc.services.orders.v1.OrderService.target=...
        Path f = file("eventbus.grpc.services.orders.v1.OrderService.target = \"h:1\"\n");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f)));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("unknown key 'eventbus.grpc.services.orders.v1'"), e.getMessage());
    }

    @Test
    void everyProblemIsListedAtOnce() throws IOException {
        Path f = file("""
                eventbus.handler-defaults.max-in-flight = 0
                eventbus.consumer.new-group-start = "middle"
                eventbus.grpc.services.x { deadline = 1s }
                eventbus.grpc.services.y { target = "h:1", colour = blue }
                eventbus.handlers.h { speed = 3 }
                """);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f)));
        // Five mistakes; handler h also inherits the bad max-in-flight, and says so.
        assertEquals(6, e.problems().size(), e.getMessage());
    }

    @Test
    void aRangeOrConsistencyProblemNamesTheFullKeyAndWhereItsValueWasSet() throws IOException {
        // Found from outside: "consumer.read-ahead must be at least 0, was -5" beside
        // "eventbus.handler-defaults.max-in-flight must be at least 1, was 0", neither saying where.
        Path token = Files.writeString(dir.resolve("token"), "t");
        Path f = file("""
                eventbus.consumer.read-ahead = -5
                eventbus.handler-defaults.max-in-flight = 0
                eventbus.handlers.h.retry.backoff.jitter = 1.5
                eventbus.admin.token = x
                eventbus.admin.token-file = "%s"
                eventbus.ownership.safety-margin = 20s
                """.formatted(token));
        System.setProperty("eventbus.admin.http-port", "70000");
        ConfigFactory.invalidateCaches();
        InvalidConfigException e;
        try {
            e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f)));
        } finally {
            System.clearProperty("eventbus.admin.http-port");
            ConfigFactory.invalidateCaches();
        }
        List<String> expected = List.of(
                "eventbus.consumer.read-ahead must be at least 0, was -5 (" + f + ": 1)",
                "eventbus.handler-defaults.max-in-flight must be at least 1, was 0 (" + f + ": 2)",
                // handler h inherits it: where it inherits it from
                "eventbus.handlers.h.max-in-flight must be at least 1, was 0 (" + f + ": 2)",
                "eventbus.handlers.h.retry.backoff.jitter must be in [0, 1), was 1.5 (" + f + ": 3)",
                "eventbus.admin.token (" + f + ": 4) and eventbus.admin.token-file (" + f
                        + ": 5) are both set: give the secret in one place",
                "eventbus.admin.http-port must be 0 (any free port) to 65535, was 70000 (system properties)",
                "eventbus.ownership.safety-margin (20s, " + f + ": 6) must be below eventbus.ownership.lease-ttl "
                        + "(10s, reference.conf: ");
        for (String problem : expected) {
            assertEquals(
                    1,
                    e.problems().stream().filter(p -> p.startsWith(problem)).count(),
                    "'" + problem + "' listed once: " + e.getMessage());
        }
        assertEquals(expected.size(), e.problems().size(), e.getMessage());
    }

    @Test
    void unknownKeysTypeErrorsAndTheLaterChecksAreListedInOneRun() throws IOException {
        // Unknown keys and the type check used to stop the loader: the bad port, the unreadable
        // number and the bad start were not listed until those were fixed.
        Path f = file("""
                eventbus {
                  nosuchkey = 1
                  redis.uri = "redis://127.0.0.1:0"
                  consumer.read-ahead = "x"
                  consumer.ack-batch-size = true
                  consumer.new-group-start = "middle"
                  handler-defaults.retry = 5
                  handlers.h { retry.max-attempts = 2, max-in-flight = 0 }
                }
                """);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f)));
        List<String> expected = List.of(
                "unknown key 'eventbus.nosuchkey'",
                "eventbus.consumer.ack-batch-size must be a number, was true (" + f + ": 5)",
                "eventbus.handler-defaults.retry is a section, not a number: set its keys (backoff, max-age, "
                        + "max-attempts) under it",
                "eventbus.consumer.read-ahead must be a number, was \"x\" (" + f + ": 4)",
                "consumer.new-group-start must be \"0\" or \"$\"",
                "redis.uri has port '0'",
                "eventbus.handlers.h.max-in-flight must be at least 1, was 0");
        for (String problem : expected) {
            assertEquals(
                    1,
                    e.problems().stream().filter(p -> p.contains(problem)).count(),
                    "'" + problem + "' listed once: " + e.getMessage());
        }
        // Nothing else: a value of the wrong type is not reported again where it is read, and the
        // handler's retry keys are not unknown for the defaults' retry being broken.
        assertEquals(expected.size(), e.problems().size(), e.getMessage());
    }

    @Test
    void aCheckThatNeedsAValueOfTheWrongTypeIsLeftOutNotRunOnTheDefault() {
        // consumer.block against redis.command-timeout: with the redis section unreadable, no message
        // compares the block with a default the operator did not choose; the independent checks run.
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.empty(),
                        ConfigFactory.parseString("eventbus { redis = 5, consumer.block = 20s, nosuchkey = 1, "
                                + "consumer.new-group-start = middle }")));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).contains("unknown key 'eventbus.nosuchkey'"), e.getMessage());
        assertTrue(
                e.problems().get(1).startsWith("eventbus.redis is a section, not a number: set its keys ("),
                e.getMessage());
        assertTrue(e.problems().get(2).contains("consumer.new-group-start must be"), e.getMessage());
    }

    @Test
    void blockMustBeShorterThanCommandTimeout() {
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), ConfigFactory.parseString("eventbus.consumer.block = 20s")));
        assertTrue(e.getMessage().contains("redis.command-timeout"), e.getMessage());
    }

    @Test
    void missingFileIsAnError() {
        assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(dir.resolve("nope.conf"))));
    }

    @Test
    void invalidRedisUrisAreRefusedNamingTheKeyAndWhatIsWrong() {
        Map<String, String> refused = Map.of(
                "redis://host:notaport", "redis.uri has port 'notaport', which is not a number from 1 to 65535",
                "redis://host:70000", "has port '70000'",
                "redis://host:", "has port ''",
                "http://host:6379",
                        "redis.uri must start with redis://, rediss://, redis-sentinel:// or rediss-sentinel://, was 'http://host:6379'",
                "redis://", "redis.uri has no host",
                "redis://app:s3cret@:6379", "has no host: 'redis://***@:6379'",
                "redis://host:6379/zero", "has database 'zero'",
                "redis://[::1:6379", "IPv6 host without its closing");
        refused = new java.util.HashMap<>(refused);
        // Lettuce drops a query parameter it does not know.
        refused.put("redis://host:6379?databse=2", "the query parameter 'databse'");
        refused.put("redis://host:6379?DB=2", "the query parameter 'DB'");
        refused.put("redis://host:6379?db=two", "?db=two, which is not a database number");
        refused.put("redis://host:6379/0#orders", "ends with '#orders', which only a sentinel URI takes");
        // Lettuce threw at the first command ("No enum constant ...SslVerifyMode.FALSE"), after config check said
        // valid.
        for (String mode : List.of("false", "0", "BOGUS", "true", "")) {
            refused.put(
                    "rediss://eventbus:pw@localhost:6380?verifyPeer=" + mode,
                    "redis.uri has ?verifyPeer=" + mode
                            + ", which is not a way to verify the server: NONE, CA or FULL");
        }
        refused.put("rediss-sentinel://s1:26379?verifypeer=no#mymaster", "has ?verifypeer=no, which is not");
        // Taken whole as a host name by Lettuce, it failed only at a DNS lookup.
        refused.put("redis://127.0.0.1:7301:7000", "has host '127.0.0.1:7301', which holds a ':' (two ports?");
        refused.forEach((uri, expected) -> {
            InvalidConfigException e = assertThrows(
                    InvalidConfigException.class,
                    () -> ConfigLoader.load(
                            Optional.empty(), ConfigFactory.parseString("eventbus.redis.uri = \"" + uri + "\"")),
                    uri);
            assertTrue(e.getMessage().contains(expected), uri + ": " + e.getMessage());
            assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        });
        for (String uri : List.of(
                "redis://127.0.0.1:6379",
                "rediss://app:pw@redis.example.com:6380/2?clientName=orders-worker",
                "rediss://app:pw@redis.example.com:6380/2?timeout=5s",
                "rediss://h:6380?verifypeer=NONE;clientname=app",
                "rediss://h:6380?verifyPeer=ca",
                "rediss://h:6380?verifyPeer=Full",
                "redis://redis",
                "redis://[::1]:6379/0",
                "redis://:pw@h")) {
            ConfigLoader.load(Optional.empty(), ConfigFactory.parseString("eventbus.redis.uri = \"" + uri + "\""));
        }
    }

    @Test
    void redactedUriHidesPassword() {
        RuntimeConfig c = ConfigLoader.load(
                Optional.empty(),
                ConfigFactory.parseString("eventbus.redis.uri = \"redis://app:s3cret@redis:6379/0\""));
        assertEquals("redis://***@redis:6379/0", c.redis().redactedUri());
    }

    @Test
    void redactionHidesEveryPartOfAPasswordHoldingUriSeparators() {
        Map<String, String> nasty = Map.of(
                "redis://app:p@ssword@redis:6379/0", "redis://***@redis:6379/0",
                "redis://app:pa/ss@word@redis:6379", "redis://***@redis:6379",
                "rediss://:a@b/c?d#e@redis.example.com:6380/2?timeout=5s",
                        "rediss://***@redis.example.com:6380/2?timeout=5s",
                "redis://app:@@@@redis", "redis://***@redis",
                "redis://redis:6379", "redis://redis:6379");
        nasty.forEach((uri, expected) -> assertEquals(expected, RedisSettings.redact(uri), uri));
    }

    @Test
    void rawSeparatorsInThePasswordAreRefusedWithoutShowingIt() {
        for (String uri : List.of(
                "redis://app:qq9@zz8@redis:6379",
                "redis://app:qq9/zz8@redis:6379",
                "redis://app:qq9?zz8@redis",
                "redis://app:qq9#zz8@redis")) {
            InvalidConfigException e = assertThrows(
                    InvalidConfigException.class,
                    () -> ConfigLoader.load(
                            Optional.empty(), ConfigFactory.parseString("eventbus.redis.uri = \"" + uri + "\"")),
                    uri);
            assertTrue(e.getMessage().contains("percent-encode"), e.getMessage());
            assertFalse(e.getMessage().contains("qq9") || e.getMessage().contains("zz8"), e.getMessage());
        }
        ConfigLoader.load(
                Optional.empty(),
                ConfigFactory.parseString("eventbus.redis.uri = \"redis://app:p%40ss%2Fword@redis\""));
    }

    private static RuntimeConfig load(String hocon) {
        return ConfigLoader.load(Optional.empty(), ConfigFactory.parseString(hocon));
    }

    private static String refused(String hocon) {
        return assertThrows(InvalidConfigException.class, () -> load(hocon), hocon)
                .getMessage();
    }

    @Test
    void secretsAreReadFromFilesWithoutTheirTrailingLineBreaks() throws IOException {
        // Every trailing line break, as reference.conf and the README say (reference.conf said one).
        Path password = Files.writeString(dir.resolve("redis-password"), "p@ss/word\n\n");
        Path token = Files.writeString(dir.resolve("admin-token"), "t0ken\r\n\r\n");
        Path keyPassword = Files.writeString(dir.resolve("key-password"), "k3y");
        RuntimeConfig c = load("eventbus.redis.uri = \"rediss://app@redis:6380\"\n"
                + "eventbus.redis.password-file = \"" + password + "\"\n"
                + "eventbus.redis.tls.key-password-file = \"" + keyPassword + "\"\n"
                + "eventbus.admin.token-file = \"" + token + "\"");
        assertEquals("p@ss/word", c.redis().password());
        assertEquals("k3y", c.redis().tls().keyPassword());
        assertEquals("t0ken", c.operations().admin().token());
        assertEquals(Optional.of("app"), RedisUserInfo.user(c.redis().uri()));
        assertFalse(
                c.redis().toString().contains("p@ss") || c.redis().toString().contains("k3y"),
                c.redis().toString());
    }

    @Test
    void aMissingOrEmptySecretFileIsAConfigErrorNamingTheKey() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        Map<String, String> cases = Map.of(
                "eventbus.redis.password-file = \"" + dir.resolve("nope") + "\"", "redis.password-file: file ",
                "eventbus.admin.token-file = \"" + dir.resolve("nope") + "\"", "admin.token-file: file ",
                "eventbus.admin.token-file = \"" + empty + "\"", "admin.token-file: file " + empty + " is empty",
                "eventbus.admin.token-file = \"" + dir + "\"", "admin.token-file: file " + dir + " cannot be read",
                "eventbus.redis.uri = \"rediss://h\", eventbus.redis.tls.key-password-file = \"" + dir.resolve("nope")
                                + "\"",
                        "redis.tls.key-password-file: file ");
        cases.forEach((hocon, expected) -> {
            String message = refused(hocon);
            assertTrue(message.contains(expected), message);
        });
        assertTrue(refused("eventbus.redis.password-file = \"" + dir.resolve("nope") + "\"")
                .contains("does not exist"));
    }

    @Test
    void aRedisUserWithoutAPasswordIsRefusedUnlessAPasswordFileGivesIt() throws IOException {
        // Lettuce reads redis://app@host as the password "app" of the default user (and
        // redis://app:@host as no credentials): the runtime would never log in as that user.
        List<String> userOnly = List.of(
                "redis://eventbus-operator@127.0.0.1:7403",
                "redis://app:@h",
                "rediss://app@h:6380",
                "redis-sentinel://app@s1:26379,s2:26379#orders",
                "rediss-sentinel://app:@s1:26379#orders",
                "redis-cluster://app@r1:7000,r2:7000",
                "rediss-cluster://app@r1:7000");
        Path password = Files.writeString(dir.resolve("redis-password"), "pw\n");
        for (String uri : userOnly) {
            String message = refused("eventbus.redis.uri = \"" + uri + "\"");
            assertTrue(
                    message.contains("redis.uri names a user but no password")
                            && message.contains("eventbus.redis.password-file"),
                    uri + ": " + message);
            assertFalse(message.contains("eventbus-operator") || message.contains("app@"), message);
            RedisSettings redis = load("eventbus.redis { uri = \"" + uri + "\", password-file = \"" + password + "\" }")
                    .redis();
            assertEquals("pw", redis.password(), uri);
        }
        // A password-file of the wrong type is listed once, and the user's password then not asked for.
        String unreadable = refused("eventbus.redis { uri = \"redis://app@h\", password-file { a = 1 } }");
        assertTrue(
                unreadable.contains("eventbus.redis.password-file must be a string, was a section (String: 1)"),
                unreadable);
        assertFalse(unreadable.contains("names a user but no password"), unreadable);
        for (String uri : List.of("redis://app:pw@h", "redis://:pw@h", "redis://h", "redis-sentinel://app:pw@s1#m")) {
            load("eventbus.redis.uri = \"" + uri + "\"");
        }
    }

    @Test
    void aSecretGivenTwiceIsRefused() throws IOException {
        Path token = Files.writeString(dir.resolve("token"), "t");
        assertTrue(refused("eventbus.admin { token = x, token-file = \"" + token + "\" }")
                .contains("eventbus.admin.token (String: 1) and eventbus.admin.token-file (String: 1) are both set"));
        assertTrue(refused("eventbus.redis { uri = \"redis://app:pw@h\", password-file = \"" + token + "\" }")
                .contains("eventbus.redis.uri (String: 1) holds a password too"));
    }

    @Test
    void redisTlsSettingsAreCheckedAtStart() throws IOException {
        Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
        Path key = Files.writeString(dir.resolve("client.key"), "-----BEGIN PRIVATE KEY-----");
        // the URI is the default: where it is documented, not the JAR's URL
        assertTrue(refused("eventbus.redis.tls.verify = none")
                .matches("(?s).*eventbus.redis.uri \\(reference.conf: \\d+\\) is not rediss://.*"));
        assertTrue(refused("eventbus.redis { uri = \"rediss://h\", tls.verify = sometimes }")
                .contains("redis.tls.verify must be one of full, ca, none"));
        assertTrue(refused("eventbus.redis { uri = \"rediss://h\", tls.verify = false }")
                .contains("redis.tls.verify must be one of full, ca, none, was \"false\""));
        assertTrue(refused("eventbus.redis { uri = \"rediss://h?verifyPeer=NONE\", tls.verify = full }")
                .contains("say it in one place"));
        assertTrue(refused("eventbus.redis { uri = \"rediss://h\", tls.ca-file = \"" + notPem + "\" }")
                .contains("redis.tls.ca-file: file " + notPem + " is not a PEM certificate file"));
        assertTrue(refused("eventbus.redis { uri = \"rediss://h\", tls.key-file = \"" + key + "\" }")
                .contains("cert-file and eventbus.redis.tls.key-file go together"));
        assertTrue(refused("eventbus.redis { uri = \"rediss://h\", tls.ca-file = \"" + dir.resolve("nope") + "\" }")
                .contains("redis.tls.ca-file: file "));
        RedisSettings off =
                load("eventbus.redis.uri = \"rediss://h:6380?verifyPeer=NONE\"").redis();
        assertTrue(off.peerVerificationOff());
        assertTrue(load("eventbus.redis { uri = \"rediss://h\", tls.verify = none }")
                .redis()
                .peerVerificationOff());
        assertFalse(load("eventbus.redis.uri = \"rediss://h\"").redis().peerVerificationOff());
        assertEquals(
                RedisTls.Verification.CA,
                load("eventbus.redis { uri = \"rediss://h\", tls.verify = ca }")
                        .redis()
                        .verification());
    }

    @Test
    void anAllowListEntryWithoutChecksumIsRefusedUnlessItSaysTrustUnpinned() {
        String message = refused("eventbus.plugin-host.allow-list = [{ id = payments, version = \"1.2.0\" }]");
        assertTrue(message.contains("allow-list entry 'payments' has no sha256"), message);
        assertEquals(
                1,
                load("eventbus.plugin-host.allow-list = [{ id = payments, trust-unpinned = true }]")
                        .pluginHost()
                        .allowList()
                        .size());
        assertEquals(
                1,
                load("eventbus.plugin-host.allow-list = [{ id = payments, sha256 = \"" + "ab".repeat(32) + "\" }]")
                        .pluginHost()
                        .allowList()
                        .size());
    }

    @Test
    void anAllowListChecksumThatIsNoSha256IsRefusedNamingTheEntry() {
        // The whole line sha256sum prints, a truncated copy, and not hex at all: none can ever match a
        // JAR, which was refused as "not on the allow-list" without saying the entry was at fault.
        String line = "ab".repeat(32) + "  payments.jar";
        for (String sha : java.util.List.of(line, "ab".repeat(16), "xyz")) {
            String message = refused("eventbus.plugin-host.allow-list = [{ id = payments, sha256 = \"" + sha + "\" }]");
            assertTrue(
                    message.contains("allow-list entry 'payments' has sha256 = \"" + sha + "\"")
                            && message.contains(
                                    "which is not a SHA-256: give the 64 hex digits `sha256sum <jar>` prints"),
                    message);
        }
        assertEquals(
                1,
                load("eventbus.plugin-host.allow-list = [{ id = payments, sha256 = \"" + "AB".repeat(32) + "\" }]")
                        .pluginHost()
                        .allowList()
                        .size(),
                "upper case hex is a SHA-256 too");
    }
}
