package dev.eventbus.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The test vectors of the README ("Partitioned streams"): a producer in another language checks itself against the same rows. */
class SubjectHashTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            emptyValue = "",
            value = {
                "order-17    | 5aea0614 | 4 | 8 | 532",
                "customer:42 | 50941de0 | 0 | 4 | 480",
                "Grüße       | fbd37071 | 1 | 9 | 113",
                "a           | e8b7be43 | 3 | 3 | 579",
                "''          | 00000000 | 0 | 0 | 0",
            })
    void readmeVectors(String subject, String crcHex, int of8, int of12, int of1024) {
        assertEquals(Long.parseLong(crcHex, 16), SubjectHash.crc32(subject));
        assertEquals(of8, SubjectHash.partition(subject, 8));
        assertEquals(of12, SubjectHash.partition(subject, 12));
        assertEquals(of1024, SubjectHash.partition(subject, 1024));
    }

    @Test
    void aSubjectWithoutUtf8FormIsRefusedNotHashedAsSomethingElse() {
        var e = assertThrows(IllegalArgumentException.class, () -> SubjectHash.crc32("order-\uD800"));
        assertEquals("subject is not valid Unicode (an unpaired surrogate): it has no UTF-8 form", e.getMessage());
    }

    @Test
    void onePartitionTakesEverySubject() {
        assertEquals(0, SubjectHash.partition("order-17", 1));
        assertThrows(IllegalArgumentException.class, () -> SubjectHash.partition("order-17", 0));
    }
}
