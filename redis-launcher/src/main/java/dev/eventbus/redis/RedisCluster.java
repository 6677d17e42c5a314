package dev.eventbus.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of primaries and their replicas, each a {@code redis-server --cluster-enabled yes}
 * child process on 127.0.0.1, joined by {@code redis-cli --cluster create ... --cluster-replicas}.
 *
 * <p>Lifecycle: {@link #start()} returns once every node reports {@code cluster_state:ok}, knows
 * every other node, and every replica is in sync. Fault tests then kill a node ({@link
 * #killPrimaryOf}, or {@link RedisServer#kill()} on one of {@link #nodes()}) and
 * {@link #awaitFailover}; {@link #close()} stops every process. The JVM's shutdown hook kills
 * whatever is left, as for {@link RedisServer}.
 *
 * <p>Ports: a node also listens on its port + 10000 (the cluster bus), so ports are picked below
 * the kernel's ephemeral range, both free when picked.
 *
 * <p>With {@link Options#tls()} every node speaks only TLS ({@code --port 0}, its port is the TLS
 * port), on the cluster bus and for replication too; {@link #seedUris()} are {@code rediss://}, and
 * the launcher's own probes and {@code redis-cli} trust the given CA.
 *
 * <p>Thread-safe: who serves which slot is asked of the live nodes each time, never cached.
 */
public final class RedisCluster implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final int BUS_OFFSET = 10000;
    private static final int PORT_ATTEMPTS = 5;

    /**
     * How to start the cluster. Immutable.
     *
     * @param primaries how many primaries share the 16384 slots (at least 3, as Redis requires)
     * @param replicasPerPrimary replicas of each primary
     * @param nodeTimeout the {@code cluster-node-timeout}: how long a node may be unreachable before
     *     it is failed over; short here, so that a test fails over in seconds
     * @param nodeArgs further arguments for every node (e.g. {@code --appendonly yes})
     * @param tls the files every node speaks only TLS with, to clients, to its replicas and on the
     *     cluster bus ({@code tls-cluster}, {@code tls-replication}); {@code null} for plain text
     */
    public record Options(
            int primaries, int replicasPerPrimary, Duration nodeTimeout, List<String> nodeArgs, ServerTls tls) {

        /** Validates and copies. */
        public Options {
            if (primaries < 3) {
                throw new IllegalArgumentException("a Redis Cluster needs at least 3 primaries, was " + primaries);
            }
            if (replicasPerPrimary < 0) {
                throw new IllegalArgumentException("replicasPerPrimary must be 0 or more, was " + replicasPerPrimary);
            }
            Objects.requireNonNull(nodeTimeout, "nodeTimeout");
            nodeArgs = List.copyOf(nodeArgs);
        }

        /** Plain text. */
        public Options(int primaries, int replicasPerPrimary, Duration nodeTimeout, List<String> nodeArgs) {
            this(primaries, replicasPerPrimary, nodeTimeout, nodeArgs, null);
        }

        /** 3 primaries with 1 replica each, node timeout 1 s, no further arguments. */
        public static Options defaults() {
            return new Options(3, 1, Duration.ofSeconds(1), List.of());
        }

        public Options withNodeTimeout(Duration nodeTimeout) {
            return new Options(primaries, replicasPerPrimary, nodeTimeout, nodeArgs, tls);
        }

        public Options withNodeArgs(String... nodeArgs) {
            return new Options(primaries, replicasPerPrimary, nodeTimeout, List.of(nodeArgs), tls);
        }

        public Options withTls(ServerTls tls) {
            return new Options(primaries, replicasPerPrimary, nodeTimeout, nodeArgs, tls);
        }
    }

    private final List<RedisServer> nodes;

    private RedisCluster(List<RedisServer> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Starts a cluster with {@link Options#defaults()}. */
    public static RedisCluster start() {
        return start(Options.defaults());
    }

    /**
     * Starts the nodes, creates the cluster and waits until it is whole.
     *
     * @throws IllegalStateException when a node does not start, {@code redis-cli} is missing or
     *     fails, or the cluster is not whole within 30 s
     */
    public static RedisCluster start(Options options) {
        RedisCli cli = RedisCli.find(RedisBinary.resolve());
        List<RedisServer> nodes = new ArrayList<>();
        try {
            int count = options.primaries() * (1 + options.replicasPerPrimary());
            for (int i = 0; i < count; i++) {
                nodes.add(startNode(options));
            }
            List<String> args = new ArrayList<>();
            if (options.tls() != null) {
                args.addAll(options.tls().cliArgs());
            }
            args.addAll(List.of("--cluster", "create"));
            nodes.forEach(n -> args.add("127.0.0.1:" + n.port()));
            args.addAll(List.of("--cluster-replicas", Integer.toString(options.replicasPerPrimary()), "--cluster-yes"));
            cli.run(STARTUP_TIMEOUT, args);
            RedisCluster cluster = new RedisCluster(nodes);
            Waits.until("the cluster to be whole", STARTUP_TIMEOUT, cluster::wholeMissing);
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisServer::stop);
            throw e;
        }
    }

    private static RedisServer startNode(Options options) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            int port = freePortWithBus();
            List<String> args = new ArrayList<>(List.of(
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout",
                            Long.toString(options.nodeTimeout().toMillis()),
                    // Fail over whatever the replica's lag: a test kills primaries on purpose.
                    "--cluster-replica-validity-factor", "0"));
            if (options.tls() != null) {
                args.addAll(List.of("--tls-cluster", "yes", "--tls-replication", "yes"));
            }
            args.addAll(options.nodeArgs());
            try {
                return RedisServer.start(RedisServer.Options.defaults()
                        .withPort(port)
                        .withExtraArgs(args)
                        .withTls(options.tls()));
            } catch (IllegalStateException e) {
                if (!e.getMessage().contains("Address already in use")
                        && !e.getMessage().contains("another process")) {
                    throw e;
                }
                last = e; // taken between picking and binding (another test JVM): pick again
            }
        }
        throw last;
    }

    /** A port whose cluster-bus port is free too, both below the ephemeral range (32768 and up). */
    private static int freePortWithBus() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(12000, 22700);
            if (free(port) && free(port + BUS_OFFSET)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair (port, port + " + BUS_OFFSET + ") found below 32768");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** @return every node, primaries and replicas, in start order (roles change on failover) */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /**
     * @return {@code redis://127.0.0.1:<port>} of every node ({@code rediss://} with TLS): seed URIs
     *     for a cluster client
     */
    public List<String> seedUris() {
        return nodes.stream().map(RedisServer::uri).toList();
    }

    /**
     * The hash slot of a key, as the cluster computes it ({@code CLUSTER KEYSLOT}).
     *
     * @throws IllegalStateException when no node answers
     */
    public int slot(String key) {
        for (RedisServer node : nodes) {
            if (answers(node) && RedisProbe.ask(node, "CLUSTER", "KEYSLOT", key) instanceof Long slot) {
                return slot.intValue();
            }
        }
        throw new IllegalStateException("no node of " + this + " answers CLUSTER KEYSLOT");
    }

    /**
     * The primary that serves a key's slot now, as a live node sees it.
     *
     * @throws IllegalStateException when no live node names a live primary for it
     */
    public RedisServer primaryOf(String key) {
        int slot = slot(key);
        for (ClusterNodeLine line : view()) {
            if (line.isPrimary() && !line.isFailing() && line.serves(slot)) {
                return node(line.port());
            }
        }
        throw new IllegalStateException("no live primary serves slot " + slot + " of key '" + key + "'");
    }

    /** @return the live primaries that serve slots now */
    public List<RedisServer> primaries() {
        return view().stream()
                .filter(l -> l.isPrimary() && !l.isFailing() && !l.slots().isEmpty())
                .map(l -> node(l.port()))
                .filter(RedisServer::isRunning)
                .toList();
    }

    /**
     * Kills the primary of a key's slot with SIGKILL, as a crash would.
     *
     * @return the node killed; pass it to {@link #awaitFailover}
     */
    public RedisServer killPrimaryOf(String key) {
        RedisServer primary = primaryOf(key);
        primary.kill();
        return primary;
    }

    /**
     * Waits until the cluster has promoted a replica of a dead (or {@link RedisServer#pause()
     * frozen}) node: every live node that is not frozen reports
     * {@code cluster_state:ok} and names a live primary for every slot the dead node served.
     *
     * @throws IllegalStateException when that does not happen within the timeout
     */
    public void awaitFailover(RedisServer dead, Duration timeout) {
        Waits.until("the cluster to fail over from port " + dead.port(), timeout, () -> {
            for (RedisServer node : nodes) {
                if (!answers(node)) {
                    continue;
                }
                String state = RedisProbe.infoField(RedisProbe.ask(node, "CLUSTER", "INFO"), "cluster_state");
                if (!"ok".equals(state)) {
                    return "port " + node.port() + " has cluster_state " + state;
                }
                Object reply = RedisProbe.ask(node, "CLUSTER", "NODES");
                if (!(reply instanceof String text)) {
                    return "port " + node.port() + " answers CLUSTER NODES with " + reply;
                }
                for (ClusterNodeLine line : ClusterNodeLine.parseAll(text)) {
                    if (line.port() == dead.port() && !line.slots().isEmpty()) {
                        return "port " + node.port() + " still sees slots on port " + dead.port();
                    }
                }
            }
            return null;
        });
    }

    /**
     * Moves a hash slot, with its keys, from the primary serving it to another primary, in the steps
     * of {@code redis-cli --cluster reshard}: the target imports, the source migrates, the keys move
     * one by one ({@code MIGRATE}), then every primary is told the slot's new owner. Meanwhile a client
     * meets ASK (a key already moved), TRYAGAIN (a script whose keys are on both sides), and MOVED
     * afterwards. {@code pause} is waited after each step, to let clients run into those answers
     * while the slot is half-moved; it synchronises nothing.
     *
     * @param to a live primary other than the slot's own
     * @throws IllegalStateException when a step is refused
     */
    public void migrateSlot(int slot, RedisServer to, Duration pause) {
        RedisServer from = null;
        for (ClusterNodeLine line : view()) {
            if (line.isPrimary() && !line.isFailing() && line.serves(slot)) {
                from = node(line.port());
            }
        }
        if (from == null || from.equals(to)) {
            throw new IllegalStateException("slot " + slot + " is served by " + from + ", cannot move it to " + to);
        }
        String fromId = String.valueOf(command(from, "CLUSTER", "MYID"));
        String toId = String.valueOf(command(to, "CLUSTER", "MYID"));
        String s = Integer.toString(slot);
        command(to, "CLUSTER", "SETSLOT", s, "IMPORTING", fromId);
        command(from, "CLUSTER", "SETSLOT", s, "MIGRATING", toId);
        pause(pause);
        // A migrating slot gets no new keys on the source (a write to a missing key is ASKed away).
        while (command(from, "CLUSTER", "GETKEYSINSLOT", s, "1") instanceof List<?> keys && !keys.isEmpty()) {
            command(
                    from,
                    "MIGRATE",
                    "127.0.0.1",
                    Integer.toString(to.port()),
                    String.valueOf(keys.get(0)),
                    "0",
                    "5000");
            pause(pause);
        }
        command(to, "CLUSTER", "SETSLOT", s, "NODE", toId);
        command(from, "CLUSTER", "SETSLOT", s, "NODE", toId);
        for (RedisServer primary : primaries()) {
            command(primary, "CLUSTER", "SETSLOT", s, "NODE", toId);
        }
    }

    /**
     * Closes every client connection of every live node ({@code CLIENT KILL TYPE normal}), as a
     * proxy restart or a network cut would; replication and the cluster bus are left alone.
     *
     * @return how many connections were closed
     */
    public long killClients() {
        long killed = 0;
        for (RedisServer node : nodes) {
            if (answers(node) && RedisProbe.ask(node, "CLIENT", "KILL", "TYPE", "normal") instanceof Long n) {
                killed += n;
            }
        }
        return killed;
    }

    private static Object command(RedisServer node, String... command) {
        Object reply = RedisProbe.ask(node, command);
        if (reply == null || reply instanceof RespErrorException) {
            throw new IllegalStateException(
                    "port " + node.port() + " refused " + String.join(" ", command) + ": " + reply);
        }
        return reply;
    }

    private static void pause(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while moving a slot", e);
        }
    }

    /** Stops every node. Idempotent. */
    @Override
    public void close() {
        nodes.forEach(RedisServer::stop);
    }

    @Override
    public String toString() {
        return "RedisCluster["
                + nodes.stream().map(n -> Integer.toString(n.port())).collect(Collectors.joining(",")) + "]";
    }

    /** What the first live node answering knows about the cluster. */
    private List<ClusterNodeLine> view() {
        for (RedisServer node : nodes) {
            if (answers(node) && RedisProbe.ask(node, "CLUSTER", "NODES") instanceof String text) {
                return ClusterNodeLine.parseAll(text);
            }
        }
        throw new IllegalStateException("no node of " + this + " answers CLUSTER NODES");
    }

    private String wholeMissing() {
        for (RedisServer node : nodes) {
            Object info = RedisProbe.ask(node, "CLUSTER", "INFO");
            String state = RedisProbe.infoField(info, "cluster_state");
            String known = RedisProbe.infoField(info, "cluster_known_nodes");
            if (!"ok".equals(state) || !String.valueOf(nodes.size()).equals(known)) {
                return "port " + node.port() + " has cluster_state " + state + " and knows " + known + " nodes";
            }
            Object replication = RedisProbe.ask(node, "INFO", "replication");
            if ("slave".equals(RedisProbe.infoField(replication, "role"))
                    && !"up".equals(RedisProbe.infoField(replication, "master_link_status"))) {
                return "replica on port " + node.port() + " is not in sync yet";
            }
        }
        return null;
    }

    /** A node worth asking: running and not frozen (a frozen one holds each probe for its 10 s timeout). */
    private static boolean answers(RedisServer node) {
        return node.isRunning() && !node.isPaused();
    }

    private RedisServer node(int port) {
        return nodes.stream()
                .filter(n -> n.port() == port)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("port " + port + " is not a node of " + this));
    }
}
