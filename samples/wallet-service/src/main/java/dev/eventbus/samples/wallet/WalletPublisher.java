package dev.eventbus.samples.wallet;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The sample wallet service's producer: appends {@code wallet.topup.*} events to a Redis stream in
 * Eventbus's wire format (CloudEvents attribute names as stream fields), with one {@code XADD} per
 * event. Any Redis client could do the same; this is what a producer looks like.
 *
 * <pre>{@code
 * try (WalletPublisher wallet = new WalletPublisher("redis://127.0.0.1:6379")) {
 *     String entryId = wallet.publishTopup("w-42", "o-1001", 1250);
 * }
 * }</pre>
 *
 * <p>Thread-safe (one Lettuce connection, which is).
 */
public final class WalletPublisher implements AutoCloseable {

    /** The stream when none is given. */
    public static final String DEFAULT_STREAM = "wallet";
    /** The {@code type} of a successful top-up. */
    public static final String TOPUP_SUCCEEDED = "wallet.topup.succeeded";
    /** The {@code type} of a failed top-up. */
    public static final String TOPUP_FAILED = "wallet.topup.failed";
    /** The {@code source} of every event this publisher writes. */
    public static final String SOURCE = "wallet-service";

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;
    private final String stream;
    private final Clock clock;

    /**
     * Connects to Redis; events go to the stream {@value #DEFAULT_STREAM}.
     *
     * @param redisUri for example {@code redis://127.0.0.1:6379}
     */
    public WalletPublisher(String redisUri) {
        this(redisUri, DEFAULT_STREAM);
    }

    /**
     * Connects to Redis.
     *
     * @param redisUri for example {@code redis://127.0.0.1:6379}
     * @param stream the stream key to append to
     */
    public WalletPublisher(String redisUri, String stream) {
        this(redisUri, stream, Clock.systemUTC());
    }

    WalletPublisher(String redisUri, String stream, Clock clock) {
        Objects.requireNonNull(redisUri, "redisUri");
        if (stream == null || stream.isBlank()) {
            throw new IllegalArgumentException("stream must not be blank");
        }
        this.stream = stream;
        this.clock = clock;
        this.client = RedisClient.create(redisUri);
        try {
            this.connection = client.connect();
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
        this.redis = connection.sync();
    }

    /** @return the stream this publisher appends to */
    public String stream() {
        return stream;
    }

    /**
     * Publishes {@code wallet.topup.succeeded} with a random event id.
     *
     * @param walletId the wallet (the event's {@code subject}, so the ordering key)
     * @param orderId the order the top-up paid for
     * @param amountCents the amount
     * @return the stream entry id
     */
    public String publishTopup(String walletId, String orderId, long amountCents) {
        return publishTopup(walletId, orderId, amountCents, UUID.randomUUID().toString());
    }

    /**
     * Publishes {@code wallet.topup.succeeded} with a given event id (tests use this to correlate
     * the entry with the calls it causes).
     *
     * @param walletId the wallet
     * @param orderId the order
     * @param amountCents the amount
     * @param eventId the event's {@code id} field
     * @return the stream entry id
     */
    public String publishTopup(String walletId, String orderId, long amountCents, String eventId) {
        return xadd(fields(TOPUP_SUCCEEDED, walletId, eventId, topupData(orderId, walletId, amountCents, null)));
    }

    /**
     * Publishes {@code wallet.topup.failed} with a random event id.
     *
     * @param walletId the wallet
     * @param orderId the order
     * @param amountCents the amount that could not be added
     * @param reason why, for example {@code card_declined}
     * @return the stream entry id
     */
    public String publishTopupFailed(String walletId, String orderId, long amountCents, String reason) {
        return xadd(fields(
                TOPUP_FAILED,
                walletId,
                UUID.randomUUID().toString(),
                topupData(orderId, walletId, amountCents, Objects.requireNonNull(reason, "reason"))));
    }

    /**
     * The stream fields of one event, in the wire format, in a stable order.
     *
     * @param type the event type
     * @param walletId the subject
     * @param eventId the event id
     * @param data the JSON payload
     * @return field name to value
     */
    Map<String, String> fields(String type, String walletId, String eventId, String data) {
        Objects.requireNonNull(walletId, "walletId");
        Objects.requireNonNull(eventId, "eventId");
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("type", type);
        fields.put("id", eventId);
        fields.put("subject", walletId);
        fields.put("source", SOURCE);
        fields.put(
                "time", DateTimeFormatter.ISO_INSTANT.format(Instant.now(clock).truncatedTo(ChronoUnit.MILLIS)));
        fields.put("datacontenttype", "application/json");
        fields.put("data", data);
        return fields;
    }

    /**
     * The JSON payload of a top-up event.
     *
     * @return {@code {"orderId":"..","walletId":"..","amountCents":N}}, plus {@code "reason"} when given
     */
    static String topupData(String orderId, String walletId, long amountCents, String reason) {
        Objects.requireNonNull(orderId, "orderId");
        Objects.requireNonNull(walletId, "walletId");
        StringBuilder json = new StringBuilder(96)
                .append("{\"orderId\":")
                .append(quote(orderId))
                .append(",\"walletId\":")
                .append(quote(walletId))
                .append(",\"amountCents\":")
                .append(amountCents);
        if (reason != null) {
            json.append(",\"reason\":").append(quote(reason));
        }
        return json.append('}').toString();
    }

    private static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private String xadd(Map<String, String> fields) {
        return redis.xadd(stream, fields);
    }

    /** Closes the connection and the client. */
    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            client.shutdown();
        }
    }
}
