package dev.eventbus.runtime.cli;

import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.admin.v1.HandlerStatus;
import dev.eventbus.admin.v1.Health;
import dev.eventbus.admin.v1.LiveInstance;
import dev.eventbus.admin.v1.ServiceStatus;
import dev.eventbus.admin.v1.StreamStatus;
import dev.eventbus.runtime.consumer.StreamNode;
import dev.eventbus.runtime.ops.SubscriptionStatus;
import dev.eventbus.runtime.ownership.InstanceRegistry;
import dev.eventbus.runtime.ownership.OwnershipView;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What {@code eventbus status} prints: a runtime's live answer, or Redis's view when no runtime
 * answered. Both have a table and the live instances' (or, with {@code --json}, an object with
 * {@code source}, {@code runtime}, {@code subscriptions}, {@code services}, {@code instances} and
 * {@code unownedPartitions}); exit code 1 when a handler asked for is not there.
 */
final class StatusOutput {

    private StatusOutput() {}

    static int live(
            GetStatusResponse status, AdminClient.Address address, String handler, boolean json, PrintWriter out) {
        if (json) {
            Map<String, Object> runtime = new LinkedHashMap<>();
            runtime.put("address", address.toString());
            runtime.put("version", status.getRuntimeVersion());
            runtime.put("ready", status.getReadiness().getUp());
            runtime.put("readiness", new TreeMap<>(status.getReadiness().getChecksMap()));
            runtime.put("live", status.getLiveness().getUp());
            runtime.put("liveness", new TreeMap<>(status.getLiveness().getChecksMap()));
            runtime.put(
                    "refused",
                    status.getRefusedList().stream()
                            .map(r -> Map.of(
                                    "source", r.getSource(), "pluginId", r.getPluginId(), "reason", r.getReason()))
                            .toList());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (HandlerStatus h : status.getHandlersList()) {
                for (StreamStatus s : h.getStreamsList()) {
                    rows.add(row(h, s));
                }
            }
            List<Map<String, Object>> services = new ArrayList<>();
            for (ServiceStatus s : status.getServicesList()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("service", s.getService());
                m.put("circuit", lower(s.getCircuit().name()));
                m.put("consecutiveFailures", s.getConsecutiveFailures());
                m.put("halfOpenInMillis", s.getHalfOpenInMillis());
                m.put("handlers", s.getHandlersList());
                services.add(m);
            }
            print(
                    out,
                    CliOutput.json(document(
                            "runtime",
                            runtime,
                            rows,
                            services,
                            status.getInstancesList(),
                            status.getUnownedPartitionsList(),
                            status.getInstancesUnread())));
        } else {
            plain(status, address, handler, out);
            instances(status.getInstancesList(), status.getUnownedPartitionsList(), status.getInstancesUnread(), out);
        }
        return handler != null && status.getHandlersCount() == 0 ? 1 : 0;
    }

    private static Map<String, Object> row(HandlerStatus h, StreamStatus s) {
        boolean read = s.getFiguresAgeMillis() >= 0;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("handler", h.getName());
        m.put("plugin", h.getPluginId());
        m.put("pluginVersion", h.getPluginVersion());
        m.put("stream", s.getStream());
        m.put("state", lower(s.getState().name()));
        m.put("reason", s.getReason().isEmpty() ? null : s.getReason());
        boolean reading = hasReader(s);
        m.put("inFlight", reading ? s.getInFlight() : null);
        m.put("maxInFlight", reading ? s.getMaxInFlight() : null);
        m.put("readAhead", reading ? s.getReadAhead() : null);
        m.put("maxReadAhead", reading ? s.getMaxReadAhead() : null);
        m.put("consumers", read ? s.getConsumers() : null);
        m.put("ghostConsumers", read ? s.getGhostConsumers() : null);
        m.put("pending", read ? s.getPending() : null);
        m.put("lag", s.getLag() < 0 ? null : s.getLag());
        m.put("oldestPendingAgeMillis", s.getOldestPendingAgeMillis() < 0 ? null : s.getOldestPendingAgeMillis());
        m.put("retriesScheduled", read ? s.getRetriesScheduled() : null);
        m.put("deadLetters", h.getDeadLetters() < 0 ? null : h.getDeadLetters());
        m.put("deadLetterStream", s.getDeadLetterStream().isEmpty() ? null : s.getDeadLetterStream());
        m.put("streamDeadLetters", s.getStreamDeadLetters() < 0 ? null : s.getStreamDeadLetters());
        m.put("redisState", read ? s.getRedisState() : null);
        m.put("abandonedWorkersRunning", h.getAbandonedWorkersRunning());
        m.put("figuresAgeMillis", read ? s.getFiguresAgeMillis() : null);
        if (!s.getNode().isEmpty()) {
            m.put("node", s.getNode());
            m.put("following", s.getFollowing().isEmpty() ? null : s.getFollowing());
        }
        return m;
    }

    private static void plain(GetStatusResponse status, AdminClient.Address address, String handler, PrintWriter out) {
        out.println("runtime at " + address + " (eventbus " + status.getRuntimeVersion() + "): "
                + health("ready", status.getReadiness()) + ", " + health("live", status.getLiveness()));
        if (status.getHandlersCount() == 0) {
            out.println(handler == null ? "no handler runs there" : "no handler '" + handler + "' runs there");
        } else {
            boolean located = status.getHandlersList().stream()
                    .flatMap(h -> h.getStreamsList().stream())
                    .anyMatch(s -> !s.getNode().isEmpty());
            List<String> header = new ArrayList<>(List.of(
                    "HANDLER",
                    "STREAM",
                    "STATE",
                    "CONSUMERS",
                    "IN-FLIGHT",
                    "READ-AHEAD",
                    "PENDING",
                    "LAG",
                    "OLDEST-PENDING",
                    "RETRYING",
                    "DEAD-LETTERS"));
            if (located) {
                header.add("NODE");
            }
            CliOutput.Table table = new CliOutput.Table(header.toArray(String[]::new));
            List<String> notes = new ArrayList<>();
            DeadLetterCells deadLetters = new DeadLetterCells();
            long oldestFigures = -1;
            for (HandlerStatus h : status.getHandlersList()) {
                for (StreamStatus s : h.getStreamsList()) {
                    boolean read = s.getFiguresAgeMillis() >= 0;
                    List<Object> cells = new ArrayList<>(List.of(
                            h.getName(),
                            s.getStream(),
                            lower(s.getState().name()),
                            read ? consumers(s.getConsumers(), s.getGhostConsumers()) : "?",
                            hasReader(s) ? s.getInFlight() + "/" + s.getMaxInFlight() : "-",
                            hasReader(s) ? s.getReadAhead() + "/" + s.getMaxReadAhead() : "-",
                            read ? s.getPending() : "?",
                            s.getLag() < 0 ? "?" : s.getLag(),
                            CliOutput.duration(s.getOldestPendingAgeMillis()),
                            read ? s.getRetriesScheduled() : "?",
                            // A runtime that did not read the row's own dead-letter stream yet (or an
                            // older one) gives the handler's total only: shown once, and only when no
                            // row of the handler has its own count, or the column would count twice.
                            s.getDeadLetterStream().isEmpty()
                                    ? (ownCounts(h)
                                            ? "?"
                                            : deadLetters.cell(h.getName(), s.getStream(), "", h.getDeadLetters()))
                                    : deadLetters.cell(
                                            h.getName(),
                                            s.getStream(),
                                            s.getDeadLetterStream(),
                                            s.getStreamDeadLetters())));
                    if (located) {
                        cells.add(s.getNode().isEmpty() ? "?" : s.getNode());
                    }
                    table.row(cells.toArray());
                    if (!s.getFollowing().isEmpty()) {
                        notes.add(h.getName() + "@" + s.getStream() + " on " + s.getNode() + ": " + s.getFollowing());
                    }
                    if (!s.getReason().isEmpty()) {
                        notes.add(h.getName() + "@" + s.getStream() + " "
                                + lower(s.getState().name()) + ": " + s.getReason());
                    }
                    oldestFigures = Math.max(oldestFigures, s.getFiguresAgeMillis());
                }
                if (h.getAbandonedWorkersRunning() > 0) {
                    notes.add(
                            h.getName() + ": " + h.getAbandonedWorkersRunning() + " abandoned worker(s) still running ("
                                    + h.getAbandonedWorkersTotal() + " since start), each holding an in-flight slot");
                }
            }
            table.print(out);
            if (oldestFigures >= 0) {
                notes.add("consumers, pending, lag, oldest pending, retrying and dead letters as Redis showed them "
                        + CliOutput.duration(oldestFigures) + " ago at most");
            }
            notes.forEach(n -> out.println("  " + n));
        }
        if (status.getServicesCount() > 0) {
            out.println();
            CliOutput.Table services = new CliOutput.Table("SERVICE", "CIRCUIT", "FAILURES-IN-A-ROW", "CALLED-BY");
            for (ServiceStatus s : status.getServicesList()) {
                services.row(
                        s.getService(),
                        lower(s.getCircuit().name()),
                        s.getConsecutiveFailures(),
                        s.getHandlersCount() == 0 ? "-" : String.join(", ", s.getHandlersList()));
            }
            services.print(out);
        }
        if (status.getRefusedCount() > 0) {
            out.println();
            out.println("refused:");
            status.getRefusedList()
                    .forEach(r -> out.println("  " + r.getSource()
                            + (r.getPluginId().isEmpty() ? "" : " (plugin " + r.getPluginId() + ")") + ": "
                            + r.getReason()));
        }
        out.flush();
    }

    /**
     * Whether the row's subscription has a reader whose slots it counts: not yet while the runtime
     * starts (nor once its plugin was unloaded), when its max-in-flight, at least 1 for any handler,
     * comes as 0; status said {@code 0/0} then, a limit of none (found from outside).
     */
    static boolean hasReader(StreamStatus s) {
        return s.getMaxInFlight() > 0;
    }

    /** "ready", or "NOT ready (check: value; ...)". */
    private static String health(String what, Health h) {
        if (h.getUp()) {
            return what;
        }
        List<String> checks = new ArrayList<>();
        new TreeMap<>(h.getChecksMap()).forEach((k, v) -> checks.add(k + ": " + v));
        return "NOT " + what + " (" + String.join("; ", checks) + ")";
    }

    /**
     * @param node the node the streams are on, {@code host:port (role)}, when Sentinel chose it; else null
     * @param nodes the node of each stream on a cluster (the primary of its slot); empty elsewhere
     */
    static int fromRedis(
            List<SubscriptionStatus> all,
            String redis,
            String node,
            Function<String, Optional<StreamNode>> nodes,
            OwnershipView ownership,
            String unavailable,
            String handler,
            boolean json,
            PrintWriter out) {
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SubscriptionStatus s : all) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("handler", s.handler());
                m.put("stream", s.stream());
                m.put("state", s.state());
                m.put("consumers", s.consumers());
                m.put("ghostConsumers", s.ghosts());
                m.put("pending", s.pending());
                m.put("lag", s.lag() < 0 ? null : s.lag());
                m.put("oldestPendingAgeMillis", s.oldestPendingAgeMillis() < 0 ? null : s.oldestPendingAgeMillis());
                m.put("retriesScheduled", s.retriesScheduled());
                m.put("deadLetters", s.deadLetters());
                m.put("deadLetterStream", s.deadLetterStream());
                m.put("streamDeadLetters", s.streamDeadLetters());
                m.put("redisState", s.state());
                m.put("lastDeliveredId", s.lastDeliveredId());
                if (node != null) {
                    m.put("node", node);
                }
                nodes.apply(s.stream()).ifPresent(n -> {
                    m.put("node", n.address() + " (" + n.role() + ")");
                    m.put("following", n.following().isEmpty() ? null : n.following());
                });
                rows.add(m);
            }
            Map<String, Object> runtime = new LinkedHashMap<>();
            runtime.put("unavailable", unavailable);
            if (node != null) {
                runtime.put("redisNode", node);
            }
            print(
                    out,
                    CliOutput.json(document(
                            "redis", runtime, rows, List.of(), instances(ownership), ownership.unowned(), "")));
            return handler != null && all.isEmpty() ? 1 : 0;
        }
        if (node != null) {
            print(out, "streams on " + node + ", the primary the sentinels of " + redis + " name");
        }
        if (all.isEmpty()) {
            print(
                    out,
                    handler == null
                            ? "no subscriptions: no stream at " + redis + " has a consumer group yet"
                            : "handler '" + handler + "' has no consumer group on any stream");
            instances(instances(ownership), ownership.unowned(), "", out);
            return handler == null ? 0 : 1;
        }
        Map<String, Optional<StreamNode>> placed = new LinkedHashMap<>();
        all.forEach(s -> placed.computeIfAbsent(s.stream(), nodes));
        boolean located = placed.values().stream().anyMatch(Optional::isPresent);
        List<String> header = new ArrayList<>(List.of(
                "HANDLER",
                "STREAM",
                "STATE",
                "CONSUMERS",
                "PENDING",
                "LAG",
                "OLDEST-PENDING",
                "RETRYING",
                "DEAD-LETTERS"));
        if (located) {
            header.add("NODE");
        }
        CliOutput.Table table = new CliOutput.Table(header.toArray(String[]::new));
        DeadLetterCells deadLetters = new DeadLetterCells();
        for (SubscriptionStatus s : all) {
            List<Object> cells = new ArrayList<>(List.of(
                    s.handler(),
                    s.stream(),
                    s.state(),
                    consumers(s.consumers(), s.ghosts()),
                    s.pending(),
                    s.lag() < 0 ? "?" : s.lag(),
                    CliOutput.duration(s.oldestPendingAgeMillis()),
                    s.retriesScheduled(),
                    deadLetters.cell(s.handler(), s.stream(), s.deadLetterStream(), s.streamDeadLetters())));
            if (located) {
                cells.add(placed.get(s.stream())
                        .map(n -> n.address() + " (" + n.role() + ")")
                        .orElse("?"));
            }
            table.row(cells.toArray());
        }
        table.print(out);
        placed.forEach((stream, n) -> n.filter(x -> !x.following().isEmpty())
                .ifPresent(x -> out.println("  " + stream + ": " + x.following())));
        instances(instances(ownership), ownership.unowned(), "", out);
        return 0;
    }

    /** The live instances in the admin API's form, from a view read here. */
    static List<LiveInstance> instances(OwnershipView view) {
        return view.instances().stream()
                .map(i -> LiveInstance.newBuilder()
                        .setName(i.id())
                        .setLastHeartbeatAgeMillis(view.age(i).toMillis())
                        .addAllPartitions(view.ownedBy(i.id()))
                        .setSelf(i.id().equals(view.self()))
                        .build())
                .toList();
    }

    /**
     * The live instances' table and the partitions nobody owns; "no live instance" when none
     * heartbeats, and "unknown" when the runtime could not read them ({@code unread}: why).
     */
    private static void instances(List<LiveInstance> instances, List<String> unowned, String unread, PrintWriter out) {
        out.println();
        if (!unread.isEmpty()) {
            out.println("live instances unknown: this runtime could not read them from Redis (" + unread + ")");
        } else if (instances.isEmpty()) {
            out.println("no live instance (none heartbeats in " + InstanceRegistry.KEY + ")");
        } else {
            CliOutput.Table table = new CliOutput.Table("INSTANCE", "LAST-HEARTBEAT", "OWNS", "PARTITIONS");
            for (LiveInstance i : instances) {
                table.row(
                        i.getName() + (i.getSelf() ? " (this)" : ""),
                        CliOutput.duration(i.getLastHeartbeatAgeMillis()) + " ago",
                        i.getPartitionsCount(),
                        i.getPartitionsCount() == 0 ? "-" : String.join(", ", i.getPartitionsList()));
            }
            table.print(out);
        }
        if (!unowned.isEmpty()) {
            out.println("  not owned now: " + String.join(", ", unowned));
        }
        out.flush();
    }

    private static List<Map<String, Object>> instancesJson(List<LiveInstance> instances) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (LiveInstance i : instances) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", i.getName());
            m.put("lastHeartbeatAgeMillis", i.getLastHeartbeatAgeMillis());
            m.put("self", i.getSelf());
            m.put("partitions", i.getPartitionsList());
            rows.add(m);
        }
        return rows;
    }

    private static Map<String, Object> document(
            String source,
            Map<String, Object> runtime,
            List<Map<String, Object>> subscriptions,
            List<Map<String, Object>> services,
            List<LiveInstance> instances,
            List<String> unowned,
            String instancesUnread) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source);
        m.put("runtime", runtime);
        m.put("subscriptions", subscriptions);
        m.put("services", services);
        m.put("instances", instancesJson(instances));
        m.put("unownedPartitions", unowned);
        if (!instancesUnread.isEmpty()) {
            m.put("instancesUnread", instancesUnread); // "instances" is empty then, not "none live"
        }
        return m;
    }

    private static String lower(String enumName) {
        return enumName.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    private static void print(PrintWriter out, String text) {
        out.println(text);
        out.flush();
    }

    /** Live consumers, and the ghosts apart when there are any: {@code 2 (+1 ghost)}. */
    private static String consumers(long live, long ghosts) {
        return ghosts == 0 ? Long.toString(live) : live + " (+" + ghosts + (ghosts == 1 ? " ghost)" : " ghosts)");
    }

    /** Whether some row of the handler carries its own dead-letter stream's count. */
    private static boolean ownCounts(HandlerStatus h) {
        return h.getStreamsList().stream()
                .anyMatch(s -> !s.getDeadLetterStream().isEmpty());
    }
}
