package dev.eventbus.runtime.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * One run of the {@code eventbus} command line in this JVM, as bin/eventbus runs it (its exit codes
 * included): what it exited with and printed.
 */
record CliRun(int exit, String out, String err) {

    static CliRun eventbus(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = EventbusCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new CliRun(cli.execute(args), out.toString(), err.toString());
    }

    /** As {@link #eventbus(String...)}, with {@code --config <config> --plugins-dir <pluginsDir>} after {@code args}. */
    static CliRun eventbusWith(Path config, Path pluginsDir, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config.toString(), "--plugins-dir", pluginsDir.toString()));
        return eventbus(all.toArray(String[]::new));
    }
}
