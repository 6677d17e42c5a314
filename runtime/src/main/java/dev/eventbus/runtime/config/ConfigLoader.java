package dev.eventbus.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.eventbus.producer.PartitionedStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Loads, checks and maps the configuration. Layers, highest first: explicit overrides (from the
 * command line), {@code -D} system properties, the environment variables of
 * {@code env-overrides.conf}, the operator's file, and {@code reference.conf}.
 *
 * <p>Every problem is collected before failing: unknown keys, wrong types, unparsable values and
 * values out of range, each with the key and the file and line it came from.
 */
public final class ConfigLoader {

    private static final String ROOT = "eventbus";
    /** The origin of a value the type check refused (see {@link #withoutBrokenValue}). */
    private static final String BROKEN = "eventbus: a value reported above as the wrong type";

    private static final Set<String> OPEN_MAPS = Set.of(
            "eventbus.grpc.services",
            "eventbus.grpc.defaults.metadata-files",
            "eventbus.handlers",
            "eventbus.plugins",
            "eventbus.streams");

    private final ClassLoader classLoader = ConfigLoader.class.getClassLoader();
    private final List<String> problems = new ArrayList<>();
    /** What works but may not be what was meant: includes of files that are not there. */
    private final List<String> warnings = new ArrayList<>();

    private final Map<String, String> environment;
    /** The settings the environment gave (env-overrides.conf resolved), to tell them from the file's. */
    private Config fromEnvironment = ConfigFactory.empty();
    /** The whole configuration being read, where {@link #report} finds the full key of a value it names. */
    private Config merged;

    private ConfigLoader(Map<String, String> environment) {
        this.environment = environment;
    }

    /** Loads from the given file (when present) and the environment. */
    public static RuntimeConfig load(Optional<Path> file) {
        return load(file, ConfigFactory.empty());
    }

    /**
     * @param file the operator's HOCON file; it must exist when given
     * @param overrides highest-priority values, e.g. from command-line flags
     * @throws InvalidConfigException listing every problem found
     */
    public static RuntimeConfig load(Optional<Path> file, Config overrides) {
        return load(file, overrides, System.getenv());
    }

    /** @param environment stands for the process environment (tests) */
    static RuntimeConfig load(Optional<Path> file, Config overrides, Map<String, String> environment) {
        return new ConfigLoader(environment).loadAll(file, overrides);
    }

    private RuntimeConfig loadAll(Optional<Path> file, Config overrides) {
        // Not ConfigFactory.defaultReference: it holds the -D system properties too, so a misspelt
        // -Deventbus.consumer.raed-ahead was a key the reference "defined", silently ignored.
        Config reference = ConfigFactory.defaultReferenceUnresolved(classLoader).resolve();
        Config parsed = file.map(this::parseFile).orElse(ConfigFactory.empty());
        problems.addAll(UnknownKeys.outsideRoot(parsed, reference, ROOT, OPEN_MAPS));
        Config user = withoutValuesForSections(parsed, reference);
        Config env = environmentLayer();
        fromEnvironment = env;
        Config system = withoutValuesForSections(runtimeProperties(ConfigFactory.systemProperties()), reference);
        Config written = overrides.withFallback(system).withFallback(user);

        Config merged;
        try {
            merged = overrides
                    .withFallback(system)
                    .withFallback(env)
                    .withFallback(user)
                    .withFallback(reference)
                    .resolve();
        } catch (ConfigException e) {
            throw new InvalidConfigException(e.getMessage());
        }
        problems.addAll(UnknownKeys.find(written, reference, ROOT, OPEN_MAPS));
        try {
            merged.checkValid(reference, ROOT);
        } catch (ConfigException.ValidationFailed e) {
            for (ConfigException.ValidationProblem p : e.problems()) {
                problems.add(validationProblem(p, merged, reference));
                merged = withoutBrokenValue(merged, reference, p.path());
            }
        }
        this.merged = merged;
        // No stop here: the checks below run too, so that one run lists every problem. A value of the
        // wrong type stands as a marked null (see read()): what depends on it is skipped, not reported twice.

        Config c = merged.getConfig(ROOT);
        String redisUri = read(() -> c.getString("redis.uri"));
        RedisSettings redis = new RedisSettings(
                redisUri,
                duration(c, "redis.command-timeout"),
                positive(c, "redis.request-queue-size"),
                duration(c, "redis.connect-backoff.initial"),
                duration(c, "redis.connect-backoff.max"),
                redisPassword(c, redisUri),
                redisTls(c, redisUri),
                redisReconnect(c));
        ConsumerSettings consumer = new ConsumerSettings(
                duration(c, "consumer.block"),
                (int) Math.min(Integer.MAX_VALUE, positiveBytes(c, "consumer.max-event-bytes")),
                read(() -> c.getString("consumer.new-group-start")),
                notNegative(c, "consumer.read-ahead"),
                positiveBytes(c, "consumer.read-ahead-bytes"),
                positive(c, "consumer.ack-batch-size"),
                duration(c, "consumer.ack-interval"),
                positive(c, "consumer.ack-limit"),
                duration(c, "consumer.shutdown-grace"),
                read(() -> c.getString("consumer.dead-letter-prefix")),
                "recreate".equals(oneOf(c, "consumer.missing-group", "recreate", "wait")));
        checkConsistency(c, redis, consumer);
        RecoverySettings recovery = new RecoverySettings(
                duration(c, "recovery.retry-poll-interval"),
                duration(c, "recovery.claim-idle"),
                duration(c, "recovery.interval"),
                positive(c, "recovery.max-deliveries"),
                duration(c, "recovery.delete-idle-consumers-after"),
                duration(c, "recovery.drain-check-interval"));
        OwnershipSettings ownership = ownership(c);
        BreakerSettings breaker = new BreakerSettings(
                orOne(read(() -> c.getInt("grpc.circuit-breaker.failure-threshold"))),
                duration(c, "grpc.circuit-breaker.open-for"));

        Map<String, RpcServiceSettings> services = services(merged);
        Config handlerDefaultsConfig = c.getConfig("handler-defaults");
        HandlerSettings handlerDefaults = handlerSettings("eventbus.handler-defaults", handlerDefaultsConfig);
        Map<String, HandlerSettings> handlerOverrides = handlerOverrides(merged, handlerDefaultsConfig);
        String consumerName = read(() -> c.getString("consumer-name"));
        Path pluginsDir = installationRelative(read(() -> c.getString("plugins-dir")));
        Config pluginConfigs = pluginConfigs(c.getConfig("plugins"));
        OperationsSettings operations = operations(c);

        stallTimeoutAgainstBackOff(c, redis, operations.admin().stallTimeout());
        PluginSettings pluginHost = pluginHost(c);
        Map<String, List<PartitionedStream>> drainingLayouts = new LinkedHashMap<>();
        Map<String, PartitionedStream> partitionedStreams = partitionedStreams(merged, drainingLayouts);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return new RuntimeConfig(
                consumerName.isBlank() ? defaultConsumerName() : consumerName,
                pluginsDir,
                redis,
                consumer,
                recovery,
                ownership,
                breaker,
                services,
                handlerDefaults,
                handlerOverrides,
                pluginConfigs,
                merged,
                operations,
                pluginHost,
                partitionedStreams,
                drainingLayouts,
                file,
                overrides,
                warnings);
    }

    /**
     * A value given where the reference has a section ({@code eventbus.redis = "redis://..."} for
     * {@code eventbus.redis.uri}): one problem naming it, its line and the section's keys,
     * and the value left out. Kept in, it hid the whole section of the reference, and the
     * environment's layer (its {@code redis.uri} making {@code redis} an object) took its place: a
     * dozen "No setting at 'eventbus.redis.command-timeout'" blamed on env-overrides.conf, and the
     * operator's line never named (found from outside).
     */
    private Config withoutValuesForSections(Config layer, Config reference) {
        List<ConfigValue> found = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        valuesForSections(layer.root(), "", reference, paths, found);
        Config kept = layer;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            order.add(i);
            kept = kept.withoutPath(paths.get(i));
        }
        order.sort(java.util.Comparator.comparingInt(i -> found.get(i).origin().lineNumber()));
        for (int i : order) {
            String path = paths.get(i);
            ConfigValue value = found.get(i);
            problems.add(notASection(path, value, reference.getObject(path).keySet(), ""));
        }
        return kept;
    }

    /**
     * A value where a section belongs: {@code eventbus.redis is a section, not a string: set its keys
     * (command-timeout, ..., uri) under it (file: line)}, the first ten keys named.
     *
     * @param example appended to the advice when not empty, e.g. {@code e.g. streams { wallet {
     *     partitions = 8 } }}
     */
    private static String notASection(
            String path, ConfigValue value, java.util.Collection<String> keys, String example) {
        List<String> sorted = keys.stream().sorted().toList();
        return path + " is a section, not a "
                + value.valueType().name().toLowerCase(java.util.Locale.ROOT)
                + (sorted.isEmpty()
                        ? ""
                        : ": set its keys (" + String.join(", ", sorted.subList(0, Math.min(10, sorted.size())))
                                + (sorted.size() > 10 ? ", ..." : "") + ") under it")
                + (example.isEmpty() ? "" : ", " + example)
                + " (" + UnknownKeys.where(value) + ")";
    }

    /**
     * One entry of an open map (a stream, a handler, a gRPC service) as a section, or null with a
     * problem: a value there is said as one where a section belongs ({@link #notASection}), not in
     * Typesafe Config's words (found from outside: {@code eventbus.streams { wallet = 8 }} gave
     * "eventbus.streams.wallet has type NUMBER rather than OBJECT").
     */
    private Config entry(Config merged, String path, java.util.Collection<String> keys, String example) {
        try {
            return merged.getConfig(path);
        } catch (ConfigException.WrongType e) {
            problems.add(notASection(path, merged.getValue(path), keys, example));
            return null;
        } catch (ConfigException e) {
            report(e);
            return null;
        }
    }

    /**
     * The {@code eventbus.plugins} tree with one section per plugin id; a value in a section's place
     * ({@code plugins { payments = 8 }}) is a problem, not left to fail when plugin {@code payments}
     * starts (or never, without such a plugin: {@code config check} passed it).
     */
    private Config pluginConfigs(Config plugins) {
        Config kept = plugins;
        for (Map.Entry<String, ConfigValue> entry : new java.util.TreeMap<>(plugins.root()).entrySet()) {
            if (!(entry.getValue() instanceof com.typesafe.config.ConfigObject)) {
                String id = UnknownKeys.join(entry.getKey());
                problems.add(notASection(
                        ROOT + ".plugins." + id,
                        entry.getValue(),
                        List.of(),
                        "the settings of plugin '" + entry.getKey() + "' go under it, e.g. plugins { " + id
                                + " { threshold = 100 } }"));
                kept = kept.withoutPath(id);
            }
        }
        return kept;
    }

    /** Walks the unresolved tree (entrySet would need it resolved: a file may hold ${?VARIABLE}). */
    private static void valuesForSections(
            com.typesafe.config.ConfigObject object,
            String prefix,
            Config reference,
            List<String> paths,
            List<ConfigValue> found) {
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            String key = UnknownKeys.join(entry.getKey());
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            if (!path.equals(ROOT) && !path.startsWith(ROOT + ".")) {
                continue;
            }
            ConfigValue value = entry.getValue();
            if (value instanceof com.typesafe.config.ConfigObject child) {
                valuesForSections(child, path, reference, paths, found);
                continue;
            }
            try {
                value.valueType();
            } catch (ConfigException.NotResolved e) {
                continue; // a substitution: the checks after resolving see what it gives
            }
            if (reference.hasPath(path) && reference.getValue(path) instanceof com.typesafe.config.ConfigObject) {
                paths.add(path);
                found.add(value);
            }
        }
    }

    /**
     * The first parts after {@code eventbus.} of the build's and tooling's own {@code -D} properties:
     * Maven hands its command line's and {@code .mvn/maven.config}'s {@code -D} values to the test JVMs
     * ({@code eventbus.reactor}, {@code eventbus.aot.skip}, {@code eventbus.format.skip},
     * {@code eventbus.it.forks}; the poms' {@code eventbus.version} and {@code eventbus.api.version}),
     * and tests set their own ({@code eventbus.it.*}, {@code eventbus.dist} of the fault suite,
     * {@code eventbus.testkit.*}). None is a key of the runtime.
     */
    static final Set<String> BUILD_PROPERTIES =
            Set.of("aot", "api", "dist", "format", "it", "reactor", "testkit", "version");

    /**
     * The {@code -D} properties checked as the operator's keys: every one under {@code eventbus.}
     * but the build's own ({@link #BUILD_PROPERTIES}, left out, also of what {@code config show}
     * prints), so that {@code -Deventbus.consumer.raed-ahead} and {@code -Deventbus.consumr.block}
     * are unknown keys. Checked only under the runtime's own first parts, the second was dropped in
     * silence (found in review).
     */
    private static Config runtimeProperties(Config system) {
        if (!(system.root().get(ROOT) instanceof com.typesafe.config.ConfigObject properties)) {
            return system; // absent, or -Deventbus=... itself: the type check reports that
        }
        Config kept = system;
        for (String first : properties.keySet()) {
            if (BUILD_PROPERTIES.contains(first)) {
                kept = kept.withoutPath(UnknownKeys.join(ROOT, first));
            }
        }
        return kept;
    }

    /**
     * A partition count as written, or null (told) when it is not a whole number: Typesafe's getInt
     * cut 2.5 down to 2, and producers then wrote to a layout nobody asked for. A whole count out of
     * range is left to {@link PartitionedStream}, which says so.
     */
    private Integer wholeCount(String key, Number number, ConfigValue value) {
        double d = number.doubleValue();
        if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
            problems.add(key + " must be a whole number from 1 to " + PartitionedStream.MAX_PARTITIONS + ", was "
                    + number + " (" + UnknownKeys.where(value) + ")");
            return null;
        }
        return (int) d;
    }

    /**
     * How a stream's section reads, for a value given in its place: {@code e.g. streams { wallet {
     * partitions = 8 } }}, with the value when it is a count ({@code wallet = 8}, meant as one).
     */
    private static String streamExample(Config merged, String path, String name) {
        String count = "8";
        try {
            ConfigValue value = merged.getValue(path);
            if (value.valueType() == ConfigValueType.NUMBER && value.unwrapped() instanceof Integer n && n > 0) {
                count = n.toString();
            }
        } catch (ConfigException e) {
            // null or missing: the example says 8
        }
        return "e.g. streams { " + UnknownKeys.join(name) + " { partitions = " + count + " } }";
    }

    /**
     * {@code eventbus.streams}: each entry holds {@code partitions} and, while a change of the
     * count drains, {@code draining} (the earlier counts); those layouts go to {@code draining}.
     */
    private Map<String, PartitionedStream> partitionedStreams(
            Config merged, Map<String, List<PartitionedStream>> draining) {
        Map<String, PartitionedStream> streams = new LinkedHashMap<>();
        for (String name : UnknownKeys.children(merged, "eventbus.streams")) {
            String path = UnknownKeys.join(ROOT, "streams", name);
            Config entry = entry(merged, path, List.of("partitions", "draining"), streamExample(merged, path, name));
            if (entry == null) {
                continue;
            }
            for (String key : entry.root().keySet()) {
                if (!key.equals("partitions") && !key.equals("draining")) {
                    problems.add("unknown key '" + path + "." + key + "' (" + UnknownKeys.where(entry.getValue(key))
                            + "); allowed: partitions, draining");
                }
            }
            if (!entry.hasPath("partitions")) {
                problems.add(path + ".partitions is missing: say how many partitions the stream has, e.g. 8");
                continue;
            }
            Number number = read(() -> merged.getNumber(path + ".partitions")); // the full key in the message
            Integer partitions =
                    number == null ? null : wholeCount(path + ".partitions", number, entry.getValue("partitions"));
            if (partitions == null) {
                continue;
            }
            try {
                streams.put(name, new PartitionedStream(name, partitions));
            } catch (IllegalArgumentException e) {
                problems.add(
                        path + ": " + e.getMessage() + " (" + UnknownKeys.where(entry.getValue("partitions")) + ")");
                continue;
            }
            if (entry.hasPath("draining")) {
                List<Number> counts = read(() -> merged.getNumberList(path + ".draining"));
                if (counts == null) {
                    continue;
                }
                List<PartitionedStream> layouts = new ArrayList<>();
                for (Number listed : counts) {
                    Integer whole = wholeCount(path + ".draining", listed, entry.getValue("draining"));
                    if (whole == null) {
                        continue;
                    }
                    int count = whole;
                    String where = " (" + UnknownKeys.where(entry.getValue("draining")) + ")";
                    if (count == partitions) {
                        problems.add(path + ".draining holds " + count + ", the current partition count: list only "
                                + "the earlier counts whose partitions still drain" + where);
                    } else if (layouts.stream().anyMatch(l -> l.partitions() == count)) {
                        problems.add(path + ".draining holds " + count + " twice" + where);
                    } else {
                        try {
                            layouts.add(new PartitionedStream(name, count));
                        } catch (IllegalArgumentException e) {
                            problems.add(path + ".draining: " + e.getMessage() + where);
                        }
                    }
                }
                if (!layouts.isEmpty()) {
                    draining.put(name, List.copyOf(layouts));
                }
            }
        }
        return streams;
    }

    /** The password of {@code redis.password-file}; the URI must then not hold one too. */
    private String redisPassword(Config c, String uri) {
        String password = secret(c, null, "redis.password-file");
        if (!password.isEmpty() && uri != null && RedisUserInfo.hasPassword(uri)) {
            problems.add(
                    "eventbus.redis.password-file" + at(c, "redis.password-file") + " is set and eventbus.redis.uri"
                            + at(c, "redis.uri") + " holds a password too: give it in one place");
        }
        return password;
    }

    private RedisTls redisTls(Config c, String uri) {
        Optional<Path> ca = pemFile(c, "redis.tls.ca-file", true);
        Optional<Path> cert = pemFile(c, "redis.tls.cert-file", true);
        Optional<Path> key = pemFile(c, "redis.tls.key-file", false);
        if (cert.isPresent() != key.isPresent()) {
            String set = cert.isPresent() ? "redis.tls.cert-file" : "redis.tls.key-file";
            problems.add(
                    "eventbus.redis.tls.cert-file and eventbus.redis.tls.key-file go together: set both for mutual "
                            + "TLS, or neither (" + named(ROOT, set) + ": " + origin(c, set) + ")");
        }
        String keyPassword = secret(c, "redis.tls.key-password", "redis.tls.key-password-file");
        checkKey(c, "redis.tls.key-file", key, keyPassword, "eventbus.redis.tls.key-password-file (or key-password)");
        String verifyText = read(() -> c.getString("redis.tls.verify"));
        Optional<RedisTls.Verification> verify = Optional.empty();
        if (verifyText != null && !verifyText.isBlank()) {
            verify = RedisTls.Verification.parse(verifyText);
            if (verify.isEmpty()) {
                problems.add("eventbus.redis.tls.verify must be one of full, ca, none, was \"" + verifyText + "\" ("
                        + UnknownKeys.where(c.getValue("redis.tls.verify")) + ")");
                verify = Optional.empty();
            }
        }
        RedisTls tls = new RedisTls(ca, cert, key, keyPassword, verify);
        if (uri != null && !RedisSettings.tlsScheme(uri)) {
            if (tls.hasMaterial() || verify.isPresent() || !keyPassword.isEmpty()) {
                problems.add("eventbus.redis.tls is set but eventbus.redis.uri" + at(c, "redis.uri")
                        + " is not rediss:// (or rediss-sentinel://, rediss-cluster://), so the connection would not "
                        + "use TLS: use rediss:// or remove the eventbus.redis.tls keys");
            }
        } else if (uri != null) {
            Optional<RedisTls.Verification> inUri = RedisSettings.uriVerification(uri);
            if (verify.isPresent() && inUri.isPresent() && verify.get() != inUri.get()) {
                problems.add(
                        "eventbus.redis.tls.verify is " + verify.get().name().toLowerCase(java.util.Locale.ROOT)
                                + at(c, "redis.tls.verify") + " but eventbus.redis.uri says verifyPeer=" + inUri.get()
                                + at(c, "redis.uri") + ": say it in one place");
            }
        }
        return tls;
    }

    /**
     * The private key named by {@code key}, checked now as the TLS stack will read it (PKCS#8, opened
     * with its password), so that a PKCS#1 key or a wrong password fails at start for every command,
     * naming the key, not at the first handshake. A file that cannot be read is reported by
     * {@link #pemFile} already.
     *
     * @param passwordKeys the key(s) that give its password, for the message
     */
    private void checkKey(Config c, String key, Optional<Path> file, String password, String passwordKeys) {
        checkKey(c, key, named(ROOT, key), file, password, passwordKeys);
    }

    /** @param shownKey the key as messages name it, e.g. with the path {@code c} was read from */
    private void checkKey(
            Config c, String key, String shownKey, Optional<Path> file, String password, String passwordKeys) {
        if (file.isEmpty() || !Files.isRegularFile(file.get()) || !Files.isReadable(file.get())) {
            return;
        }
        String problem = PemKeys.problem(file.get(), password, passwordKeys);
        if (problem != null) {
            problems.add(shownKey + ": file " + file.get() + " " + problem + " (" + UnknownKeys.where(c.getValue(key))
                    + ")");
        }
    }

    /**
     * A PEM file named by a key, checked now so that a typo fails at start naming the key, not at the
     * first TLS handshake. Certificates are parsed; a key is checked by {@link #checkKey} once its
     * password is known.
     */
    private Optional<Path> pemFile(Config c, String key, boolean certificates) {
        return pemFile(c, key, named(ROOT, key), certificates);
    }

    /** @param shownKey the key as messages name it, e.g. with the path {@code c} was read from */
    private Optional<Path> pemFile(Config c, String key, String shownKey, boolean certificates) {
        String value = read(() -> c.getString(key));
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        Path file = installationRelative(value);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            problems.add(shownKey + ": file " + file + " does not exist or cannot be read ("
                    + UnknownKeys.where(c.getValue(key)) + ")");
            return Optional.of(file);
        }
        if (certificates) {
            String problem;
            try {
                problem = PemCertificates.problemIn(Files.readAllBytes(file));
            } catch (Exception e) {
                problem = "is not a PEM certificate file (" + e.getMessage() + ")";
            }
            if (problem != null) {
                problems.add(shownKey + ": file " + file + " " + problem + at(c, key));
            }
        }
        return Optional.of(file);
    }

    /** env-overrides.conf resolved against the environment: only the variables that are set. */
    private Config environmentLayer() {
        Config variables = ConfigFactory.empty();
        // Only names that are plain config keys (an environment may hold names with dots or brackets).
        // Each its own origin, so that an error in its value names the variable, not "hardcoded value".
        for (Map.Entry<String, String> v : environment.entrySet()) {
            if (v.getKey().matches("[A-Za-z0-9_]+")) {
                variables = variables.withFallback(
                        ConfigFactory.parseMap(Map.of(v.getKey(), v.getValue()), "environment variable " + v.getKey()));
            }
        }
        return ConfigFactory.parseResources(classLoader, "env-overrides.conf")
                .resolveWith(variables, ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
    }

    /**
     * The admin token. EVENTBUS_ADMIN_TOKEN is an explicit override, like every environment
     * variable: it wins over a token-file of the operator's file (which is then not read), so that
     * a token can be given to one run without editing the file. Otherwise token and token-file are
     * one secret in two forms, and both set is an error.
     */
    private String adminToken(Config c) {
        if (fromEnvironment.hasPath(ROOT + ".admin.token")) {
            String token = read(() -> c.getString("admin.token"));
            if (token != null && token.isBlank()) {
                // An empty override would silently turn the token off, whatever token-file says.
                problems.add("EVENTBUS_ADMIN_TOKEN is set but empty: it would turn the admin token off; unset it "
                        + "(the file's admin.token or admin.token-file then apply) or give it a token");
                return null;
            }
            return token;
        }
        return secret(c, "admin.token", "admin.token-file");
    }

    /**
     * A secret given inline ({@code inlineKey}, may be null when there is no inline form) or as a file
     * ({@code fileKey}); empty when neither is set. Both set is an error, as is a file that cannot be read.
     */
    private String secret(Config c, String inlineKey, String fileKey) {
        String inline = inlineKey == null ? "" : read(() -> c.getString(inlineKey));
        String file = read(() -> c.getString(fileKey));
        if (file == null || file.isEmpty()) {
            return inline == null ? "" : inline;
        }
        if (inline != null && !inline.isEmpty()) {
            problems.add(named(ROOT, inlineKey) + at(c, inlineKey) + " and " + named(ROOT, fileKey) + at(c, fileKey)
                    + " are both set: give the secret in one place");
        }
        try {
            return SecretFiles.read(named(ROOT, fileKey), installationRelative(file));
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage() + " (" + UnknownKeys.where(c.getValue(fileKey)) + ")");
            return "";
        }
    }

    private OperationsSettings operations(Config c) {
        Integer httpPort = read(() -> c.getInt("admin.http-port"));
        Integer grpcPort = read(() -> c.getInt("admin.grpc-port"));
        if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
            problems.add("eventbus.admin.http-port must be 0 (any free port) to 65535, was " + httpPort
                    + at(c, "admin.http-port"));
        }
        if (grpcPort != null && (grpcPort < -1 || grpcPort > 65535)) {
            problems.add("eventbus.admin.grpc-port must be -1 (off), 0 (any free port) or up to 65535, was " + grpcPort
                    + at(c, "admin.grpc-port"));
        }
        Boolean enabled = read(() -> c.getBoolean("admin.enabled"));
        adminPortsApart(c, enabled, httpPort, grpcPort);
        String host = read(() -> c.getString("admin.host"));
        String token = adminToken(c);
        if (Boolean.TRUE.equals(enabled) && host != null && AdminBinding.problemWithHost(host) != null) {
            problems.add("eventbus.admin.host: " + AdminBinding.problemWithHost(host) + " ("
                    + UnknownKeys.where(c.getValue("admin.host")) + ")");
        } else if (Boolean.TRUE.equals(enabled) && host != null && (token == null || token.isEmpty())) {
            String problem = AdminBinding.problemWithoutToken(host);
            if (problem != null) {
                problems.add(
                        "eventbus.admin.host: " + problem + " (" + UnknownKeys.where(c.getValue("admin.host")) + ")");
            }
        }
        String auditLog = read(() -> c.getString("admin.audit-log"));
        java.time.Duration stall = positiveDuration(c, "admin.stall-timeout", java.time.Duration.ofMinutes(2));
        AdminSettings admin = new AdminSettings(
                Boolean.TRUE.equals(enabled),
                host,
                httpPort == null ? 0 : httpPort,
                grpcPort == null ? -1 : grpcPort,
                token == null ? "" : token,
                Boolean.TRUE.equals(read(() -> c.getBoolean("admin.ready-requires-all-plugins"))),
                installationRelative(auditLog == null || auditLog.isBlank() ? "audit.log" : auditLog),
                stall,
                adminLimits(c),
                adminTls(c));
        java.time.Duration poll = positiveDuration(c, "metrics.poll-interval", null);
        MetricsSettings metrics = new MetricsSettings(
                poll,
                Boolean.TRUE.equals(read(() -> c.getBoolean("metrics.jvm"))),
                Boolean.TRUE.equals(read(() -> c.getBoolean("metrics.jmx"))));
        return new OperationsSettings(admin, metrics, oneOf(c, "logging.format", "text", "json"));
    }

    /**
     * The two admin servers listen on one host, so one port for both cannot work: {@code run} got
     * as far as binding and said "Address already in use", which reads as another process holding
     * the port (found from outside). 0 for both is fine (each gets a free port of its own).
     */
    private void adminPortsApart(Config c, Boolean enabled, Integer httpPort, Integer grpcPort) {
        if (!Boolean.FALSE.equals(enabled)
                && httpPort != null
                && grpcPort != null
                && httpPort > 0
                && httpPort.equals(grpcPort)) {
            problems.add("eventbus.admin.grpc-port (" + grpcPort + ", " + origin(c, "admin.grpc-port")
                    + ") must differ from eventbus.admin.http-port (" + httpPort + ", " + origin(c, "admin.http-port")
                    + "): both admin servers listen on eventbus.admin.host, each on its own port; give another port, "
                    + "0 (any free port) or -1 (no gRPC server)");
        }
    }

    /**
     * {@code admin.stall-timeout} against the waits of ordinary operation: a subscription's loop
     * waits out a back-off of up to {@link StallBound#LOOP_MAX_BACKOFF} after repeated failures
     * (start-up up to {@code redis.connect-backoff.max} between attempts to reach Redis), plus a
     * command of up to {@code redis.command-timeout}; a shorter stall timeout fails liveness through
     * them (and, at 1 s, through every idle blocking read), and an orchestrator restarts a runtime
     * that only waited. Skipped when a value is already listed as wrong.
     */
    private void stallTimeoutAgainstBackOff(Config c, RedisSettings redis, java.time.Duration stall) {
        java.time.Duration written = quietDuration(c, "admin.stall-timeout");
        java.time.Duration connectMax = redis.connectBackoffMax();
        if (written == null || !written.equals(stall) || redis.commandTimeout() == null || connectMax == null) {
            return;
        }
        boolean connectLonger = connectMax.compareTo(StallBound.LOOP_MAX_BACKOFF) > 0;
        java.time.Duration backOff = connectLonger ? connectMax : StallBound.LOOP_MAX_BACKOFF;
        java.time.Duration bound = backOff.plus(redis.commandTimeout());
        if (stall.compareTo(bound) <= 0) {
            problems.add("eventbus.admin.stall-timeout (" + written(c, "admin.stall-timeout", stall) + ", "
                    + origin(c, "admin.stall-timeout") + ") must be longer than the longest back-off ("
                    + (connectLonger
                            ? "eventbus.redis.connect-backoff.max, "
                                    + written(c, "redis.connect-backoff.max", connectMax) + ", "
                                    + origin(c, "redis.connect-backoff.max")
                            : DurationUnits.shown(StallBound.LOOP_MAX_BACKOFF)
                                    + ", of a subscription's loop after repeated failures")
                    + ") plus eventbus.redis.command-timeout ("
                    + written(c, "redis.command-timeout", redis.commandTimeout()) + ", "
                    + origin(c, "redis.command-timeout") + "), more than " + DurationUnits.shown(bound)
                    + ": else liveness fails while a loop waits out an ordinary back-off");
        }
    }

    /** A duration, or null when it cannot be read (its problem is listed by the reader of the key). */
    private static java.time.Duration quietDuration(Config c, String key) {
        try {
            return c.getDuration(key);
        } catch (ConfigException e) {
            return null;
        }
    }

    private AdminLimits adminLimits(Config c) {
        AdminLimits d = AdminLimits.DEFAULT;
        return new AdminLimits(
                positive(c, "admin.http-max-connections"),
                positiveDuration(c, "admin.http-request-timeout", d.httpRequestTimeout()),
                positive(c, "admin.grpc-max-connections"),
                positiveDuration(c, "admin.grpc-handshake-timeout", d.grpcHandshakeTimeout()),
                positiveDuration(c, "admin.grpc-max-connection-idle", d.grpcMaxConnectionIdle()));
    }

    private AdminTls adminTls(Config c) {
        Optional<Path> cert = pemFile(c, "admin.tls.cert-file", true);
        Optional<Path> key = pemFile(c, "admin.tls.key-file", false);
        if (cert.isPresent() != key.isPresent()) {
            String set = cert.isPresent() ? "admin.tls.cert-file" : "admin.tls.key-file";
            problems.add("eventbus.admin.tls.cert-file and eventbus.admin.tls.key-file go together: set both to serve "
                    + "TLS, or neither (" + named(ROOT, set) + ": " + origin(c, set) + ")");
        }
        String keyPassword = secret(c, "admin.tls.key-password", "admin.tls.key-password-file");
        if (!keyPassword.isEmpty() && key.isEmpty()) {
            String set = isSet(c, "admin.tls.key-password") ? "admin.tls.key-password" : "admin.tls.key-password-file";
            problems.add(named(ROOT, set) + at(c, set) + " is set without eventbus.admin.tls.key-file");
        }
        checkKey(c, "admin.tls.key-file", key, keyPassword, "eventbus.admin.tls.key-password-file (or key-password)");
        return new AdminTls(cert, key, keyPassword, pemFile(c, "admin.tls.ca-file", true));
    }

    /** {@code redis.reconnect}; the default stands in while a problem is reported. */
    private RedisReconnect redisReconnect(Config c) {
        java.time.Duration initial = duration(c, "redis.reconnect.initial-delay");
        java.time.Duration max = positiveDuration(c, "redis.reconnect.max-delay", null);
        if (initial != null && initial.isNegative()) {
            problems.add("eventbus.redis.reconnect.initial-delay must not be negative, was "
                    + written(c, "redis.reconnect.initial-delay", initial)
                    + at(c, "redis.reconnect.initial-delay"));
            return RedisReconnect.DEFAULT;
        }
        if (initial == null || max == null) {
            return RedisReconnect.DEFAULT;
        }
        if (max.compareTo(initial) < 0) {
            problems.add("eventbus.redis.reconnect.max-delay (" + written(c, "redis.reconnect.max-delay", max) + ", "
                    + origin(c, "redis.reconnect.max-delay") + ") must be at least "
                    + "eventbus.redis.reconnect.initial-delay (" + written(c, "redis.reconnect.initial-delay", initial)
                    + ", "
                    + origin(c, "redis.reconnect.initial-delay") + ")");
            return RedisReconnect.DEFAULT;
        }
        return new RedisReconnect(initial, max);
    }

    /** {@code eventbus.ownership}: a renewal must fit (twice) before the lease's local deadline. */
    private OwnershipSettings ownership(Config c) {
        OwnershipSettings s = new OwnershipSettings(
                positiveDuration(c, "ownership.lease-ttl", java.time.Duration.ofSeconds(10)),
                positiveDuration(c, "ownership.renew-every", java.time.Duration.ofSeconds(3)),
                positiveDuration(c, "ownership.safety-margin", java.time.Duration.ofSeconds(2)));
        if (s.safetyMargin().compareTo(s.leaseTtl()) >= 0) {
            problems.add("eventbus.ownership.safety-margin (" + written(c, "ownership.safety-margin", s.safetyMargin())
                    + ", " + origin(c, "ownership.safety-margin") + ") must be below eventbus.ownership.lease-ttl ("
                    + written(c, "ownership.lease-ttl", s.leaseTtl()) + ", " + origin(c, "ownership.lease-ttl") + ")");
        } else if (s.renewEvery().multipliedBy(2).compareTo(s.leaseTtl().minus(s.safetyMargin())) > 0) {
            problems.add("eventbus.ownership.renew-every (" + written(c, "ownership.renew-every", s.renewEvery()) + ", "
                    + origin(c, "ownership.renew-every")
                    + ") must be at most half of eventbus.ownership.lease-ttl minus eventbus.ownership.safety-margin ("
                    + DurationUnits.shown(s.leaseTtl().minus(s.safetyMargin())) + ": "
                    + origin(c, "ownership.lease-ttl") + "; "
                    + origin(c, "ownership.safety-margin") + "), so a failed renewal can be followed by another "
                    + "before the lease lapses");
        }
        return s;
    }

    /** A duration that must be above zero; {@code fallback} stands in while a problem is reported. */
    private java.time.Duration positiveDuration(Config c, String key, java.time.Duration fallback) {
        java.time.Duration value = duration(c, key);
        if (value == null) {
            return fallback;
        }
        if (value.isNegative() || value.isZero()) {
            problems.add(named(ROOT, key) + " must be positive, was " + written(c, key, value) + at(c, key));
            return fallback;
        }
        return value;
    }

    private Config parseFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidConfigException("config file " + file + " does not exist or is not a file");
        }
        // A bare name (-c app.conf) as ./app.conf: Typesafe Config looks for a relative include beside
        // the file's parent directory, and without one only on the class path.
        Path parsed = file.getParent() == null ? Path.of(".").resolve(file) : file;
        try {
            return ConfigFactory.parseFile(
                    parsed.toFile(),
                    ConfigParseOptions.defaults()
                            .setAllowMissing(false)
                            .setIncluder(new CheckedIncludes(parsed, warnings)));
        } catch (ConfigException e) {
            throw new InvalidConfigException(e.getMessage());
        }
    }

    private void checkConsistency(Config c, RedisSettings redis, ConsumerSettings consumer) {
        if (redis.commandTimeout() != null
                && consumer.block() != null
                && consumer.block().compareTo(redis.commandTimeout()) >= 0) {
            problems.add("eventbus.consumer.block (" + written(c, "consumer.block", consumer.block()) + ", "
                    + origin(c, "consumer.block") + ") must be shorter than eventbus.redis.command-timeout ("
                    + written(c, "redis.command-timeout", redis.commandTimeout()) + ", "
                    + origin(c, "redis.command-timeout") + ")");
        }
        if (consumer.newGroupStart() != null && !Set.of("0", "$").contains(consumer.newGroupStart())) {
            problems.add("eventbus.consumer.new-group-start must be \"0\" or \"$\", was \"" + consumer.newGroupStart()
                    + "\" (" + UnknownKeys.where(c.getValue("consumer.new-group-start")) + ")");
        }
        String uriProblem = redis.uri() == null ? null : RedisUriCheck.problem(redis.uri());
        if (uriProblem != null) {
            problems.add("eventbus.redis.uri " + uriProblem + " (" + UnknownKeys.where(c.getValue("redis.uri")) + ")");
        } else if (redis.uri() != null && RedisUserInfo.userWithoutPassword(redis.uri()) && noPasswordFile(c)) {
            // Lettuce would take redis://app@host for the password "app" of the default user.
            problems.add(
                    "eventbus.redis.uri names a user but no password (" + UnknownKeys.where(c.getValue("redis.uri"))
                            + "): a Redis user needs one; give it in the URI (redis://user:password@host, percent-encoded) "
                            + "or in eventbus.redis.password-file (a password alone, for the default user, is "
                            + "redis://:password@host)");
        }
    }

    /** Whether a string key holds something; false when it cannot be read (that is listed already). */
    private static boolean isSet(Config c, String key) {
        try {
            return !c.getString(key).isEmpty();
        } catch (ConfigException e) {
            return false;
        }
    }

    /** Whether {@code redis.password-file} is unset; false when it cannot be read (that is listed already). */
    private static boolean noPasswordFile(Config c) {
        try {
            return c.getString("redis.password-file").isEmpty();
        } catch (ConfigException e) {
            return false;
        }
    }

    private Map<String, RpcServiceSettings> services(Config merged) {
        Config defaults = merged.getConfig("eventbus.grpc.defaults");
        Map<String, RpcServiceSettings> services = new LinkedHashMap<>();
        for (String name : UnknownKeys.children(merged, "eventbus.grpc.services")) {
            String path = UnknownKeys.join(ROOT, "grpc", "services", name);
            List<String> keys = new ArrayList<>(defaults.root().keySet());
            keys.add("target");
            Config entry = entry(merged, path, keys, "");
            if (entry == null) {
                continue;
            }
            boolean unknownHere = false;
            for (String key : entry.root().keySet()) {
                if (!key.equals("target") && !defaults.hasPathOrNull(key)) {
                    problems.add("unknown key '" + path + "." + key + "' ("
                            + UnknownKeys.where(entry.getValue(key)) + "); allowed: target, "
                            + String.join(", ", defaults.root().keySet()));
                    unknownHere = true;
                }
            }
            Config full = entry.withFallback(defaults);
            String target = full.hasPath("target") ? read(() -> full.getString("target")) : "";
            if (target == null || target.isBlank()) {
                // Beside an unknown key the target is most likely under it (a service name with dots
                // not quoted, -D...services.orders.v1.OrderService.target): listed once, not twice.
                if (!unknownHere) {
                    problems.add(path + ".target is missing: say where the service runs, e.g. \"host:50051\"");
                }
                continue;
            }
            boolean readable = rpcTarget(path, full, target);
            boolean tls = Boolean.TRUE.equals(read(() -> full.getBoolean("tls")));
            RpcTls material = rpcTls(path, full);
            RpcCallCredentials credentials = callCredentials(path, full);
            if (!tls
                    && (material.caFile().isPresent()
                            || material.certFile().isPresent()
                            || material.keyFile().isPresent())) {
                problems.add(path + " names TLS files but tls = false" + at(full, "tls")
                        + ", so the channel would not use TLS: set tls = true or remove trust-ca-file, cert-file and "
                        + "key-file");
            }
            if (readable && !tls && credentials.present() && !RpcTargets.isLoopback(target)) {
                problems.add(path + " has call credentials (bearer-token-file or metadata-files) but tls = false"
                        + at(full, "tls") + " and target " + target + at(full, "target")
                        + " is not on this machine, so they would cross the network in clear: set tls = true");
            }
            services.put(
                    name,
                    new RpcServiceSettings(
                            name,
                            target,
                            duration(full, path, "deadline"),
                            tls,
                            material,
                            authority(path, full),
                            credentials,
                            positive(full, path, "max-inbound-message-size")));
        }
        return services;
    }

    /**
     * Whether gRPC can read the service's target ({@link RpcTargetCheck}); when not, a problem
     * naming the key, the value and the forms a target takes.
     */
    private boolean rpcTarget(String path, Config service, String target) {
        String problem = RpcTargetCheck.problem(target);
        if (problem != null) {
            problems.add(path + ".target = \"" + target + "\"" + at(service, "target") + ": " + problem
                    + "; give one of " + RpcTargetCheck.FORMS);
        }
        return problem == null;
    }

    private String authority(String path, Config service) {
        String authority = read(() -> service.getString("authority"));
        if (authority != null && !authority.isEmpty() && !authority.matches("[A-Za-z0-9.\\-]+(:[0-9]{1,5})?")) {
            problems.add(path + ".authority must be a host name (optionally with :port), was \"" + authority + "\" ("
                    + UnknownKeys.where(service.getValue("authority")) + ")");
        }
        return authority == null ? "" : authority;
    }

    private RpcTls rpcTls(String path, Config service) {
        Optional<Path> ca = pemFile(service, "trust-ca-file", path + ".trust-ca-file", true);
        Optional<Path> cert = pemFile(service, "cert-file", path + ".cert-file", true);
        Optional<Path> key = pemFile(service, "key-file", path + ".key-file", false);
        if (cert.isPresent() != key.isPresent()) {
            String set = cert.isPresent() ? "cert-file" : "key-file";
            problems.add(path + ".cert-file and key-file go together: set both for mutual TLS, or neither (" + set
                    + ": " + origin(service, set) + ")");
        }
        String keyPassword = secretFile(service, "key-password-file", path + ".key-password-file");
        if (!keyPassword.isEmpty() && key.isEmpty()) {
            problems.add(
                    path + ".key-password-file" + at(service, "key-password-file") + " is set but key-file is not");
        }
        checkKey(service, "key-file", path + ".key-file", key, keyPassword, path + ".key-password-file");
        return new RpcTls(ca, cert, key, keyPassword);
    }

    private RpcCallCredentials callCredentials(String path, Config service) {
        String token = secretFile(service, "bearer-token-file", path + ".bearer-token-file");
        if (!token.isEmpty() && !headerValue(token)) {
            problems.add(path + ".bearer-token-file: the token holds a line break or a character outside printable "
                    + "ASCII, which a gRPC header cannot carry" + at(service, "bearer-token-file"));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        com.typesafe.config.ConfigObject files = read(() -> service.getObject("metadata-files"));
        for (String header : files == null ? Set.<String>of() : files.keySet()) {
            String key = path + ".metadata-files." + UnknownKeys.join(header);
            String problem = RpcHeaders.problem(header);
            if (problem == null && header.equals("authorization") && !token.isEmpty()) {
                problem = "is sent by bearer-token-file already: set one of them";
            }
            if (problem != null) {
                problems.add(
                        key + ": header " + header + " " + problem + " (" + UnknownKeys.where(files.get(header)) + ")");
                continue;
            }
            String file = read(() -> files.toConfig().getString(UnknownKeys.join(header)));
            if (file == null || file.isBlank()) {
                problems.add(key + " must name a file holding the header's value ("
                        + UnknownKeys.where(files.get(header)) + ")");
                continue;
            }
            try {
                String value = SecretFiles.read(key, installationRelative(file));
                if (!headerValue(value)) {
                    problems.add(key + ": the value holds a line break or a character outside printable ASCII, "
                            + "which a gRPC header cannot carry (" + UnknownKeys.where(files.get(header)) + ")");
                }
                metadata.put(header, value);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage() + " (" + UnknownKeys.where(files.get(header)) + ")");
            }
        }
        return new RpcCallCredentials(token, metadata);
    }

    private static boolean headerValue(String value) {
        return value.chars().allMatch(ch -> ch >= 0x20 && ch <= 0x7e);
    }

    /** A secret that can only be given as a file, named by {@code key} in {@code c}; empty when unset. */
    private String secretFile(Config c, String key, String fullKey) {
        String file = read(() -> c.getString(key));
        if (file == null || file.isEmpty()) {
            return "";
        }
        try {
            return SecretFiles.read(fullKey, installationRelative(file));
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage() + " (" + UnknownKeys.where(c.getValue(key)) + ")");
            return "";
        }
    }

    private Map<String, HandlerSettings> handlerOverrides(Config merged, Config defaults) {
        Map<String, HandlerSettings> overrides = new LinkedHashMap<>();
        for (String name : UnknownKeys.children(merged, "eventbus.handlers")) {
            String path = UnknownKeys.join(ROOT, "handlers", name);
            Config entry = entry(merged, path, defaults.root().keySet(), "");
            if (entry == null) {
                continue;
            }
            for (var key : entry.entrySet()) {
                if (!defaults.hasPathOrNull(key.getKey())) { // a default of the wrong type is a marked null
                    problems.add("unknown key '" + path + "." + key.getKey() + "' (" + UnknownKeys.where(key.getValue())
                            + "); allowed: the keys of eventbus.handler-defaults");
                }
            }
            overrides.put(name, handlerSettings(path, entry.withFallback(defaults)));
        }
        return overrides;
    }

    private HandlerSettings handlerSettings(String path, Config h) {
        int maxAttempts = positive(h, path, "retry.max-attempts");
        Double multiplier = read(() -> h.getDouble("retry.backoff.multiplier"));
        Double jitter = read(() -> h.getDouble("retry.backoff.jitter"));
        if (multiplier != null && multiplier < 1.0) {
            problems.add(path + ".retry.backoff.multiplier must be at least 1.0, was " + multiplier
                    + at(h, "retry.backoff.multiplier"));
        }
        if (jitter != null && (jitter < 0 || jitter >= 1)) {
            problems.add(
                    path + ".retry.backoff.jitter must be in [0, 1), was " + jitter + at(h, "retry.backoff.jitter"));
        }
        int maxInFlight = positive(h, path, "max-in-flight");
        RetrySettings retry = new RetrySettings(
                maxAttempts,
                duration(h, path, "retry.max-age"),
                duration(h, path, "retry.backoff.initial"),
                multiplier == null ? 1.0 : multiplier,
                duration(h, path, "retry.backoff.max"),
                jitter == null ? 0.0 : jitter);
        return new HandlerSettings(
                maxInFlight,
                duration(h, path, "timeout"),
                duration(h, path, "abandon-after"),
                Boolean.TRUE.equals(read(() -> h.getBoolean("ordered-by-subject"))),
                retry);
    }

    private PluginSettings pluginHost(Config c) {
        String staging = read(() -> c.getString("plugin-host.staging-dir"));
        java.util.List<PluginSettings.Allowed> allowed = new java.util.ArrayList<>();
        var entries = read(() -> c.getConfigList("plugin-host.allow-list"));
        for (Config e : entries == null ? java.util.List.<Config>of() : entries) {
            for (String key : e.root().keySet()) {
                if (!java.util.Set.of("id", "version", "sha256", "trust-unpinned")
                        .contains(key)) {
                    problems.add("unknown key '" + key + "' in eventbus.plugin-host.allow-list entry ("
                            + UnknownKeys.where(e.getValue(key)) + "); allowed: id, version, sha256, trust-unpinned");
                }
            }
            if (!e.hasPath("id")) {
                problems.add("eventbus.plugin-host.allow-list entry without id ("
                        + e.origin().description() + ")");
                continue;
            }
            // id and version are read from the JAR's own manifest, so any JAR can claim them: only the
            // checksum pins an entry to the JAR the operator vetted.
            boolean pinned = e.hasPath("sha256") && !e.getString("sha256").isBlank();
            Boolean unpinnedOk = e.hasPath("trust-unpinned") ? read(() -> e.getBoolean("trust-unpinned")) : false;
            if (pinned && !e.getString("sha256").matches("[0-9a-fA-F]{64}")) {
                // Anything else could never equal a JAR's checksum, so the JAR would be refused as
                // "not on the allow-list", which does not say the entry is the problem.
                problems.add("eventbus.plugin-host.allow-list entry '" + e.getString("id") + "' has sha256 = \""
                        + e.getString("sha256") + "\" (" + UnknownKeys.where(e.getValue("sha256"))
                        + "), which is not a SHA-256: give the 64 hex digits `sha256sum <jar>` prints, without the "
                        + "file name");
            }
            if (!pinned && !Boolean.TRUE.equals(unpinnedOk)) {
                problems.add("eventbus.plugin-host.allow-list entry '" + e.getString("id") + "' has no sha256 ("
                        + e.origin().description() + "): id and version come from the JAR itself and can be forged; "
                        + "add sha256 = \"<sha256sum of the JAR>\", or trust-unpinned = true to admit any JAR "
                        + "that says it is this plugin");
            }
            allowed.add(new PluginSettings.Allowed(
                    e.getString("id"),
                    e.hasPath("version") ? e.getString("version") : "",
                    e.hasPath("sha256") ? e.getString("sha256") : ""));
        }
        return new PluginSettings(
                staging == null || staging.isBlank() ? Optional.empty() : Optional.of(Path.of(staging)),
                Boolean.TRUE.equals(read(() -> c.getBoolean("plugin-host.reload"))),
                duration(c, "plugin-host.reload-poll-interval"),
                duration(c, "plugin-host.reload-quiet-period"),
                allowed);
    }

    private String oneOf(Config c, String key, String... allowed) {
        String value = read(() -> c.getString(key));
        if (value != null && !java.util.List.of(allowed).contains(value)) {
            problems.add(named(ROOT, key) + " must be one of " + String.join(", ", allowed) + ", was \"" + value
                    + "\" (" + UnknownKeys.where(c.getValue(key)) + ")");
        }
        return value;
    }

    /** A duration of the {@code eventbus} tree; null when it cannot be used: its problem is listed. */
    private java.time.Duration duration(Config c, String key) {
        return duration(c, ROOT, key);
    }

    /**
     * A duration, refused without a unit ({@link DurationUnits}).
     *
     * @param path the full path of {@code c}, for the message
     * @return null when it cannot be used: its problem is listed (once)
     */
    private java.time.Duration duration(Config c, String path, String key) {
        java.time.Duration value = read(() -> c.getDuration(key));
        if (value != null && DurationUnits.missing(c.getValue(key))) {
            ConfigValue written = c.getValue(key);
            problems.add(path + "." + key + " = " + written.unwrapped() + " (" + UnknownKeys.where(written) + "): "
                    + DurationUnits.PROBLEM);
            return null;
        }
        return value;
    }

    /** @return null when the value cannot be read: its problem is listed (once) */
    private <T> T read(Supplier<T> getter) {
        try {
            return getter.get();
        } catch (ConfigException e) {
            report(e);
            return null;
        }
    }

    /**
     * A problem of a value a getter could not read ({@link ValueProblems}: the full key, what it must be,
     * the value as written), unless it is about a value already reported; listed once, as a handler
     * reading the defaults' value would list it again.
     */
    private void report(ConfigException e) {
        if (!(e instanceof ConfigException.Null
                && e.origin() != null
                && BROKEN.equals(e.origin().description()))) {
            String problem = ValueProblems.of(e, merged);
            if (!problems.contains(problem)) {
                problems.add(problem);
            }
        }
    }

    /**
     * A value of a type the reference's cannot be read as, said as {@link ValueProblems} says it, or as
     * one where a section belongs; Typesafe's words only for what is neither.
     */
    private static String validationProblem(ConfigException.ValidationProblem p, Config merged, Config reference) {
        try {
            ConfigValue written = merged.getValue(p.path());
            ConfigValueType expected = reference.getValue(p.path()).valueType();
            return expected == ConfigValueType.OBJECT
                    ? notASection(
                            p.path(), written, reference.getObject(p.path()).keySet(), "")
                    : ValueProblems.wrongType(p.path(), expected, written);
        } catch (ConfigException e) {
            return p.path() + ": " + p.problem() + " (" + p.origin().description() + ")";
        }
    }

    /**
     * The configuration with a value the type check refused replaced by a marked null, which {@link
     * #read} skips without a second message, so that only the checks that need that value are left
     * out. An object (a whole section given as a number, say) becomes the reference's section with
     * each of its values so marked, so that the code reading the section still finds it.
     */
    private static Config withoutBrokenValue(Config merged, Config reference, String path) {
        ConfigValue marker = ConfigValueFactory.fromAnyRef(null, BROKEN);
        try {
            if (reference.hasPath(path) && reference.getValue(path).valueType() == ConfigValueType.OBJECT) {
                Config section = reference.getConfig(path);
                for (Map.Entry<String, ConfigValue> entry : section.entrySet()) {
                    section = section.withValue(entry.getKey(), marker);
                }
                return merged.withValue(path, section.root());
            }
            return merged.withValue(path, marker);
        } catch (ConfigException e) {
            return merged; // a path the library reported but cannot address: its value is read as it is
        }
    }

    private static int orOne(Integer value) {
        return value == null ? 1 : value;
    }

    private int notNegative(Config c, String key) {
        Integer value = read(() -> c.getInt(key));
        if (value != null && value < 0) {
            problems.add(named(ROOT, key) + " must be at least 0, was " + value + at(c, key));
        }
        return value == null ? 0 : value;
    }

    private int positive(Config c, String key) {
        return positive(c, ROOT, key);
    }

    /**
     * 1 in place of a value that could not be read: its problem is listed, and load() throws at the end.
     *
     * @param path the full path of {@code c}, for the message
     */
    private int positive(Config c, String path, String key) {
        Integer value = read(() -> c.getInt(key));
        if (value != null && value < 1) {
            problems.add(named(path, key) + " must be at least 1, was " + value + at(c, key));
        }
        return value == null ? 1 : value;
    }

    private long positiveBytes(Config c, String key) {
        Long value = read(() -> c.getBytes(key));
        if (value != null && value < 1) {
            problems.add(named(ROOT, key) + " must be at least 1 byte, was " + value + at(c, key));
        }
        return value == null ? 1 : value;
    }

    /** A key's full name, as the unknown-key and type checks name it: {@code eventbus.consumer.read-ahead}. */
    private static String named(String path, String key) {
        return path + "." + key;
    }

    /**
     * A duration as its key's value was written ({@code 10s}, {@code -10s}, {@code 1500ms}), not as
     * {@link java.time.Duration#toString} ({@code PT-10S}); as {@link DurationUnits#shown} when the value is
     * not a string.
     */
    private static String written(Config c, String key, java.time.Duration value) {
        try {
            ConfigValue v = c.getValue(key);
            if (v.valueType() == ConfigValueType.STRING) {
                return ((String) v.unwrapped()).strip();
            }
        } catch (ConfigException e) {
            // no value to show: the duration read stands for it
        }
        return DurationUnits.shown(value);
    }

    /** Where a key's value was set, in brackets after a space: {@code " (conf/application.conf: 12)"}. */
    private static String at(Config c, String key) {
        return " (" + origin(c, key) + ")";
    }

    /**
     * Where a key's value was set: file and line, {@code system properties}, {@code environment
     * variable ...}, or {@code reference.conf: <line>} for a default.
     */
    private static String origin(Config c, String key) {
        try {
            return UnknownKeys.where(c.getValue(key));
        } catch (ConfigException e) {
            return "unknown origin";
        }
    }

    /** Relative paths are relative to the installation (EVENTBUS_HOME, set by bin/eventbus) when known. */
    private static Path installationRelative(String dir) {
        Path path = Path.of(dir == null ? "plugins" : dir);
        String home = System.getenv("EVENTBUS_HOME");
        return path.isAbsolute() || home == null || home.isBlank()
                ? path
                : Path.of(home).resolve(path);
    }

    private static String defaultConsumerName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "eventbus";
            }
        }
        return host;
    }
}
