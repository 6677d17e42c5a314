package dev.eventbus.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The benchmark's events, in the wire format producers write (README, "The wire format"): {@code type},
 * {@code subject}, {@code id} and a JSON {@code data} document, 300 bytes of field names and values
 * in all. Latency runs add a {@code ts} field (the producer's {@link System#nanoTime()} at XADD),
 * which Eventbus hands to handlers as a header.
 *
 * <p>Event {@code i} has the id {@code e-i} and the subject {@code o-(i mod subjects)}: with
 * {@code subjects} = 0 every event has a subject of its own; otherwise the subjects repeat in turn
 * (interleaved), so that event {@code i} follows event {@code i - subjects} of its subject.
 */
final class Wire {

    static final String STREAM = "bench:events";
    static final String TYPE = "bench.order.created";
    /** Field names and values of one event, in bytes, without {@code ts}. */
    static final int EVENT_BYTES = 300;

    static final byte[] STREAM_KEY = bytes(STREAM);
    static final byte[] F_TYPE = bytes("type");
    static final byte[] F_SUBJECT = bytes("subject");
    static final byte[] F_ID = bytes("id");
    static final byte[] F_DATA = bytes("data");
    static final byte[] F_TS = bytes("ts");
    static final byte[] V_TYPE = bytes(TYPE);

    private Wire() {}

    /** The payload around its order id (the subject), which is all that varies between events. */
    private static final String SAMPLE_SUBJECT = "o-00000000";

    private static final byte[] DATA_HEAD;
    private static final byte[] DATA_TAIL;

    static {
        int fixed = F_TYPE.length
                + V_TYPE.length
                + F_SUBJECT.length
                + SAMPLE_SUBJECT.length()
                + F_ID.length
                + SAMPLE_SUBJECT.length()
                + F_DATA.length;
        String data = payload(SAMPLE_SUBJECT, EVENT_BYTES - fixed);
        int at = data.indexOf(SAMPLE_SUBJECT);
        DATA_HEAD = bytes(data.substring(0, at));
        DATA_TAIL = bytes(data.substring(at + SAMPLE_SUBJECT.length()));
    }

    /** The fields of event {@code i}, one subject per event; {@code ts} is added when not negative. */
    static Map<byte[], byte[]> event(long i, long ts) {
        return event(i, 0, ts);
    }

    /** The fields of event {@code i} of a stream whose events share {@code subjects} subjects (0: one each). */
    static Map<byte[], byte[]> event(long i, long subjects, long ts) {
        byte[] subject = numbered('o', subject(i, subjects));
        byte[] data = new byte[DATA_HEAD.length + subject.length + DATA_TAIL.length];
        System.arraycopy(DATA_HEAD, 0, data, 0, DATA_HEAD.length);
        System.arraycopy(subject, 0, data, DATA_HEAD.length, subject.length);
        System.arraycopy(DATA_TAIL, 0, data, DATA_HEAD.length + subject.length, DATA_TAIL.length);
        Map<byte[], byte[]> body = new LinkedHashMap<>();
        body.put(F_TYPE, V_TYPE);
        body.put(F_SUBJECT, subject);
        body.put(F_ID, numbered('e', i));
        body.put(F_DATA, data);
        if (ts >= 0) {
            body.put(F_TS, bytes(Long.toString(ts)));
        }
        return body;
    }

    /** The number of event {@code i}'s subject. */
    static long subject(long i, long subjects) {
        return subjects > 0 ? i % subjects : i;
    }

    /** The event's index {@code i} from its id {@code e-NNNNNNNN}, or -1 when it has another form. */
    static long index(String id) {
        if (id == null || id.length() != 10 || id.charAt(0) != 'e' || id.charAt(1) != '-') {
            return -1;
        }
        long v = 0;
        for (int k = 2; k < 10; k++) {
            char c = id.charAt(k);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** {@link #index(String)} of a raw {@code id} field. */
    static long index(byte[] id) {
        if (id == null || id.length != 10 || id[0] != 'e' || id[1] != '-') {
            return -1;
        }
        long v = 0;
        for (int k = 2; k < 10; k++) {
            if (id[k] < '0' || id[k] > '9') {
                return -1;
            }
            v = v * 10 + (id[k] - '0');
        }
        return v;
    }

    /** {@code x-NNNNNNNN}: the letter, a dash and {@code i mod 10^8} in eight digits. */
    private static byte[] numbered(char letter, long i) {
        byte[] b = new byte[10];
        b[0] = (byte) letter;
        b[1] = '-';
        long n = i % 100_000_000;
        for (int k = 9; k >= 2; k--) {
            b[k] = (byte) ('0' + n % 10);
            n /= 10;
        }
        return b;
    }

    /** A JSON order document of exactly {@code size} bytes. */
    private static String payload(String orderId, int size) {
        String head = "{\"orderId\":\"" + orderId + "\",\"walletId\":\"w-00042\",\"amountCents\":1250,"
                + "\"currency\":\"EUR\",\"createdAt\":\"2026-11-26T10:50:00Z\",\"items\":[{\"sku\":\"SKU-1001\","
                + "\"qty\":2,\"priceCents\":500},{\"sku\":\"SKU-2002\",\"qty\":1,\"priceCents\":250}],\"note\":\"";
        String tail = "\"}";
        int pad = size - head.length() - tail.length();
        if (pad < 0) {
            throw new IllegalStateException("payload template longer than " + size + " bytes");
        }
        char[] fill = new char[pad];
        Arrays.fill(fill, 'x');
        return head + new String(fill) + tail;
    }

    /** The value of one field of a raw entry, or {@code null} (Lettuce's byte[] maps compare keys by identity). */
    static byte[] field(Map<byte[], byte[]> body, byte[] name) {
        for (Map.Entry<byte[], byte[]> e : body.entrySet()) {
            if (Arrays.equals(e.getKey(), name)) {
                return e.getValue();
            }
        }
        return null;
    }

    static long parseTs(byte[] raw) {
        if (raw == null) {
            return -1;
        }
        long v = 0;
        for (byte b : raw) {
            if (b < '0' || b > '9') {
                return -1;
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
