package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.ops.SubscriptionStatus;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code eventbus status}: every handler's subscriptions, from Redis. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show each handler's subscriptions: pending, lag, oldest pending, dead letters, state.",
                "Also scheduled retries and consumers.",
                "Reads Redis directly (every consumer group on every stream is a handler's subscription); "
                + "the runtime need not be running."})
final class StatusCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--handler", paramLabel = "NAME", description = "Only this handler.")
    String handler;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (OpsContext ops = OpsContext.open(options)) {
            List<SubscriptionStatus> all = ops.status().all(handler);
            if (json) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (SubscriptionStatus s : all) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("handler", s.handler());
                    m.put("stream", s.stream());
                    m.put("state", s.state());
                    m.put("consumers", s.consumers());
                    m.put("pending", s.pending());
                    m.put("lag", s.lag() < 0 ? null : s.lag());
                    m.put("oldestPendingAgeMillis", s.oldestPendingAgeMillis() < 0 ? null : s.oldestPendingAgeMillis());
                    m.put("retriesScheduled", s.retriesScheduled());
                    m.put("deadLetters", s.deadLetters());
                    m.put("lastDeliveredId", s.lastDeliveredId());
                    rows.add(m);
                }
                out.println(CliOutput.json(rows));
                out.flush();
                return 0;
            }
            if (all.isEmpty()) {
                out.println(handler == null ? "no subscriptions: no stream at " + ops.redis.where()
                        + " has a consumer group yet" : "handler '" + handler + "' has no consumer group on any stream");
                out.flush();
                return handler == null ? 0 : 1;
            }
            CliOutput.Table table = new CliOutput.Table("HANDLER", "STREAM", "STATE", "CONSUMERS", "PENDING", "LAG",
                    "OLDEST-PENDING", "RETRYING", "DEAD-LETTERS");
            for (SubscriptionStatus s : all) {
                table.row(s.handler(), s.stream(), s.state(), s.consumers(), s.pending(), s.lag() < 0 ? "?" : s.lag(),
                        CliOutput.duration(s.oldestPendingAgeMillis()), s.retriesScheduled(), s.deadLetters());
            }
            table.print(out);
            return 0;
        }
    }
}
