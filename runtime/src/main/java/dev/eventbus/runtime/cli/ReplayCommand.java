package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.ops.AuditLog;
import dev.eventbus.runtime.ops.OpsException;
import dev.eventbus.runtime.ops.Replayer;
import dev.eventbus.runtime.ops.TimeOrId;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code eventbus replay HANDLER --from ... [--to ...]}: re-process a range for one handler. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = {
            "Re-process a range of a stream for one handler only.",
            "Each entry of the range is appended again with eventbus-target-handler=HANDLER (other handlers skip it) and eventbus-replay=<original "
                    + "id> (Event.isReplay() is true). Copies made by earlier replays and entries meant for other handlers "
                    + "are left out. Progress goes to stderr; the run is written to the audit log.",
            "Works on Redis directly; the runtime need not be running (the copies are handled once it runs)."
        })
final class ReplayCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "HANDLER",
            description = "The handler (its consumer group) to re-process for.")
    String handler;

    @Option(
            names = "--stream",
            paramLabel = "STREAM",
            description = "The stream to replay; may be left out when the handler reads only one.")
    String stream;

    @Option(
            names = "--from",
            required = true,
            paramLabel = "TIME|ID",
            description =
                    "First entry: an entry id, a time (2025-06-10T08:00:00Z, 2025-06-10T10:00, 2025-06-10) or a time ago (2h, 7d).")
    String from;

    @Option(
            names = "--to",
            paramLabel = "TIME|ID",
            description = "Last entry, inclusive (same forms; default: the last entry now).")
    String to;

    @Option(
            names = "--limit",
            paramLabel = "N",
            description = "At most N entries, N at least 1 (default: the whole range).")
    Long limit;

    @Option(
            names = "--rate",
            paramLabel = "N",
            description = "At most N entries per second; 0 for no limit (default: no limit).")
    double rate;

    @Option(names = "--dry-run", description = "Count what would be replayed; append nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        CommandContext.requireLimit(spec, "--limit", limit, "the whole range");
        CommandContext.requireNotNegative(spec, "--rate", rate);
        CommandContext.requireStreamName(spec, "--stream", stream);
        CommandContext.requireHandlerName(spec, "HANDLER", handler);
        PrintWriter out = spec.commandLine().getOut();
        try (CommandContext ops = CommandContext.open(options)) {
            TimeOrId start = ops.timeOrId(spec, "--from", from);
            TimeOrId end = ops.timeOrId(spec, "--to", to);
            CommandContext.requireOrder(spec, "--from", start, "--to", end);
            String target = stream;
            if (target == null) {
                // A partitioned stream's partitions count as its one logical name.
                List<String> streams = ops.status().streamsOf(handler).stream()
                        .map(key -> ops.config.logicalStreamOf(key).orElse(key))
                        .distinct()
                        .toList();
                if (streams.isEmpty()) {
                    throw new OpsException(
                            "handler '" + handler + "' has no consumer group on any stream at " + ops.redis.where());
                }
                if (streams.size() > 1) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(),
                            "handler '" + handler + "' reads " + streams + ": say which with --stream");
                }
                target = streams.get(0);
            }
            // A partitioned stream (eventbus.streams) is replayed partition by partition, old layouts first.
            List<String> keys = ops.config.streamKeys(target);
            if (keys.size() > 1) {
                List<String> withGroup = keys.stream()
                        .filter(key -> ops.status().of(handler, key).isPresent())
                        .toList();
                if (withGroup.isEmpty()) {
                    throw new OpsException("handler '" + handler + "' has no consumer group on any partition of "
                            + "stream '" + target + "' (groups are named after handlers): check the names with "
                            + "`eventbus status`");
                }
                keys = withGroup;
            }
            AuditLog audit = ops.audit();
            if (!dryRun) {
                audit.checkWritable();
            }
            StopBetweenEntries stop =
                    StopBetweenEntries.install(ops.config.redis().commandTimeout(), "replay");
            List<String> replayed = keys;
            return stop.run(spec.commandLine(), () -> replay(ops, replayed, start, end, audit, out, stop));
        }
    }

    /** Replays each key in turn (the partitions of a partitioned stream), each with its summary and audit line. */
    private int replay(
            CommandContext ops,
            List<String> keys,
            TimeOrId start,
            TimeOrId end,
            AuditLog audit,
            PrintWriter out,
            StopBetweenEntries stop)
            throws InterruptedException {
        long max = limit == null ? 0 : limit; // 0: the whole range, as Replayer takes it
        long left = max;
        Map<String, String> ends = ends(ops, keys, end);
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            if (max > 0 && left == 0) {
                break;
            }
            CliOutput.ProgressLine progress =
                    CliOutput.progress(spec.commandLine().getErr(), "replay", "replayed", dryRun);
            Replayer.Outcome outcome = new Replayer(ops.redis, ops.status())
                    .replay(
                            handler,
                            key,
                            start.startId(),
                            // 0-0 precedes every entry: a key empty at the start has none in the range
                            ends.get(key) == null ? "0-0" : ends.get(key),
                            left,
                            rate,
                            dryRun,
                            progress,
                            stop);
            progress.finish();
            if (max > 0) {
                left -= outcome.replayed();
            }
            out.printf(
                    "%s %s on %s: %d entr%s %s%s, %d left out (earlier replay copies or entries for other handlers)%s%n",
                    dryRun ? "dry run: replay" : "replay",
                    handler,
                    key,
                    outcome.replayed(),
                    outcome.replayed() == 1 ? "y" : "ies",
                    dryRun ? "would be replayed" : "replayed",
                    outcome.firstId() == null ? "" : " (" + outcome.firstId() + " .. " + outcome.lastId() + ")",
                    outcome.skipped(),
                    StopBetweenEntries.summary(
                            outcome.interruptedBy(),
                            ReplayResumeHint.text(
                                            key,
                                            outcome.lastId(),
                                            start.startId(),
                                            ends,
                                            keys.subList(i + 1, keys.size()))
                                    + (max > 0 ? " (--limit " + left + " in all for what is left of it)" : "")));
            out.flush();
            if (!dryRun) {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("handler", handler);
                details.put("stream", key);
                details.put("from", from);
                details.put("to", to == null ? "end" : to);
                details.put("firstId", outcome.firstId());
                details.put("lastId", outcome.lastId());
                details.put("leftOut", outcome.skipped());
                if (outcome.interruptedBy() != null) {
                    details.put("stoppedBy", outcome.interruptedBy());
                }
                audit.record("replay", outcome.replayed(), details);
            }
            if (outcome.interruptedBy() != null) {
                break; // the partitions not reached are not replayed: said above
            }
        }
        return 0;
    }

    /**
     * The last entry id of the range on each key, fixed before the first key is replayed: {@code
     * --to}, or the key's last entry now when that comes first (null when it has none). The partitions
     * replayed later end there too, and an interrupted run can name each end in its resume hint.
     */
    private static Map<String, String> ends(CommandContext ops, List<String> keys, TimeOrId end) {
        Replayer lastEntries = new Replayer(ops.redis, ops.status());
        Map<String, String> ends = new LinkedHashMap<>();
        for (String key : keys) {
            ends.put(key, lastEntries.endOf(key, end == null ? "+" : end.endId()));
        }
        return ends;
    }

    /** The first entry id after {@code id}: where a replay stopped after {@code id} goes on. */
    static String after(String id) {
        int dash = id.indexOf('-');
        return id.substring(0, dash) + "-" + (Long.parseUnsignedLong(id.substring(dash + 1)) + 1);
    }
}
