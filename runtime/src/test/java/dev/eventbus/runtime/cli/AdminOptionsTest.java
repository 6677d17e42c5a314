package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.config.AdminSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Where the commands look for the running runtime's admin gRPC port. */
class AdminOptionsTest {

    private static AdminSettings settings(boolean enabled, String host, int grpcPort) {
        return new AdminSettings(enabled, host, 9400, grpcPort, "", true, Path.of("audit.log"));
    }

    private static AdminOptions parsed(String... args) {
        StatusCommand status = new StatusCommand();
        new CommandLine(status).parseArgs(args);
        return status.admin;
    }

    @Test
    void theOptionWinsOverTheConfig() {
        AdminSettings config = settings(true, "127.0.0.1", 9401);
        assertEquals(
                new AdminClient.Address("10.0.0.7", 19401),
                parsed("--admin", "10.0.0.7:19401").address(config));
        AdminClient.Address v6 = parsed("--admin", "[::1]:9401").address(config);
        assertEquals(new AdminClient.Address("::1", 9401), v6);
        assertEquals("[::1]:9401", v6.toString());
    }

    @Test
    void theConfigNamesTheAddressAndAWildcardBindMeansLoopback() {
        assertEquals(new AdminClient.Address("127.0.0.1", 9401), parsed().address(settings(true, "127.0.0.1", 9401)));
        assertEquals(new AdminClient.Address("127.0.0.1", 9401), parsed().address(settings(true, "0.0.0.0", 9401)));
        assertEquals(new AdminClient.Address("10.1.2.3", 9501), parsed().address(settings(true, "10.1.2.3", 9501)));
    }

    @Test
    void noAddressWhenTheConfigCannotNameOneAndTheMessageSaysWhy() {
        for (AdminSettings s : new AdminSettings[] {
            settings(true, "127.0.0.1", 0), settings(true, "127.0.0.1", -1), settings(false, "127.0.0.1", 9401)
        }) {
            assertNull(parsed().address(s), s.toString());
        }
        assertTrue(AdminOptions.noAddress(settings(true, "127.0.0.1", 0)).contains("pass --admin HOST:PORT"));
        assertTrue(AdminOptions.noAddress(settings(true, "127.0.0.1", -1)).contains("grpc-port = -1"));
        assertTrue(AdminOptions.noAddress(settings(false, "127.0.0.1", 9401)).contains("enabled = false"));
    }

    @Test
    void aMalformedAddressIsAUsageError() {
        for (String bad : new String[] {"nowhere", ":9401", "host:", "host:port", "host:70000", "host:0"}) {
            CommandLine.ParameterException e = assertThrows(
                    CommandLine.ParameterException.class,
                    () -> parsed("--admin", bad).address(settings(true, "127.0.0.1", 9401)),
                    bad);
            assertTrue(e.getMessage().contains("expected HOST:PORT"), e.getMessage());
        }
    }
}
