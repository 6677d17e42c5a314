package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.config.AdminSettings;
import dev.eventbus.runtime.config.AdminTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --admin HOST:PORT} and {@code --admin-ca FILE}: where the commands that ask the running
 * runtime find its admin gRPC port, and whether (and with which CA) they speak TLS to it.
 */
final class AdminOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--admin",
            paramLabel = "HOST:PORT",
            description = "The runtime's admin gRPC address (default: eventbus.admin.host and eventbus.admin.grpc-port "
                    + "of the config).")
    String admin;

    @Option(
            names = "--admin-ca",
            paramLabel = "FILE",
            description =
                    "CA certificate (PEM) that signed the admin port's TLS certificate; the command then speaks "
                            + "TLS to it (default: eventbus.admin.tls.ca-file; TLS also when eventbus.admin.tls.cert-file is set).")
    Path adminCa;

    /**
     * The address to call: {@code --admin} when given, else the configured one (a wildcard bind
     * address means this host's loopback), else null when the config names none; over TLS when
     * {@code --admin-ca} is given or the config's {@code admin.tls} says so.
     *
     * @throws CommandLine.ParameterException when {@code --admin} is not HOST:PORT, or the
     *     {@code --admin-ca} file cannot be read (exit 2)
     */
    AdminClient.Address address(AdminSettings settings) {
        AdminClient.Address where = hostAndPort(settings);
        if (where == null) {
            return null;
        }
        if (adminCa != null) {
            if (!Files.isRegularFile(adminCa) || !Files.isReadable(adminCa)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--admin-ca: file '" + adminCa + "' does not exist, is not a file or cannot be read");
            }
            return new AdminClient.Address(where.host(), where.port(), true, Optional.of(adminCa));
        }
        AdminTls tls = settings.tls();
        return tls.clientUsesTls() ? new AdminClient.Address(where.host(), where.port(), true, tls.caFile()) : where;
    }

    private AdminClient.Address hostAndPort(AdminSettings settings) {
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
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--admin: expected HOST:PORT (e.g. 127.0.0.1:9401), got '" + admin + "'");
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
        return !settings.enabled()
                ? "the config turns the admin servers off (eventbus.admin.enabled = false)"
                : settings.grpcPort() == 0
                        ? "eventbus.admin.grpc-port is 0 (any free port); pass --admin HOST:PORT"
                        : "the config has no admin gRPC port (eventbus.admin.grpc-port = -1)";
    }
}
