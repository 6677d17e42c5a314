package dev.eventbus.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A primary, one replica and three sentinels watching them ({@code redis-server --sentinel}), as
 * child processes on free ports of 127.0.0.1: the smallest set that fails over by itself.
 *
 * <p>Lifecycle: {@link #start()} returns once the replica is in sync and every sentinel knows the
 * replica and the two other sentinels, so a failover can be agreed at once. Fault tests then
 * {@link #killPrimary()} and {@link #awaitFailover}; {@link #close()} stops every process. Each
 * sentinel gets a configuration file of its own (sentinels rewrite theirs), written into its data
 * directory. The JVM's shutdown hook kills whatever is left, as for {@link RedisServer}.
 *
 * <p>Thread-safe: which node is the primary is asked of the sentinels each time, never cached.
 */
public final class RedisSentinelSet implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final int QUORUM = 2;

    /**
     * How to start the set. Immutable.
     *
     * @param masterName the name the sentinels monitor the primary under
     * @param downAfter how long the primary must be unreachable before a sentinel thinks it down
     *     ({@code down-after-milliseconds}); short here, so that a test fails over in seconds
     * @param failoverTimeout the sentinels' {@code failover-timeout}: how soon a stalled failover is
     *     tried again
     * @param nodeArgs further arguments for the primary and the replica (e.g. {@code --appendonly yes})
     * @param user an ACL user with every permission, the only one on the nodes ({@code default} is
     *     off), used by the replica and the sentinels too; {@code null} for none
     * @param password the user's password; {@code null} without a user
     */
    public record Options(
            String masterName,
            Duration downAfter,
            Duration failoverTimeout,
            List<String> nodeArgs,
            String user,
            String password) {

        /** Validates and copies. */
        public Options {
            Objects.requireNonNull(masterName, "masterName");
            if (!masterName.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException(
                        "master name must be letters, digits, '.', '_' or '-', was '" + masterName + "'");
            }
            nodeArgs = List.copyOf(nodeArgs);
            if ((user == null) != (password == null)) {
                throw new IllegalArgumentException("user and password go together");
            }
            if (user != null && !(user + password).matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("user and password must be letters, digits, '.', '_' or '-'");
            }
        }

        /** Master {@code eventbus}, down after 1 s, failover timeout 3 s, no further arguments, no ACL user. */
        public static Options defaults() {
            return new Options("eventbus", Duration.ofSeconds(1), Duration.ofSeconds(3), List.of(), null, null);
        }

        public Options withMasterName(String masterName) {
            return new Options(masterName, downAfter, failoverTimeout, nodeArgs, user, password);
        }

        public Options withDownAfter(Duration downAfter) {
            return new Options(masterName, downAfter, failoverTimeout, nodeArgs, user, password);
        }

        public Options withFailoverTimeout(Duration failoverTimeout) {
            return new Options(masterName, downAfter, failoverTimeout, nodeArgs, user, password);
        }

        public Options withNodeArgs(String... nodeArgs) {
            return new Options(masterName, downAfter, failoverTimeout, List.of(nodeArgs), user, password);
        }

        /** Only this ACL user may use the nodes: clients, the replica and the sentinels log in as it. */
        public Options withUser(String user, String password) {
            return new Options(masterName, downAfter, failoverTimeout, nodeArgs, user, password);
        }

        /** The arguments of a data node: the caller's, then the ACL user's. */
        List<String> dataNodeArgs() {
            List<String> args = new ArrayList<>(nodeArgs);
            if (user != null) {
                args.addAll(List.of(
                        "--user",
                        user,
                        "on",
                        ">" + password,
                        "~*",
                        "&*",
                        "+@all",
                        "--user",
                        "default",
                        "off",
                        "--masteruser",
                        user,
                        "--masterauth",
                        password));
            }
            return args;
        }
    }

    private final Options options;
    private final List<RedisServer> nodes;
    private final List<RedisServer> sentinels;

    private RedisSentinelSet(Options options, List<RedisServer> nodes, List<RedisServer> sentinels) {
        this.options = options;
        this.nodes = List.copyOf(nodes);
        this.sentinels = List.copyOf(sentinels);
    }

    /** Starts a set with {@link Options#defaults()}. */
    public static RedisSentinelSet start() {
        return start(Options.defaults());
    }

    /**
     * Starts the primary, the replica, then the three sentinels, and waits until they know each other.
     *
     * @throws IllegalStateException when a process does not start, or the set is not ready within 30 s
     */
    public static RedisSentinelSet start(Options options) {
        List<RedisServer> nodes = new ArrayList<>();
        List<RedisServer> sentinels = new ArrayList<>();
        try {
            RedisServer primary =
                    RedisServer.start(RedisServer.Options.defaults().withExtraArgs(options.dataNodeArgs()));
            nodes.add(primary);
            List<String> replicaArgs = new ArrayList<>(options.dataNodeArgs());
            replicaArgs.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(primary.port())));
            RedisServer replica =
                    RedisServer.start(RedisServer.Options.defaults().withExtraArgs(replicaArgs));
            nodes.add(replica);
            Waits.until(
                    "the replica on port " + replica.port() + " to sync",
                    STARTUP_TIMEOUT,
                    () -> "up"
                                    .equals(RedisProbe.infoField(
                                            askNode(options, replica.port(), "INFO", "replication"),
                                            "master_link_status"))
                            ? null
                            : "master_link_status not up");
            for (int i = 0; i < 3; i++) {
                sentinels.add(startSentinel(options, primary.port()));
            }
            RedisSentinelSet set = new RedisSentinelSet(options, nodes, sentinels);
            Waits.until("the sentinels to know the replica and each other", STARTUP_TIMEOUT, set::discoveryMissing);
            return set;
        } catch (RuntimeException e) {
            sentinels.forEach(RedisServer::stop);
            nodes.forEach(RedisServer::stop);
            throw e;
        }
    }

    private static RedisServer startSentinel(Options options, int primaryPort) {
        try {
            Path dir = Files.createTempDirectory("eventbus-sentinel-");
            RedisReaper.ownDir(dir);
            Path config = dir.resolve("sentinel.conf");
            String name = options.masterName();
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "sentinel monitor " + name + " 127.0.0.1 " + primaryPort + " " + QUORUM,
                            "sentinel down-after-milliseconds " + name + " "
                                    + options.downAfter().toMillis(),
                            "sentinel failover-timeout " + name + " "
                                    + options.failoverTimeout().toMillis(),
                            "sentinel parallel-syncs " + name + " 1",
                            options.user() == null ? "" : "sentinel auth-user " + name + " " + options.user(),
                            options.user() == null ? "" : "sentinel auth-pass " + name + " " + options.password(),
                            ""),
                    StandardCharsets.UTF_8);
            return RedisServer.start(RedisServer.Options.defaults()
                    .withDataDir(dir)
                    .withConfigFile(config)
                    .withExtraArgs("--sentinel"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a sentinel configuration", e);
        }
    }

    /** @return the name the sentinels know the primary by */
    public String masterName() {
        return options.masterName();
    }

    /**
     * @return {@code redis-sentinel://127.0.0.1:<s1>,127.0.0.1:<s2>,127.0.0.1:<s3>#<master name>}, the
     *     form Lettuce and the runtime take
     */
    public String uri() {
        return "redis-sentinel://"
                + sentinels.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(",")) + "#"
                + options.masterName();
    }

    /** @return the primary and the replica, in start order (the first started as primary) */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /** @return the three sentinels */
    public List<RedisServer> sentinels() {
        return sentinels;
    }

    /**
     * The node the sentinels name as the primary now: the first live sentinel that answers decides.
     *
     * @throws IllegalStateException when no sentinel answers, or it names a node not of this set
     */
    public RedisServer primary() {
        for (RedisServer sentinel : sentinels) {
            Integer port = masterPortSeenBy(sentinel);
            if (port != null) {
                return node(port);
            }
        }
        throw new IllegalStateException("no sentinel of " + uri() + " names a primary");
    }

    /** @return the node that is not {@link #primary()} */
    public RedisServer replica() {
        RedisServer primary = primary();
        return nodes.stream().filter(n -> n != primary).findFirst().orElseThrow();
    }

    /**
     * Kills the primary with SIGKILL, as a crash would.
     *
     * @return the node killed; pass it to {@link #awaitFailover}
     */
    public RedisServer killPrimary() {
        RedisServer primary = primary();
        primary.kill();
        return primary;
    }

    /**
     * Waits until every live sentinel names another node than {@code old} as the primary and that
     * node says it is a master.
     *
     * @return the new primary
     * @throws IllegalStateException when that does not happen within the timeout
     */
    public RedisServer awaitFailover(RedisServer old, Duration timeout) {
        Waits.until("the sentinels to promote a replica of " + old, timeout, () -> {
            for (RedisServer sentinel : sentinels) {
                if (!sentinel.isRunning()) {
                    continue;
                }
                Integer port = masterPortSeenBy(sentinel);
                if (port == null || port == old.port()) {
                    return "sentinel " + sentinel.port() + " names port " + port;
                }
                Object role = askNode(options, port, "ROLE");
                if (!(role instanceof List<?> parts) || !"master".equals(parts.get(0))) {
                    return "port " + port + " has role " + role;
                }
            }
            return null;
        });
        return primary();
    }

    /** Stops the sentinels, then the nodes. Idempotent. */
    @Override
    public void close() {
        sentinels.forEach(RedisServer::stop);
        nodes.forEach(RedisServer::stop);
    }

    @Override
    public String toString() {
        return "RedisSentinelSet[" + uri() + ", nodes "
                + nodes.stream().map(n -> Integer.toString(n.port())).collect(Collectors.joining(",")) + "]";
    }

    private String discoveryMissing() {
        for (RedisServer sentinel : sentinels) {
            Object reply = RedisProbe.ask(sentinel.port(), "SENTINEL", "MASTER", options.masterName());
            if (!(reply instanceof List<?> fields)) {
                return "sentinel " + sentinel.port() + " answers " + reply;
            }
            String replicas = field(fields, "num-slaves");
            String others = field(fields, "num-other-sentinels");
            if (!"1".equals(replicas) || !"2".equals(others)) {
                return "sentinel " + sentinel.port() + " knows " + replicas + " replicas and " + others
                        + " other sentinels";
            }
        }
        return null;
    }

    /** A command to a data node, logged in as the set's user when it has one; {@code null} if unreachable. */
    private static Object askNode(Options options, int port, String... command) {
        if (options.user() == null) {
            return RedisProbe.ask(port, command);
        }
        try (RespClient client =
                RespClient.connect("redis://" + options.user() + ":" + options.password() + "@127.0.0.1:" + port)) {
            return client.call(command);
        } catch (RespErrorException e) {
            return e;
        } catch (java.io.UncheckedIOException e) {
            return null;
        }
    }

    private Integer masterPortSeenBy(RedisServer sentinel) {
        Object reply = RedisProbe.ask(sentinel.port(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", options.masterName());
        if (reply instanceof List<?> address && address.size() == 2) {
            return Integer.valueOf(String.valueOf(address.get(1)));
        }
        return null;
    }

    private RedisServer node(int port) {
        return nodes.stream()
                .filter(n -> n.port() == port)
                .findFirst()
                .orElseThrow(
                        () -> new IllegalStateException("the sentinels name port " + port + ", not a node of " + this));
    }

    private static String field(List<?> flat, String name) {
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            if (name.equals(flat.get(i))) {
                return String.valueOf(flat.get(i + 1));
            }
        }
        return null;
    }
}
