package dev.eventbus.faults;

import dev.eventbus.faults.plugin.FaultHandler;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.redis.RespClient;
import dev.eventbus.redis.RespErrorException;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.testkit.PluginJarBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Everything one scenario owns: a redis-server, the order service (the oracle's call log), the
 * fault plugin in a plugins directory, the runtime child processes, the producer and the oracle.
 * {@link #close()} kills every child and stops every server.
 */
final class FaultRig implements AutoCloseable {

    static final String STREAM = FaultHandler.STREAM;
    static final String GROUP = FaultHandler.NAME;
    static final String DLQ = "eventbus:dlq:" + FaultHandler.NAME;
    static final String SERVICE = FaultHandler.SERVICE;

    private static final Path LOGS = Report.TARGET.resolve("fault-logs");
    private static volatile Path pluginJar;

    final String scenario;
    final Path work;
    final Path plugins;
    final OrderServer orders;
    RedisServer redis;

    /** Settings below {@code eventbus.}, as HOCON values; scenarios override them with {@link #set}. */
    private final Map<String, String> settings = new LinkedHashMap<>();

    private final Map<Integer, String> idBySeq = new ConcurrentHashMap<>();
    private final Map<String, Integer> seqById = new ConcurrentHashMap<>();
    private final List<RuntimeProcess> children = new ArrayList<>();
    private RedisClient producerClient;
    private StatefulRedisConnection<byte[], byte[]> producer;
    private RespClient resp;
    private long faultEnd;
    private final int subscriptions;

    FaultRig(String scenario) throws IOException {
        this(scenario, pluginJar(), 1);
    }

    /** A rig whose plugins directory holds {@code jar} (as the fault plugin), with that many subscriptions. */
    FaultRig(String scenario, Path jar, int subscriptions) throws IOException {
        this.scenario = scenario;
        this.subscriptions = subscriptions;
        this.work = Files.createTempDirectory("eventbus-fault-" + scenario + "-");
        this.plugins = Files.createDirectories(work.resolve("plugins"));
        Files.copy(jar, plugins.resolve("fault-plugin-1.0.0.jar"));
        Files.createDirectories(LOGS);
        this.orders = OrderServer.start(0);
        this.redis = RedisServer.start(RedisServer.Options.defaults());
        defaults();
    }

    private void defaults() {
        set("redis.command-timeout", "2s");
        set("redis.connect-backoff.initial", "100ms");
        set("redis.connect-backoff.max", "1s");
        set("consumer.block", "500ms");
        set("consumer.shutdown-grace", "5s");
        set("consumer.max-event-bytes", "8192");
        set("handler-defaults.max-in-flight", "32");
        set("handler-defaults.timeout", "2s");
        set("handler-defaults.abandon-after", "1s");
        set("handler-defaults.retry.max-attempts", "4");
        set("handler-defaults.retry.backoff.initial", "100ms");
        set("handler-defaults.retry.backoff.max", "1s");
        set("recovery.retry-poll-interval", "100ms");
        set("recovery.claim-idle", "3s");
        set("recovery.interval", "500ms");
        set("recovery.max-deliveries", "10");
        set("grpc.defaults.deadline", "1500ms");
        set("grpc.circuit-breaker.failure-threshold", "5");
        set("grpc.circuit-breaker.open-for", "1s");
    }

    /** Overrides one setting below {@code eventbus.}; the value is HOCON (quote strings yourself). */
    FaultRig set(String key, String hoconValue) {
        settings.put(key, hoconValue);
        return this;
    }

    /** Replaces the Redis with one that fsyncs its AOF on every write (appendfsync always). */
    void useAofRedis() {
        closeClients();
        redis.stop();
        redis = RedisServer.start(RedisServer.Options.defaults().withAppendOnly(true));
    }

    // ---- the runtime ----

    /** Starts {@code bin/eventbus run} as this consumer and waits until it reads. */
    RuntimeProcess startRuntime(String consumerName) throws IOException, InterruptedException {
        return startRuntime(consumerName, Map.of());
    }

    /** Starts {@code bin/eventbus run} as this consumer, with settings of its own, and waits until it reads. */
    RuntimeProcess startRuntime(String consumerName, Map<String, String> own) throws IOException, InterruptedException {
        RuntimeProcess child = launch(consumerName, own);
        child.awaitRunning(Duration.ofSeconds(60));
        return child;
    }

    /** Starts {@code bin/eventbus run} without waiting. */
    RuntimeProcess launch(String consumerName) throws IOException {
        return launch(consumerName, Map.of());
    }

    /** Starts {@code bin/eventbus run} without waiting, with settings of its own on top of the rig's. */
    RuntimeProcess launch(String consumerName, Map<String, String> own) throws IOException {
        int n = children.size() + 1;
        Path config = work.resolve("eventbus-" + n + ".conf");
        StringBuilder hocon = new StringBuilder("# fault suite, scenario " + scenario + "\n");
        hocon.append("eventbus.redis.uri = \"").append(redis.uri()).append("\"\n");
        hocon.append("eventbus.grpc.services.\"")
                .append(SERVICE)
                .append("\".target = \"")
                .append(orders.target())
                .append("\"\n");
        // Admin ports of its own: the default 9400/9401 may be held by anything else on a shared
        // machine (a developer's eventbus dev), and the runtime then refuses to start. Settings
        // below (the rig's or the child's own) come later and win.
        hocon.append("eventbus.admin.http-port = ").append(freePort()).append('\n');
        hocon.append("eventbus.admin.grpc-port = ").append(freePort()).append('\n');
        settings.forEach((k, v) ->
                hocon.append("eventbus.").append(k).append(" = ").append(v).append('\n'));
        own.forEach((k, v) ->
                hocon.append("eventbus.").append(k).append(" = ").append(v).append('\n'));
        Files.writeString(config, hocon);
        Path log = LOGS.resolve(scenario + "." + n + "." + consumerName + ".log");
        Files.deleteIfExists(log);
        RuntimeProcess child =
                RuntimeProcess.start(scenario + "#" + n, consumerName, config, plugins, log, work, subscriptions);
        children.add(child);
        return child;
    }

    /**
     * A free port below Linux's ephemeral range (32768 and up), so that the many outgoing
     * connections of the runtimes, Redis and the producer never take it between runs.
     */
    static int freePort() throws IOException {
        for (int tries = 0; tries < 100; tries++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            try (ServerSocket s = new ServerSocket(port)) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port in 20000-31999");
    }

    List<RuntimeProcess> children() {
        return List.copyOf(children);
    }

    /** Every child's output, for log checks. */
    String allOutput() {
        StringBuilder sb = new StringBuilder();
        children.forEach(c -> sb.append(c.output()));
        return sb.toString();
    }

    String describeChildren() {
        StringBuilder sb = new StringBuilder();
        children.forEach(c -> sb.append(c.describe()).append('\n'));
        return sb.toString();
    }

    // ---- producing ----

    /** Publishes seqs {@code from..to} (inclusive), pipelined; {@code headers} adds fields per seq (may be empty). */
    void publish(int from, int to, IntFunction<Map<String, String>> headers) throws Exception {
        List<Map<byte[], byte[]>> bodies = new ArrayList<>();
        for (int seq = from; seq <= to; seq++) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("type", FaultHandler.TYPE);
            fields.put("subject", "s-" + seq);
            fields.put("data", "{\"seq\":" + seq + "}");
            fields.putAll(headers.apply(seq));
            bodies.add(bytes(fields));
        }
        publishRaw(from, bodies);
    }

    void publish(int from, int to) throws Exception {
        publish(from, to, seq -> Map.of());
    }

    /** Publishes raw entries as seqs {@code firstSeq, firstSeq+1, ...}. */
    void publishRaw(int firstSeq, List<Map<byte[], byte[]>> bodies) throws Exception {
        StatefulRedisConnection<byte[], byte[]> c = producer();
        List<RedisFuture<String>> futures = new ArrayList<>(bodies.size());
        for (Map<byte[], byte[]> body : bodies) {
            futures.add(c.async().xadd(STREAM.getBytes(StandardCharsets.UTF_8), body));
        }
        for (int i = 0; i < futures.size(); i++) {
            String id = futures.get(i).get(30, TimeUnit.SECONDS);
            idBySeq.put(firstSeq + i, id);
            seqById.put(id, firstSeq + i);
        }
    }

    static Map<byte[], byte[]> bytes(Map<String, String> fields) {
        Map<byte[], byte[]> body = new LinkedHashMap<>();
        fields.forEach((k, v) -> body.put(k.getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8)));
        return body;
    }

    String idOf(int seq) {
        return idBySeq.get(seq);
    }

    Integer seqOf(String id) {
        return seqById.get(id);
    }

    int produced() {
        return idBySeq.size();
    }

    private synchronized StatefulRedisConnection<byte[], byte[]> producer() {
        if (producer == null) {
            producerClient = RedisClient.create(redis.uri());
            producer = producerClient.connect(ByteArrayCodec.INSTANCE);
        }
        return producer;
    }

    /** A binary-safe connection for checks of raw bytes (shares the producer's). */
    StatefulRedisConnection<byte[], byte[]> binary() {
        return producer();
    }

    // ---- looking at Redis ----

    /** One command on the rig's own connection, reopened after a failure (Redis restarted, client killed). */
    synchronized Object redis(String... args) {
        if (resp == null) {
            resp = RespClient.connect(redis.uri());
        }
        try {
            return resp.call(args);
        } catch (RespErrorException e) {
            throw e;
        } catch (RuntimeException e) {
            resp.close();
            resp = null;
            throw e;
        }
    }

    /** XPENDING count of the group, -1 when unreadable. */
    long pending() {
        try {
            return (Long) ((List<?>) redis("XPENDING", STREAM, GROUP)).get(0);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Entry ids in the group's pending list, with their consumer and delivery count. */
    Map<String, PendingEntry> pendingEntries() {
        Map<String, PendingEntry> entries = new LinkedHashMap<>();
        for (Object o : (List<?>) redis("XPENDING", STREAM, GROUP, "-", "+", "100000")) {
            List<?> e = (List<?>) o;
            entries.put((String) e.get(0), new PendingEntry((String) e.get(0), (String) e.get(1), (Long) e.get(3)));
        }
        return entries;
    }

    record PendingEntry(String id, String consumer, long deliveries) {}

    /** XINFO GROUPS for our group, as a map. */
    Map<String, Object> groupInfo() {
        for (Object g : (List<?>) redis("XINFO", "GROUPS", STREAM)) {
            Map<String, Object> m = asMap((List<?>) g);
            if (GROUP.equals(m.get("name"))) {
                return m;
            }
        }
        return Map.of();
    }

    /** XINFO CONSUMERS of the group: name -> pending. */
    Map<String, Long> consumers() {
        Map<String, Long> result = new LinkedHashMap<>();
        for (Object c : (List<?>) redis("XINFO", "CONSUMERS", STREAM, GROUP)) {
            Map<String, Object> m = asMap((List<?>) c);
            result.put((String) m.get("name"), (Long) m.get("pending"));
        }
        return result;
    }

    /** Dead letters as id -> fields (text; non-UTF-8 bytes come out replaced). */
    Map<String, Map<String, String>> deadLetterEntries() {
        Map<String, Map<String, String>> result = new LinkedHashMap<>();
        for (Object e : (List<?>) redis("XRANGE", DLQ, "-", "+")) {
            List<?> entry = (List<?>) e;
            Map<String, String> fields = new LinkedHashMap<>();
            asMap((List<?>) entry.get(1)).forEach((k, v) -> fields.put(k, (String) v));
            result.put((String) entry.get(0), fields);
        }
        return result;
    }

    static Map<String, Object> asMap(List<?> flat) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            map.put(String.valueOf(flat.get(i)), flat.get(i + 1));
        }
        return map;
    }

    // ---- the oracle ----

    /** @return what the oracle sees now, or null when Redis cannot be read */
    Outcome outcome() {
        Map<String, Map<String, String>> dlq;
        long pending;
        try {
            dlq = deadLetterEntries();
            pending = pending();
        } catch (RuntimeException e) {
            return null;
        }
        Map<Integer, Map<String, String>> deadLetters = new HashMap<>();
        Set<Integer> trimmed = new HashSet<>();
        int unknown = 0;
        for (Map<String, String> letter : dlq.values()) {
            Integer seq = seqById.get(letter.get("eventbus-source-id"));
            if (seq == null || !STREAM.equals(letter.get("eventbus-source-stream"))) {
                unknown++;
            } else if ("trimmed".equals(letter.get("eventbus-reason"))) {
                trimmed.add(seq);
            } else {
                deadLetters.put(seq, letter);
            }
        }
        Set<Integer> handled = new HashSet<>();
        Map<Integer, Integer> callsPerSeq = new HashMap<>();
        Map<Integer, Integer> appliedPerSeq = new HashMap<>();
        List<String> mismatches = new ArrayList<>();
        List<OrderServer.ReceivedCall> calls = orders.calls();
        for (OrderServer.ReceivedCall call : calls) {
            Integer seq = seqOfOrder(call.orderId());
            if (seq == null || !idBySeq.containsKey(seq)) {
                mismatches.add("call for an order never produced: " + call);
                continue;
            }
            callsPerSeq.merge(seq, 1, Integer::sum);
            if (call.applied()) {
                handled.add(seq);
                appliedPerSeq.merge(seq, 1, Integer::sum);
            }
            String expected = GROUP + "/" + STREAM + "/" + idBySeq.get(seq);
            if (!expected.equals(call.idempotencyKey())) {
                mismatches.add("seq " + seq + ": key " + call.idempotencyKey() + ", expected " + expected);
            }
            if (call.attempt() < 1) {
                mismatches.add("seq " + seq + ": no eventbus-attempt metadata: " + call);
            }
        }
        int duplicates = callsPerSeq.values().stream().mapToInt(n -> n - 1).sum();
        Set<Integer> appliedTwice = new TreeSet<>();
        appliedPerSeq.forEach((seq, n) -> {
            if (n > 1) {
                appliedTwice.add(seq);
            }
        });
        SortedSet<Integer> lost = new TreeSet<>(idBySeq.keySet());
        lost.removeAll(handled);
        lost.removeAll(deadLetters.keySet());
        lost.removeAll(trimmed);
        return new Outcome(
                idBySeq.size(),
                handled,
                deadLetters,
                trimmed,
                dlq.size(),
                unknown,
                calls.size(),
                duplicates,
                appliedTwice,
                mismatches,
                lost,
                pending);
    }

    private static Integer seqOfOrder(String orderId) {
        if (orderId == null || !orderId.startsWith("s-")) {
            return null;
        }
        try {
            return Integer.parseInt(orderId.substring(2));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The fault is over: recovery time counts from now. */
    void faultEnded() {
        faultEnd = System.nanoTime();
    }

    /**
     * Waits (bounded) until every produced event is handled, dead-lettered or trimmed and nothing
     * is pending, records the scenario's row, and returns the last outcome (done or not).
     */
    Outcome awaitDone(Duration timeout, String notes) throws InterruptedException {
        return awaitDone(timeout, Duration.ZERO, notes);
    }

    /**
     * As {@link #awaitDone(Duration, String)}, then waits {@code settle} more and looks again, so
     * that late writes (a second loss record for the same entry) are seen too.
     */
    Outcome awaitDone(Duration timeout, Duration settle, String notes) throws InterruptedException {
        if (faultEnd == 0) {
            faultEnded();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Outcome last = null;
        while (true) {
            Outcome o = outcome();
            if (o != null) {
                last = o;
                if (o.done()) {
                    long ms = (System.nanoTime() - faultEnd) / 1_000_000;
                    if (!settle.isZero()) {
                        Thread.sleep(settle.toMillis());
                        Outcome later = outcome();
                        o = later == null ? o : later;
                    }
                    int repeated = o.dlqEntries()
                            - o.deadLetters().size()
                            - o.trimmed().size()
                            - o.unknownDlq();
                    Report.add(new Report.Row(
                            scenario,
                            o,
                            ms,
                            true,
                            notes + (repeated > 0 ? "; " + repeated + " event(s) dead-lettered twice" : "")));
                    return o;
                }
            }
            if (System.nanoTime() > deadline) {
                if (last == null) {
                    throw new AssertionError("Redis could not be read for " + timeout);
                }
                Report.add(new Report.Row(scenario, last, -1, false, notes + "; NOT DONE: " + last.summary()));
                return last;
            }
            Thread.sleep(100);
        }
    }

    /** Polls a condition, bounded; false on timeout. */
    static boolean poll(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // Redis away or paused: try again.
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        children.forEach(RuntimeProcess::killQuietly);
        closeClients();
        orders.close();
        redis.stop();
        try (Stream<Path> files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // A temp dir left behind is harmless.
        }
    }

    private synchronized void closeClients() {
        if (resp != null) {
            resp.close();
            resp = null;
        }
        if (producer != null) {
            producer.close();
            producerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            producer = null;
            producerClient = null;
        }
    }

    // ---- the plugin JAR ----

    /**
     * The fault plugin, built once: the handler, and the order-api classes it calls with (a
     * plugin bundles its own stubs; gRPC and protobuf come from the runtime).
     */
    static synchronized Path pluginJar() throws IOException {
        if (pluginJar == null) {
            PluginJarBuilder builder = new PluginJarBuilder("fault-plugin")
                    .version("1.0.0")
                    .provider("eventbus fault suite")
                    .description("Misbehaves on demand")
                    .extension(FaultHandler.class);
            orderApi(builder);
            Path dir = Files.createTempDirectory("eventbus-fault-plugin-");
            pluginJar = builder.build(dir);
        }
        return pluginJar;
    }

    /** Bundles the order-api classes into a plugin JAR (a plugin brings its own stubs). */
    static void orderApi(PluginJarBuilder builder) throws IOException {
        Path api;
        try {
            api = Path.of(MarkPaidRequest.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (Files.isDirectory(api)) {
            try (Stream<Path> files = Files.walk(api)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String name = api.relativize(f).toString().replace('\\', '/');
                    if (!name.startsWith("META-INF/")) {
                        builder.resource(name, Files.readAllBytes(f));
                    }
                }
            }
        } else {
            try (JarFile jar = new JarFile(api.toFile())) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    JarEntry entry = e.nextElement();
                    if (!entry.isDirectory() && !entry.getName().startsWith("META-INF/")) {
                        builder.resource(
                                entry.getName(), jar.getInputStream(entry).readAllBytes());
                    }
                }
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
