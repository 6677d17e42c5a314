package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OperationsConfigTest {

    private static RuntimeConfig load(Map<String, Object> settings) {
        return ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings));
    }

    @Test
    void defaultsBindToLoopback() {
        OperationsSettings ops = ConfigLoader.load(Optional.empty()).operations();
        assertTrue(ops.admin().enabled());
        assertEquals("127.0.0.1", ops.admin().host());
        assertEquals(9400, ops.admin().httpPort());
        assertEquals(9401, ops.admin().grpcPort());
        assertFalse(ops.admin().tokenRequired());
        assertTrue(ops.admin().readyRequiresAllPlugins());
        assertEquals("audit.log", ops.admin().auditLog().getFileName().toString());
        assertEquals(Duration.ofSeconds(10), ops.metrics().pollInterval());
        assertTrue(ops.metrics().jvm() && ops.metrics().jmx());
        assertEquals("text", ops.logFormat());
        assertFalse(ops.jsonLogs());
    }

    @Test
    void anyOtherAddressNeedsAToken() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> load(Map.of("eventbus.admin.host", "0.0.0.0")));
        assertTrue(e.getMessage().contains("admin.host") && e.getMessage().contains("not a loopback address")
                && e.getMessage().contains("EVENTBUS_ADMIN_TOKEN"), e.getMessage());
        AdminSettings admin = load(Map.of("eventbus.admin.host", "0.0.0.0", "eventbus.admin.token", "tok3n")).operations().admin();
        assertTrue(admin.tokenRequired());
        assertFalse(admin.toString().contains("tok3n"), admin.toString());
        assertEquals("0.0.0.0", load(Map.of("eventbus.admin.host", "0.0.0.0", "eventbus.admin.enabled", false))
                .operations().admin().host(), "no servers, no rule");
        assertEquals("::1", load(Map.of("eventbus.admin.host", "::1")).operations().admin().host());
    }

    @Test
    void badValuesAreReported() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load(Map.of(
                "eventbus.admin.http-port", 70000, "eventbus.admin.grpc-port", -2,
                "eventbus.logging.format", "xml", "eventbus.metrics.poll-interval", "0s")));
        String m = e.getMessage();
        assertTrue(m.contains("admin.http-port"), m);
        assertTrue(m.contains("admin.grpc-port"), m);
        assertTrue(m.contains("logging.format must be one of text, json"), m);
        assertTrue(m.contains("metrics.poll-interval must be positive"), m);
        InvalidConfigException typo = assertThrows(InvalidConfigException.class,
                () -> load(Map.of("eventbus.admin.tokn", "typo")));
        assertTrue(typo.getMessage().contains("unknown key 'eventbus.admin.tokn'"), typo.getMessage());
    }

    @Test
    void jsonLogsAndOffSwitchesRead() {
        OperationsSettings ops = load(Map.of("eventbus.logging.format", "json", "eventbus.admin.grpc-port", -1,
                "eventbus.metrics.jmx", false)).operations();
        assertTrue(ops.jsonLogs());
        assertEquals(-1, ops.admin().grpcPort());
        assertFalse(ops.metrics().jmx());
    }
}
