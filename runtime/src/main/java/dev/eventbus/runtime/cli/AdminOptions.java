package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.config.AdminSettings;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --admin HOST:PORT}: where the commands that ask the running runtime find its admin gRPC port. */
final class AdminOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--admin", paramLabel = "HOST:PORT",
            description = "The runtime's admin gRPC address (default: eventbus.admin.host and eventbus.admin.grpc-port "
                    + "of the config).")
    String admin;

    /**
     * The address to call: {@code --admin} when given, else the configured one (a wildcard bind
     * address means this host's loopback), else null when the config names none.
     *
     * @throws CommandLine.ParameterException when {@code --admin} is not HOST:PORT (exit 2)
     */
    AdminClient.Address address(AdminSettings settings) {
        if (admin != null) {
            int colon = admin.lastIndexOf(':');
            try {
                String host = admin.substring(0, Math.max(0, colon)).replaceAll("^\\[|]$", "");
                int port = Integer.parseInt(admin.substring(colon + 1));
                if (host.isEmpty() || port <= 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return new AdminClient.Address(host, port);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--admin: expected HOST:PORT (e.g. 127.0.0.1:9401), got '" + admin + "'");
            }
        }
        if (!settings.enabled() || settings.grpcPort() <= 0) {
            return null;
        }
        String host = switch (settings.host()) {
            case "0.0.0.0", "::", "[::]", "" -> "127.0.0.1";
            default -> settings.host();
        };
        return new AdminClient.Address(host, settings.grpcPort());
    }

    /** Why {@link #address} found none, for the commands' messages. */
    static String noAddress(AdminSettings settings) {
        return !settings.enabled() ? "the config turns the admin servers off (eventbus.admin.enabled = false)"
                : settings.grpcPort() == 0 ? "eventbus.admin.grpc-port is 0 (any free port); pass --admin HOST:PORT"
                : "the config has no admin gRPC port (eventbus.admin.grpc-port = -1)";
    }
}
