package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.internal.EntryIds;
import dev.eventbus.runtime.ops.DeadLetterEntry;
import dev.eventbus.runtime.ops.DeadLetterFilter;
import dev.eventbus.runtime.ops.DeadLetters;
import dev.eventbus.runtime.ops.Field;
import dev.eventbus.runtime.ops.TimeOrId;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.WireFields;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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

/** {@code eventbus dlq list|show|redrive|discard}: a handler's dead letters. */
@Command(
        name = "dlq",
        mixinStandardHelpOptions = true,
        description = {
            "List, inspect, redrive or discard a handler's dead letters (stream <consumer.dead-letter-prefix><handler>, "
                    + "eventbus:dlq:<handler> by default; one per hash tag on a Redis Cluster).",
            "Works on Redis directly; the runtime need not be running. Redrive and discard are written to the "
                    + "audit log (eventbus.admin.audit-log)."
        },
        subcommands = {
            DlqCommand.ListDlq.class,
            DlqCommand.Show.class,
            DlqCommand.Redrive.class,
            DlqCommand.Discard.class
        })
final class DlqCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The selection options every dlq subcommand but show shares. */
    static final class Selection {
        @Option(
                names = "--handler",
                required = true,
                paramLabel = "NAME",
                description = "The handler whose dead letters to use.")
        String handler;

        @Option(
                names = "--reason",
                paramLabel = "REASON",
                description =
                        "Only this reason: handler-error, rpc-status, timeout, decode, too-large, max-deliveries, trimmed.")
        String reason;

        @Option(
                names = "--since",
                paramLabel = "TIME|ID",
                description =
                        "Dead-lettered at or after: an entry id, a time (2025-06-10T08:00:00Z, 2025-06-10), or a time ago (2h, 7d).")
        String since;

        @Option(
                names = "--until",
                paramLabel = "TIME|ID",
                description = "Dead-lettered at or before (same forms as --since).")
        String until;

        @Option(names = "--subject", paramLabel = "SUBJECT", description = "Only events with this subject.")
        String subject;

        @Option(
                names = "--error",
                paramLabel = "TEXT",
                description = "Only dead letters whose error class or message contains TEXT (any case).")
        String error;

        @Option(
                names = "--source-stream",
                paramLabel = "STREAM",
                description = "Only events that came from this stream.")
        String sourceStream;

        @Option(
                names = "--limit",
                paramLabel = "N",
                description = "At most N dead letters, N at least 1 (default: all; list: 100).")
        Long limit;

        /** The filter the options select; checks them (exit 2) and that the handler exists (exit 1). */
        DeadLetterFilter filter(CommandContext ops, CommandSpec spec, List<String> ids) {
            CommandContext.requireHandlerName(spec, "--handler", handler);
            CommandContext.requireLimit(spec, "--limit", limit, limitLeftOut(spec));
            requireReason(spec, reason);
            requireIds(spec, ids);
            CommandContext.requireStreamName(spec, "--source-stream", sourceStream);
            TimeOrId from = ops.timeOrId(spec, "--since", since);
            TimeOrId to = ops.timeOrId(spec, "--until", until);
            CommandContext.requireOrder(spec, "--since", from, "--until", to);
            ops.requireHandler(handler);
            return new DeadLetterFilter(
                    new LinkedHashSet<>(ids == null ? List.of() : ids), reason, from, to, subject, error, sourceStream);
        }

        /** A reason no dead letter can have is bad usage (exit 2): it once matched nothing and exited 0, a silent typo. */
        private static void requireReason(CommandSpec spec, String reason) {
            if (reason != null
                    && java.util.Arrays.stream(DeadLetterReason.values())
                            .noneMatch(r -> r.wireName().equals(reason))) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--reason '" + reason + "' is not a dead-letter reason: "
                                + java.util.Arrays.stream(DeadLetterReason.values())
                                        .map(DeadLetterReason::wireName)
                                        .collect(java.util.stream.Collectors.joining(", ")));
            }
        }

        /** The limit given (checked by {@link #filter}), else {@code otherwise}; 0 is none, for DeadLetters. */
        long limitOr(long otherwise) {
            return limit == null ? otherwise : limit;
        }

        /** What leaving {@code --limit} out gives this command, for the message refusing one below 1. */
        private static String limitLeftOut(CommandSpec spec) {
            return spec.name().equals("list") ? "the first 100" : "no limit";
        }
    }

    /**
     * The widest cell of {@code dlq list}'s table and the longest text of its JSON: the fields are the
     * producer's and the handler's, of any size; {@code dlq show} prints them whole.
     */
    static final int LIST_CELL_WIDTH = 100;

    static final int LIST_JSON_TEXT = 1000;

    private static Map<String, Object> capped(Map<String, Object> summary) {
        summary.replaceAll((k, v) -> v instanceof String text && text.length() > LIST_JSON_TEXT
                ? text.substring(0, LIST_JSON_TEXT) + "…[+" + (text.length() - LIST_JSON_TEXT) + "]"
                : v);
        return summary;
    }

    /** The table {@code dlq list} prints. */
    static CliOutput.Table listTable(List<DeadLetterEntry> entries) {
        CliOutput.Table table = new CliOutput.Table(
                        "ID", "DEAD-LETTERED", "REASON", "SOURCE", "TYPE", "SUBJECT", "ATTEMPTS", "ERROR")
                .capped(LIST_CELL_WIDTH);
        for (DeadLetterEntry e : entries) {
            table.row(
                    e.id(),
                    e.deadLetteredAt(),
                    e.reason(),
                    e.sourceStream() + " " + e.sourceId(),
                    emptyShown(e.type()),
                    emptyShown(e.subject()),
                    e.text(WireFields.ATTEMPTS),
                    e.error());
        }
        return table;
    }

    /**
     * A field the entry has but empty, as {@code ""}: a blank cell read as a column left out (a
     * {@code decode} dead letter of {@code type ''}); one it lacks is {@code -}.
     */
    private static String emptyShown(String text) {
        return text != null && text.isEmpty() ? "\"\"" : text;
    }

    static Map<String, Object> summary(DeadLetterEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("deadLetteredAt", e.deadLetteredAt().toString());
        m.put("reason", e.reason());
        m.put("sourceStream", e.sourceStream());
        m.put("sourceId", e.sourceId());
        m.put("type", e.type());
        m.put("subject", e.subject());
        m.put("attempts", e.text(WireFields.ATTEMPTS));
        m.put("plugin", e.text(WireFields.PLUGIN));
        m.put("pluginVersion", e.text(WireFields.PLUGIN_VERSION));
        m.put("firstFailure", e.text(WireFields.FIRST_FAILURE));
        m.put("lastFailure", e.text(WireFields.LAST_FAILURE));
        m.put("errorClass", e.text(WireFields.ERROR_CLASS));
        m.put("errorMessage", e.text(WireFields.ERROR_MESSAGE));
        m.put("dataBytes", e.dataSize());
        return m;
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List dead letters, oldest first (never their payloads).")
    static final class ListDlq implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Mixin
        Selection selection;

        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (CommandContext ops = CommandContext.open(options)) {
                DeadLetters dlq = ops.deadLetters();
                List<DeadLetterEntry> entries =
                        dlq.list(selection.handler, selection.filter(ops, spec, null), selection.limitOr(100));
                if (json) {
                    out.println(CliOutput.json(
                            entries.stream().map(e -> capped(summary(e))).toList()));
                    out.flush();
                    return 0;
                }
                listTable(entries).print(out);
                List<String> read = dlq.streamNames(selection.handler);
                out.printf(
                        "%d dead letter(s) shown; %s %s %d%n",
                        entries.size(),
                        String.join(" and ", read),
                        read.size() == 1 ? "holds" : "hold",
                        ops.status().deadLetters(selection.handler));
                out.flush();
                return 0;
            }
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description =
                    "Show one dead letter: its provenance and original fields (the payload only with --show-data).")
    static final class Show implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Spec
        CommandSpec spec;

        @Option(names = "--handler", required = true, paramLabel = "NAME", description = "The handler.")
        String handler;

        @Parameters(index = "0", paramLabel = "ID", description = "The dead letter's id (see dlq list).")
        String id;

        @Option(
                names = "--show-data",
                description = "Also print the payload (data): text as is, other bytes as base64.")
        boolean showData;

        @Option(
                names = "--source-stream",
                paramLabel = "STREAM",
                description = "The dead letter of this source stream, when several share the id (a cluster).")
        String sourceStream;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            CommandContext.requireHandlerName(spec, "--handler", handler);
            requireIds(spec, List.of(id));
            CommandContext.requireStreamName(spec, "--source-stream", sourceStream);
            try (CommandContext ops = CommandContext.open(options)) {
                ops.requireHandler(handler);
                List<DeadLetterEntry> found = ops.deadLetters().show(handler, id).stream()
                        .filter(d -> sourceStream == null || sourceStream.equals(d.sourceStream()))
                        .toList();
                if (found.isEmpty()) {
                    spec.commandLine()
                            .getErr()
                            .println("eventbus: no dead letter " + id
                                    + (sourceStream == null ? "" : " from " + sourceStream) + " in "
                                    + ops.deadLetters().streamOf(handler));
                    return 1;
                }
                if (found.size() > 1) {
                    spec.commandLine()
                            .getErr()
                            .println("eventbus: " + found.size() + " dead letters have id " + id
                                    + " (on a cluster each dead-letter stream makes its own ids); their source streams: "
                                    + found.stream()
                                            .map(DeadLetterEntry::sourceStream)
                                            .toList()
                                    + "; add --source-stream to pick one");
                    return 1;
                }
                DeadLetterEntry e = found.get(0);
                Map<String, Object> provenance = new LinkedHashMap<>();
                for (Field f : e.provenanceFields()) {
                    provenance.put(f.nameForDisplay(), f.valueForDisplay());
                }
                // Every field in its order, a repeated one too: the first of two 'time' fields may be
                // the one that did not decode, the very reason for the dead letter.
                List<Map.Entry<String, String>> original = new ArrayList<>();
                for (Field f : e.storedOriginalFields()) {
                    String name = f.nameForDisplay(); // not UTF-8: base64:..., as a value is shown
                    original.add(Map.entry(
                            name,
                            name.equals(WireFields.DATA) && !showData
                                    ? "(" + f.value().length + " bytes; --show-data prints them)"
                                    : f.valueForDisplay()));
                }
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", e.id());
                    m.put("deadLetteredAt", e.deadLetteredAt().toString());
                    m.put("provenance", provenance);
                    m.put("fields", byName(original));
                    out.println(CliOutput.json(m));
                } else {
                    CliOutput.Table table = new CliOutput.Table("FIELD", "VALUE");
                    table.row("id", e.id()).row("dead-lettered", e.deadLetteredAt());
                    provenance.forEach(table::row);
                    original.forEach(f -> table.row(f.getKey(), f.getValue()));
                    table.print(out);
                }
                out.flush();
                return 0;
            }
        }
    }

    @Command(
            name = "redrive",
            mixinStandardHelpOptions = true,
            description = {
                "Put dead letters back on the stream they came from, for their handler only.",
                "Every other handler of the stream skips them; each is appended and deleted from the dead-letter stream in "
                        + "one atomic step. Ctrl-C stops after the one in progress, with the summary and audit line. "
                        + "Progress goes to stderr.",
                "A too-large dead letter, or one marked eventbus-partial, is left in place: it does not hold all of its "
                        + "event's fields (not its payload), so the event must be published again from its source.",
                "Without IDs and filters: every dead letter of the handler."
            })
    static final class Redrive implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Mixin
        Selection selection;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..*", paramLabel = "ID", description = "Only these dead letters.")
        List<String> ids = new ArrayList<>();

        @Option(names = "--dry-run", description = "Show what would be redriven; change nothing.")
        boolean dryRun;

        @Option(
                names = "--rate",
                paramLabel = "N",
                description = "At most N per second; 0 for no limit (default: no limit).")
        double rate;

        @Override
        public Integer call() throws Exception {
            CommandContext.requireNotNegative(spec, "--rate", rate);
            PrintWriter out = spec.commandLine().getOut();
            try (CommandContext ops = CommandContext.open(options)) {
                DeadLetterFilter filter = selection.filter(ops, spec, ids);
                long limit = selection.limitOr(0);
                StopBetweenEntries stop =
                        StopBetweenEntries.install(ops.config.redis().commandTimeout(), "dlq redrive");
                return stop.run(spec.commandLine(), () -> {
                    DeadLetters.Outcome outcome = change(
                            ops,
                            spec,
                            "redrive",
                            "redriven",
                            dryRun,
                            progress -> ops.deadLetters()
                                    .redrive(selection.handler, filter, limit, rate, dryRun, progress, stop));
                    outcome.problems().forEach(p -> spec.commandLine().getErr().println("left in place: " + p));
                    out.printf(
                            "%s %s: %d matched, %d %s, %d left in place%s%s%s%n",
                            dryRun ? "dry run: redrive" : "redrive",
                            selection.handler,
                            outcome.matched(),
                            outcome.done(),
                            dryRun ? "would be redriven" : "redriven",
                            outcome.skipped(),
                            incomplete(outcome.incomplete()),
                            outcome.stopSummary(),
                            StopBetweenEntries.summary(outcome.interruptedBy(), NOT_REACHED));
                    out.flush();
                    if (!dryRun) {
                        Map<String, Object> details = auditDetails(selection, filter, limit);
                        details.put("leftInPlace", outcome.skipped());
                        String stoppedBy = outcome.stoppedBy() != null ? outcome.stoppedBy() : outcome.interruptedBy();
                        if (stoppedBy != null) {
                            details.put("stoppedBy", stoppedBy);
                        }
                        ops.audit().record("dlq.redrive", outcome.done(), details);
                    }
                    if (outcome.stoppedBy() != null) {
                        spec.commandLine().getErr().println("eventbus: " + outcome.stoppedBy());
                        return 1;
                    }
                    if (outcome.interruptedBy() == null && missing(ids, outcome, ops, selection.handler, spec)) {
                        return 1;
                    }
                    return outcome.skipped() > 0 && outcome.done() == 0 ? 1 : 0;
                });
            }
        }
    }

    @Command(
            name = "discard",
            mixinStandardHelpOptions = true,
            description = "Delete dead letters for good. Needs IDs, a filter, or --all.")
    static final class Discard implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Mixin
        Selection selection;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..*", paramLabel = "ID", description = "Only these dead letters.")
        List<String> ids = new ArrayList<>();

        @Option(
                names = "--all",
                description = "Discard every dead letter of the handler (needed when no ID or filter is given).")
        boolean all;

        @Option(names = "--dry-run", description = "Show how many would be discarded; change nothing.")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (CommandContext ops = CommandContext.open(options)) {
                DeadLetterFilter filter = selection.filter(ops, spec, ids);
                if (filter.selectsAll() && !all) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(),
                            "discard needs dead-letter IDs, a filter (--reason, --since, --until, --subject, --error, "
                                    + "--source-stream) or --all");
                }
                long limit = selection.limitOr(0);
                StopBetweenEntries stop =
                        StopBetweenEntries.install(ops.config.redis().commandTimeout(), "dlq discard");
                return stop.run(spec.commandLine(), () -> {
                    DeadLetters.Outcome outcome = change(
                            ops,
                            spec,
                            "discard",
                            "discarded",
                            dryRun,
                            progress -> ops.deadLetters()
                                    .discard(selection.handler, filter, limit, dryRun, progress, stop));
                    out.printf(
                            "%s %s: %d matched, %d %s%s%n",
                            dryRun ? "dry run: discard" : "discard",
                            selection.handler,
                            outcome.matched(),
                            outcome.done(),
                            dryRun ? "would be discarded" : "discarded",
                            StopBetweenEntries.summary(outcome.interruptedBy(), NOT_REACHED));
                    out.flush();
                    if (!dryRun) {
                        Map<String, Object> details = auditDetails(selection, filter, limit);
                        String stoppedBy = outcome.stoppedBy() != null ? outcome.stoppedBy() : outcome.interruptedBy();
                        if (stoppedBy != null) {
                            details.put("stoppedBy", stoppedBy);
                        }
                        ops.audit().record("dlq.discard", outcome.done(), details);
                    }
                    if (outcome.stoppedBy() != null) {
                        spec.commandLine().getErr().println("eventbus: " + outcome.stoppedBy());
                        return 1;
                    }
                    return outcome.interruptedBy() == null && missing(ids, outcome, ops, selection.handler, spec)
                            ? 1
                            : 0;
                });
            }
        }
    }

    private static final String NOT_REACHED =
            "the dead letters not reached are untouched: the same command again goes on";

    /**
     * What the redrive summary says of the dead letters it left in place because they may not hold
     * all of their entry's fields: the per-dead-letter lines stop at 20, this counts them all.
     */
    private static String incomplete(long n) {
        if (n == 0) {
            return "";
        }
        String them = n == 1 ? "that event" : "those events";
        return " (" + n + " of them too-large or otherwise without all of their event's fields: never redriven; "
                + "publish " + them + " again from the source, then discard the dead letter" + (n == 1 ? "" : "s")
                + ")";
    }

    /** A change to dead letters, reporting its progress. */
    private interface Change {
        DeadLetters.Outcome run(CliOutput.ProgressLine progress) throws InterruptedException;
    }

    /**
     * Runs a change with its progress on stderr. A real run must be auditable: the audit log is
     * checked before anything changes, so a change never happens without its record.
     *
     * @param done what a dead letter the change is done with is, e.g. {@code redriven}
     */
    private static DeadLetters.Outcome change(
            CommandContext ops, CommandSpec spec, String name, String done, boolean dryRun, Change change)
            throws InterruptedException {
        if (!dryRun) {
            ops.audit().checkWritable();
        }
        CliOutput.ProgressLine progress = CliOutput.progress(spec.commandLine().getErr(), name, done, dryRun);
        DeadLetters.Outcome outcome = change.run(progress);
        progress.finish();
        return outcome;
    }

    /**
     * Fields as a JSON object: a name given once maps to its value, a repeated one to its values in
     * order (a JSON object cannot hold one name twice).
     */
    private static Map<String, Object> byName(List<Map.Entry<String, String>> fields) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        fields.forEach(
                f -> values.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(f.getValue()));
        Map<String, Object> object = new LinkedHashMap<>();
        values.forEach((name, all) -> object.put(name, all.size() == 1 ? all.get(0) : all));
        return object;
    }

    /** What the audit record of a change says it was about. */
    private static Map<String, Object> auditDetails(Selection selection, DeadLetterFilter filter, long limit) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("handler", selection.handler);
        details.put("filters", filter.describe());
        details.put("limit", limit);
        return details;
    }

    /**
     * Whether dead letters named by id were not all found (nothing found is a failure, exit 1, as
     * for {@code dlq show}); says so on stderr.
     */
    static boolean missing(
            List<String> ids, DeadLetters.Outcome outcome, CommandContext ops, String handler, CommandSpec spec) {
        long notFound = new LinkedHashSet<>(ids).size() - outcome.matched();
        if (ids.isEmpty() || notFound <= 0) {
            return false;
        }
        spec.commandLine()
                .getErr()
                .println("eventbus: " + notFound + " of the given dead-letter ids not found in "
                        + ops.deadLetters().streamOf(handler) + " (or left out by the filters)");
        spec.commandLine().getErr().flush();
        return true;
    }

    /** Ids that cannot be a dead letter's are a usage error (exit 2), not a question for Redis. */
    static void requireIds(CommandSpec spec, List<String> ids) {
        for (String id : ids == null ? List.<String>of() : ids) {
            if (!EntryIds.isId(id)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "'" + id + "' is not a dead letter's id: <milliseconds>-<sequence>, as dlq list prints it");
            }
        }
    }
}
