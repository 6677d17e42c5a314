package dev.eventbus.samples.payments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.typesafe.config.Config;
import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.api.NonRetriableEventException;
import dev.eventbus.samples.orders.v1.MarkPaidReply;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;
import java.io.IOException;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks an order paid when a wallet top-up succeeds: reads the top-up's JSON payload
 * ({@code {"orderId":"..","walletId":"..","amountCents":N}}) and calls
 * {@code orders.v1.OrderService/MarkPaid} on the channel the runtime lends.
 *
 * <p>Outcomes: a payload that can never be processed (not JSON, no {@code orderId}, no integral
 * {@code amountCents}) throws {@link NonRetriableEventException} and goes to the dead-letter
 * stream; gRPC failures propagate as {@link io.grpc.StatusRuntimeException} and the runtime
 * classifies their codes (UNAVAILABLE is retried, INVALID_ARGUMENT dead-lettered). Redeliveries are
 * safe: the runtime sends the same {@code idempotency-key} with every attempt, and the order
 * service applies each key once.
 *
 * <p>Stateless and thread-safe.
 */
@Extension
public class MarkOrderPaid implements EventHandler {

    /** The service this handler calls, as declared. */
    public static final String ORDER_SERVICE = OrderServiceGrpc.SERVICE_NAME;

    private static final Logger LOG = LoggerFactory.getLogger(MarkOrderPaid.class);

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // Never echo the payload into exception messages (they are not used as messages here anyway).
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    /** Needed by PF4J. */
    public MarkOrderPaid() {}

    @Override
    public HandlerSpec spec() {
        return HandlerSpec.named("mark-order-paid")
                .consumes("wallet", "wallet.topup.succeeded")
                .calls(ORDER_SERVICE);
    }

    @Override
    public void handle(Event event, HandlerContext context) {
        MarkPaidRequest request = toRequest(event);
        MarkPaidReply reply =
                OrderServiceGrpc.newBlockingStub(context.channel(ORDER_SERVICE)).markPaid(request);
        if (logCalls(context.config())) {
            LOG.info(
                    "MarkPaid order={} wallet={} amountCents={} event={} attempt={} applied={}",
                    request.getOrderId(),
                    request.getWalletId(),
                    request.getAmountCents(),
                    event.id(),
                    event.attempt(),
                    reply.getApplied());
        } else {
            LOG.debug(
                    "MarkPaid order={} wallet={} amountCents={} event={} attempt={} applied={}",
                    request.getOrderId(),
                    request.getWalletId(),
                    request.getAmountCents(),
                    event.id(),
                    event.attempt(),
                    reply.getApplied());
        }
    }

    /**
     * Maps a {@code wallet.topup.succeeded} event to the request it causes.
     *
     * @param event the event
     * @return the MarkPaid request, with {@code event_id} set to the event's id
     * @throws NonRetriableEventException when the payload can never be mapped; the message names
     *     the event and the problem, never the payload
     */
    static MarkPaidRequest toRequest(Event event) {
        if (event.data().length == 0) {
            throw invalid(event, "has no data (expected a JSON object with orderId, walletId, amountCents)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(event.data());
        } catch (JsonProcessingException e) {
            // Not chained: Jackson's message quotes the offending token, and this message reaches the dead-letter
            // entry.
            var at = e.getLocation();
            throw invalid(
                    event,
                    "data is not valid JSON (" + e.getClass().getSimpleName()
                            + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ")");
        } catch (IOException e) {
            throw invalid(
                    event, "data could not be read as JSON (" + e.getClass().getSimpleName() + ")");
        }
        if (root == null || !root.isObject()) {
            throw invalid(
                    event, "data is JSON but not an object (" + (root == null ? "empty" : root.getNodeType()) + ")");
        }
        String orderId = text(root, "orderId");
        if (orderId == null) {
            throw invalid(event, "data has no orderId (a non-blank string)");
        }
        String walletId = text(root, "walletId");
        if (walletId == null) {
            walletId = event.subject();
        }
        if (walletId == null || walletId.isBlank()) {
            throw invalid(event, "neither data.walletId nor the subject names the wallet");
        }
        JsonNode amount = root.get("amountCents");
        if (amount == null || !amount.isIntegralNumber() || !amount.canConvertToLong()) {
            throw invalid(event, "data has no amountCents (an integer)");
        }
        return MarkPaidRequest.newBuilder()
                .setOrderId(orderId)
                .setWalletId(walletId)
                .setAmountCents(amount.longValue())
                .setEventId(event.id())
                .build();
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.isTextual() || node.textValue().isBlank()) {
            return null;
        }
        return node.textValue();
    }

    private static boolean logCalls(Config config) {
        // Tolerates a context without the plugin's reference.conf merged in (a bare test harness).
        return config.hasPath("log-calls") && config.getBoolean("log-calls");
    }

    private static NonRetriableEventException invalid(Event event, String problem) {
        return new NonRetriableEventException(
                event.type() + " event " + event.id() + " (entry " + event.entryId() + "): " + problem);
    }
}
