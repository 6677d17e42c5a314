package dev.eventbus.runtime.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.testkit.HandlerHarness;
import dev.eventbus.testkit.TestEvents;
import org.junit.jupiter.api.Test;

/**
 * The test kit's {@link HandlerHarness} stamps calls with the idempotency key it derives itself (the
 * kit must not depend on the runtime): plugin tests assert on it, so it must be the runtime's key.
 */
class TestKitIdempotencyKeyTest {

    @Test
    void theKitDerivesTheRuntimesKey() {
        HandlerHarness harness = HandlerHarness.of(new EventHandler() {
            @Override
            public HandlerSpec spec() {
                return HandlerSpec.named("mark-order-paid").consumes("wallet", "wallet.topup.succeeded");
            }

            @Override
            public void handle(Event event, HandlerContext context) {}
        });
        Event event = TestEvents.event("wallet.topup.succeeded").stream("wallet")
                .entryId("1732612345678-7")
                .id("evt-1")
                .attempt(3)
                .build();

        // The consumer group of a subscription is its handler's name.
        assertEquals(DeliveryContext.idempotencyKey("mark-order-paid", event), harness.idempotencyKey(event));
        assertEquals("mark-order-paid/wallet/1732612345678-7", harness.idempotencyKey(event));
    }
}
