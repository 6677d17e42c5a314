package dev.eventbus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoverageTest {

    @Test
    void countsDistinctEventsDuplicatesAndForeignIds() {
        Coverage c = new Coverage(130, 0);
        for (long i = 0; i < 130; i++) {
            c.handled(i);
        }
        c.handled(64);
        c.handled(130);
        c.handled(-1);
        assertEquals(133, c.handled());
        assertEquals(130, c.distinct());
        assertEquals(1, c.duplicates());
        assertEquals(2, c.foreign());
        assertEquals(0, c.outOfOrder());
    }

    @Test
    void anEventHandledAfterALaterOneOfItsSubjectIsOutOfOrder() {
        Coverage c = new Coverage(30, 10); // events 3, 13 and 23 share subject 3
        c.handled(3);
        c.handled(4);
        c.handled(23);
        c.handled(14);
        c.handled(13);
        assertEquals(1, c.outOfOrder());
    }

    @Test
    void theBitsSurviveTheFileBetweenProcesses(@TempDir Path dir) throws Exception {
        Coverage c = new Coverage(200, 0);
        c.handled(0);
        c.handled(63);
        c.handled(64);
        c.handled(199);
        c.write(dir.resolve("c"));
        long[] words = Coverage.read(dir.resolve("c"), 200);
        assertEquals(4, words.length);
        assertEquals(1L | 1L << 63, words[0]);
        assertEquals(1L, words[1]);
        assertEquals(1L << (199 - 192), words[3]);
    }
}
