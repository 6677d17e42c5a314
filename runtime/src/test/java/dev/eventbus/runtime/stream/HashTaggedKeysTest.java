package dev.eventbus.runtime.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HashTaggedKeysTest {

    private final KeyLayout keys = new HashTaggedKeys("eventbus:dlq:");

    @Test
    void everyKeyOfASubscriptionLivesInItsStreamsSlot() {
        for (String stream :
                List.of("orders", "payments.v2", "{tenant-7}.orders", "a:b:c", "x{t}y{u}", "ünïcode", "{ab}")) {
            int slot = SlotHash.getSlot(stream);
            assertEquals(slot, SlotHash.getSlot(keys.retryDue("billing", stream)), stream);
            assertEquals(slot, SlotHash.getSlot(keys.firstFailures("billing", stream)), stream);
            assertEquals(slot, SlotHash.getSlot(keys.deadLetters("billing", stream)), stream);
        }
    }

    @Test
    void aStreamsOwnTagIsKeptSoStreamsSharingItShareOneDeadLetterStream() {
        assertEquals(
                "eventbus:retry:{tenant-7}:billing:{tenant-7}.orders", keys.retryDue("billing", "{tenant-7}.orders"));
        assertEquals(
                "eventbus:retry-first:{tenant-7}:billing:{tenant-7}.orders",
                keys.firstFailures("billing", "{tenant-7}.orders"));
        assertEquals("eventbus:dlq:{tenant-7}:billing", keys.deadLetters("billing", "{tenant-7}.orders"));
        assertEquals(
                keys.deadLetters("billing", "{tenant-7}.orders"), keys.deadLetters("billing", "{tenant-7}.refunds"));
    }

    @Test
    void aStreamWithoutATagIsItsOwnTag() {
        assertEquals("eventbus:retry:{orders}:billing:orders", keys.retryDue("billing", "orders"));
        assertEquals("eventbus:dlq:{orders}:billing", keys.deadLetters("billing", "orders"));
        assertNotEquals(keys.deadLetters("billing", "orders"), keys.deadLetters("billing", "refunds"));
    }

    @Test
    void bracesThatAreNoTagAreRefused() {
        for (String stream : List.of("a{}b", "a}b", "{}", "a{b")) {
            assertNotNull(keys.refusal(stream), stream);
            assertThrows(IllegalArgumentException.class, () -> keys.retryDue("h", stream), stream);
        }
        assertNull(keys.refusal("orders"));
        assertNull(keys.refusal("x{t}y"));
        assertNull(keys.refusal("}{x}")); // Redis hashes the first tag, x, as this layout does
    }

    /**
     * Found from outside: dead letters a deployment wrote on one node, its keys then imported into
     * a cluster, were seen by no {@code dlq} command there. The one-node stream is one more of the
     * handler's, found by the same SCAN; another handler's streams are not.
     */
    @Test
    void theOneNodeDeadLetterStreamOfAHandlerIsOneOfItsStreams() {
        List<String> stored = List.of(
                "eventbus:dlq:{orders}:billing",
                "eventbus:dlq:billing",
                "eventbus:dlq:{tenant-7}:billing",
                "eventbus:dlq:{orders}:rebilling",
                "eventbus:dlq:rebilling",
                "eventbus:dlq:{orders}:billing:x",
                "orders");
        List<String> patterns = new ArrayList<>();
        List<String> streams = keys.deadLetterStreams("billing", pattern -> {
            patterns.add(pattern);
            return stored.stream().filter(k -> glob(pattern, k)).toList();
        });
        assertEquals(
                List.of("eventbus:dlq:{orders}:billing", "eventbus:dlq:{tenant-7}:billing", "eventbus:dlq:billing"),
                streams);
        assertEquals(1, patterns.size(), "one SCAN: " + patterns);
        assertEquals("eventbus:dlq:billing", keys.oneNodeDeadLetters("billing"));
        assertEquals(
                List.of("eventbus:dlq:{orders}:billing"),
                keys.deadLetterStreams("billing", pattern -> List.of("eventbus:dlq:{orders}:billing")),
                "without the one-node stream, the cluster's own");
        assertNull(new SingleNodeKeys("eventbus:dlq:").oneNodeDeadLetters("billing"), "one node's own is its stream");
    }

    /** SCAN MATCH with {@code *} and backslash escapes, all the patterns here use. */
    private static boolean glob(String pattern, String key) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\') {
                regex.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
            } else if (c == '*') {
                regex.append(".*");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return key.matches(regex.toString());
    }
}
