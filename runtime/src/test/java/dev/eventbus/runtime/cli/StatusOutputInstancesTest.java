package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.admin.v1.LiveInstance;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The live instances under the table. Found from outside: during a Redis outage the running
 * runtime answered {@code status} with "no live instance" (it could not read the heartbeats).
 */
class StatusOutputInstancesTest {

    private static String live(GetStatusResponse status, boolean json) {
        StringWriter out = new StringWriter();
        StatusOutput.live(
                status,
                new AdminClient.Address("localhost", 1, false, Optional.empty()),
                null,
                json,
                new PrintWriter(out));
        return out.toString();
    }

    @Test
    void instancesTheRuntimeCouldNotReadAreUnknownNotNone() {
        GetStatusResponse unread = GetStatusResponse.newBuilder()
                .setInstancesUnread("RedisCommandTimeoutException: Command timed out after 10 second(s)")
                .build();
        String text = live(unread, false);
        assertTrue(text.contains("live instances unknown: this runtime could not read them from Redis"), text);
        assertTrue(text.contains("Command timed out"), text);
        assertFalse(text.contains("no live instance"), text);
        assertTrue(live(unread, true).contains("\"instancesUnread\""), live(unread, true));
    }

    @Test
    void noneHeartbeatingIsStillSaidSo() {
        String text = live(GetStatusResponse.getDefaultInstance(), false);
        assertTrue(text.contains("no live instance"), text);
        assertFalse(live(GetStatusResponse.getDefaultInstance(), true).contains("instancesUnread"));
        String one = live(
                GetStatusResponse.newBuilder()
                        .addInstances(LiveInstance.newBuilder().setName("it-1").setSelf(true))
                        .build(),
                false);
        assertTrue(one.contains("it-1 (this)"), one);
    }
}
