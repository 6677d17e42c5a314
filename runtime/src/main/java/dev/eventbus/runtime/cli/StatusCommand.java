package dev.eventbus.runtime.cli;

import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.runtime.config.AdminSettings;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.consumer.StreamNode;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.ops.DrainedLayouts;
import dev.eventbus.runtime.ops.SubscriptionStatus;
import dev.eventbus.runtime.ownership.OwnershipView;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code eventbus status}: the running runtime's live state, or what Redis holds when it does not answer. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Show each handler's subscriptions: state, consumers, in-flight, pending, lag, oldest pending, "
                    + "scheduled retries, dead letters; each gRPC service's circuit; and the live instances "
                    + "(heartbeat age, partitions owned).",
            "Asks the running runtime (its admin gRPC port). When it does not answer, says so on stderr and reads "
                    + "Redis directly (every consumer group on every stream is a handler's subscription): then live "
                    + "state (paused subscriptions, circuits, in-flight events) is not shown."
        })
final class StatusCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Mixin
    AdminOptions admin;

    @Spec
    CommandSpec spec;

    @Option(names = "--handler", paramLabel = "NAME", description = "Only this handler.")
    String handler;

    @Option(names = "--json", description = "Print JSON instead of tables.")
    boolean json;

    @Override
    public Integer call() {
        CommandContext.requireHandlerName(spec, "--handler", handler);
        RuntimeConfig config = options.loadForOperator();
        AdminSettings settings = config.operations().admin();
        AdminClient.Address address = admin.address(settings);
        PrintWriter out = spec.commandLine().getOut();
        if (config.redis().peerVerificationOff()) {
            // On stderr, so that --json output still parses.
            spec.commandLine().getErr().println("eventbus: WARNING: " + RedisSettings.VERIFICATION_OFF_WARNING);
            spec.commandLine().getErr().flush();
        }
        String unavailable;
        if (address == null) {
            unavailable = "no admin gRPC address to ask: " + AdminOptions.noAddress(settings);
        } else {
            GetStatusResponse live = null;
            String other = null;
            try (AdminClient client = new AdminClient(address, settings.token())) {
                live = client.status(handler);
                other = otherRedis(live.getRedis(), config, address);
                unavailable = admin.admin == null ? other : null;
            } catch (AdminClient.Unreachable e) {
                unavailable = e.getMessage();
            }
            if (unavailable == null) {
                if (other != null) {
                    // --admin named this runtime: believed (the same Redis may have another name
                    // where it runs, a container's or a port-forward's), but told.
                    spec.commandLine().getErr().println("eventbus: note: " + other);
                    spec.commandLine().getErr().flush();
                }
                return printLive(live, address, config, out);
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println("eventbus: live state (paused subscriptions, circuits, in-flight events) is unavailable: "
                + unavailable + "; showing what Redis holds");
        err.flush();
        try (CommandContext ops = CommandContext.of(config)) {
            List<SubscriptionStatus> all = ops.status().all(handler);
            // On Sentinel every stream lives on the primary the sentinels name: say which node that is.
            // Named as the sentinels named it to this connection (no CLIENT INFO for the ACL user to lack).
            String node = config.redis().sentinel()
                    ? ops.redis
                            .sentinelPrimary()
                            .map(n -> n.address() + " (" + n.role() + ")")
                            .orElseGet(ops.redis::node)
                    : null;
            // On a cluster each stream lives on the primary of its slot: name it per stream.
            Function<String, Optional<StreamNode>> nodes =
                    config.redis().cluster() ? ops.redis::nodeOf : stream -> Optional.empty();
            // Instances and the leases Redis holds on the partitions shown (one HMGET each).
            OwnershipView ownership = ops.instances().ownership(all);
            int exit = StatusOutput.fromRedis(
                    all, ops.redis.where(), node, nodes, ownership, unavailable, handler, json, out);
            drainNotes(config, handler == null ? all : ops.status().all(null));
            return exit;
        }
    }

    /** The runtime's answer, and whether the old layouts of a stream whose count changes drained. */
    private int printLive(GetStatusResponse live, AdminClient.Address address, RuntimeConfig config, PrintWriter out) {
        int exit = StatusOutput.live(live, address, handler, json, out);
        if (!config.drainingLayouts().isEmpty()) {
            try (CommandContext ops = CommandContext.of(config)) {
                drainNotes(config, ops.status().all(null));
            } catch (RuntimeException e) {
                spec.commandLine()
                        .getErr()
                        .println("eventbus: whether the old layouts drained is unknown: "
                                + (e instanceof dev.eventbus.runtime.ops.OpsException
                                        ? e.getMessage()
                                        : Errors.describe(e)));
                spec.commandLine().getErr().flush();
            }
        }
        return exit;
    }

    /**
     * Why the runtime that answered may not speak for the Redis this command was given, or null
     * when it does. Asked only when a Redis was chosen ({@code --redis}, {@code EVENTBUS_REDIS_URI},
     * {@code eventbus.redis.uri}). Without {@code --admin} the runtime asked is only the configured
     * address's (127.0.0.1:9401 by default): its state shown under another Redis's name misleads
     * (found in a test: {@code status --redis} of a Sentinel printed the handlers of an {@code
     * eventbus dev} on 127.0.0.1:9401 that used another Redis), so status reads the given Redis.
     * With {@code --admin} the operator named the runtime: it is believed, and this is a note. URIs
     * are compared as written (redacted, ignoring case and a trailing slash): the same Redis
     * written another way ({@code localhost} for {@code 127.0.0.1}) counts as another. A runtime
     * older than the field says nothing and is believed.
     */
    private String otherRedis(String theirs, RuntimeConfig config, AdminClient.Address address) {
        String ours = config.redis().redactedUri();
        if (theirs.isEmpty() || !options.redisChosen() || sameUri(theirs, ours)) {
            return null;
        }
        return "the runtime at " + address + " uses Redis " + theirs + ", not " + ours
                + (admin.admin == null ? " (--admin HOST:PORT names the runtime of that Redis)" : "");
    }

    static boolean sameUri(String a, String b) {
        return strip(a).equalsIgnoreCase(strip(b));
    }

    private static String strip(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    /** Whether each old layout of a stream whose count changes has drained (stderr with --json, so it parses). */
    private void drainNotes(RuntimeConfig config, List<SubscriptionStatus> all) {
        PrintWriter to = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        for (String note : DrainedLayouts.notes(config.drainingLayouts(), all)) {
            to.println(note);
        }
        to.flush();
    }
}
