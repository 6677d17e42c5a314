package dev.eventbus.runtime.cli;

import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.ops.Publisher;
import dev.eventbus.runtime.stream.WireFields;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code eventbus publish STREAM TYPE}: one event in the wire format. */
@Command(
        name = "publish",
        mixinStandardHelpOptions = true,
        description = {
            "Publish one event to a stream in the wire format (type, subject, data, headers), as a "
                    + "producer would; prints the new entry id.",
            "Writes to Redis directly."
        })
final class PublishCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "STREAM",
            description = "The stream, e.g. wallet; for a partitioned stream (eventbus.streams), its logical name: "
                    + "the event goes to its subject's partition, named on stderr.")
    String stream;

    @Parameters(index = "1", paramLabel = "TYPE", description = "The event type, e.g. wallet.topup.succeeded.")
    String type;

    @Option(
            names = "--subject",
            paramLabel = "SUBJECT",
            description = "The entity the event is about (the ordering key).")
    String subject;

    @Option(
            names = "--data",
            paramLabel = "JSON|@FILE",
            description = "The payload: inline JSON, checked (another kind when --header "
                    + "datacontenttype=<type> says so), or the bytes of a file with @FILE, sent as they are.")
    String data;

    @Option(
            names = "--header",
            paramLabel = "NAME=VALUE",
            description = "A further field (id, source, time, datacontenttype, traceparent or a header); repeatable.")
    List<String> headerOptions = new ArrayList<>();

    /**
     * The {@code --header} fields by name, a name given twice with its last value. Split here, not
     * by picocli's map option: its message for a value without {@code =} said "Value for option
     * option '--header' ..." (found from outside).
     */
    private final Map<String, String> headers = new LinkedHashMap<>();

    /**
     * A stream or type with white space around it, or a control character, is a typo no handler
     * declares (the plugin API refuses such a declaration): published, the event would be skipped by
     * every handler without a word.
     */
    private void refuseOddCharacters(String what, String text, String why) {
        String odd = null;
        if (!text.equals(text.strip())) {
            odd = "has leading or trailing white space";
        } else {
            for (int i = 0; i < text.length() && odd == null; i++) {
                if (Character.isISOControl(text.charAt(i))) {
                    odd = "holds a control character (U+" + String.format("%04X", (int) text.charAt(i)) + ")";
                }
            }
        }
        if (odd != null) {
            StringBuilder shown = new StringBuilder();
            text.chars()
                    .forEach(c -> shown.append(
                            Character.isISOControl(c) ? String.format("\\u%04x", c) : String.valueOf((char) c)));
            throw new CommandLine.ParameterException(spec.commandLine(), what + " '" + shown + "' " + odd + ": " + why);
        }
    }

    @Override
    public Integer call() {
        for (String option : headerOptions) {
            int eq = option.indexOf('=');
            if (eq < 0) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--header '" + option + "' must be NAME=VALUE, e.g. traceparent=00-...");
            }
            headers.put(option.substring(0, eq), option.substring(eq + 1));
        }
        if (stream.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "STREAM must not be empty");
        }
        if (type.isBlank()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "TYPE must not be empty: every event needs a type");
        }
        refuseOddCharacters("STREAM", stream, "handlers name their streams without it");
        refuseOddCharacters("TYPE", type, "handlers match the type exactly, so none would take this event");
        byte[] payload = null;
        if (data != null) {
            if (data.startsWith("@")) {
                try {
                    payload = Files.readAllBytes(Path.of(data.substring(1)));
                } catch (IOException e) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(), "--data " + data + ": cannot read the file (" + e.getMessage() + ")");
                }
            } else {
                payload = data.getBytes(StandardCharsets.UTF_8);
                checkJson(data);
            }
        }
        for (String name : headers.keySet()) {
            // Found from outside: --header =v wrote a field with an empty name, which no reader asks for.
            if (name.isBlank()) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--header '" + name + "=" + headers.get(name) + "' needs a name before '='");
            }
            refuseOddCharacters("--header name", name, "a handler reads its headers by their exact names");
        }
        for (String reserved : new String[] {WireFields.TYPE, WireFields.SUBJECT, WireFields.DATA}) {
            if (headers.containsKey(reserved)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--header " + reserved + "=...: use the "
                                + (reserved.equals(WireFields.TYPE) ? "TYPE parameter" : "--" + reserved + " option"));
            }
        }
        try (CommandContext ops = CommandContext.open(options)) {
            String key = partitionKey(ops.config.partitionedStreams().get(stream));
            String id = new Publisher(ops.redis).publish(key, type, subject, payload, headers);
            if (!key.equals(stream)) {
                spec.commandLine().getErr().println("partition " + key);
            }
            spec.commandLine().getOut().println(id);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** The subject's partition; without a subject, any (a one-shot command has no turn to keep). */
    private String partitionKey(PartitionedStream layout) {
        if (layout == null) {
            return stream;
        }
        if (subject == null) {
            return layout.key(ThreadLocalRandom.current().nextInt(layout.partitions()));
        }
        try {
            return layout.keyOf(subject);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--subject: " + e.getMessage());
        }
    }

    /**
     * Inline data is JSON (the option says so), unless a {@code datacontenttype} header says it is
     * something else; a typo in it is a usage error, not an event a handler fails on. A file's
     * bytes are sent as they are.
     */
    private void checkJson(String text) {
        String contentType = headers.getOrDefault(WireFields.CONTENT_TYPE, "application/json");
        if (!contentType.contains("json")) {
            return;
        }
        String problem = text.isBlank() ? "it is empty" : null;
        try (var parser = JSON.createParser(text)) {
            while (problem == null && parser.nextToken() != null) {
                // reads to the end: trailing garbage is an error too
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            problem = e.getOriginalMessage();
        } catch (IOException e) {
            problem = e.getMessage();
        }
        if (problem != null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--data is not valid JSON (" + problem
                            + "); give bytes of another kind with @FILE, or set --header " + WireFields.CONTENT_TYPE
                            + "=<type>");
        }
    }

    private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();
}
