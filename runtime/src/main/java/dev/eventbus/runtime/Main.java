package dev.eventbus.runtime;

import dev.eventbus.runtime.cli.EventbusCommand;

/** Entry point of {@code bin/eventbus}. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        StartupWarmup.startFor(args);
        System.exit(EventbusCommand.commandLine().execute(args));
    }
}
