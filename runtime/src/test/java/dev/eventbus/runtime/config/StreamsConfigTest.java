package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.producer.PartitionedStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code eventbus.streams}: partitioned streams and their checks. */
class StreamsConfigTest {

    @Test
    void noStreamIsPartitionedUnlessDeclared() {
        RuntimeConfig c = load("");
        assertTrue(c.partitionedStreams().isEmpty());
        assertEquals(List.of("orders"), c.streamKeys("orders"));
    }

    @Test
    void aDeclaredStreamExpandsIntoItsPartitionKeys() {
        RuntimeConfig c = load("eventbus.streams { orders { partitions = 3 }, \"audit.log\" { partitions = 1 } }");
        assertEquals(
                Map.of(
                        "orders",
                        new PartitionedStream("orders", 3),
                        "audit.log",
                        new PartitionedStream("audit.log", 1)),
                c.partitionedStreams());
        assertEquals(List.of("{orders:0/3}", "{orders:1/3}", "{orders:2/3}"), c.streamKeys("orders"));
        assertEquals(List.of("{audit.log:0/1}"), c.streamKeys("audit.log"));
        assertEquals(List.of("wallet"), c.streamKeys("wallet"));
    }

    @Test
    void countOutOfRangeMissingOrUnparsableAndUnknownKeysAreErrorsNamingTheKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                eventbus.streams {
                  a { partitions = 0 }
                  b { partitions = 1025 }
                  c { }
                  d { partitions = eight }
                  e { partitions = 2, partition = 4 }
                }
                """));
        List<String> problems = e.problems();
        assertEquals(5, problems.size(), e.getMessage());
        assertTrue(
                problems.stream()
                        .anyMatch(p ->
                                p.startsWith("eventbus.streams.a: stream 'a': partitions must be in 1..1024, was 0")),
                e.getMessage());
        assertTrue(
                problems.stream()
                        .anyMatch(p -> p.startsWith(
                                "eventbus.streams.b: stream 'b': partitions must be in 1..1024, was 1025")),
                e.getMessage());
        assertTrue(
                problems.contains(
                        "eventbus.streams.c.partitions is missing: say how many partitions the stream has, e.g. 8"),
                e.getMessage());
        assertTrue(
                problems.stream().anyMatch(p -> p.contains("eventbus.streams.d.partitions must be a number, was ")),
                e.getMessage());
        assertTrue(
                problems.stream().anyMatch(p -> p.startsWith("unknown key 'eventbus.streams.e.partition'")),
                e.getMessage());
    }

    @Test
    void drainingLayoutsAreReadFirstAndMapBackToTheLogicalName() {
        RuntimeConfig c = load("eventbus.streams { orders { partitions = 3, draining = [2] } }");
        assertEquals(List.of(new PartitionedStream("orders", 2)), c.draining("orders"));
        assertEquals(
                List.of("{orders:0/2}", "{orders:1/2}", "{orders:0/3}", "{orders:1/3}", "{orders:2/3}"),
                c.streamKeys("orders"));
        assertEquals(java.util.Optional.of("orders"), c.logicalStreamOf("{orders:1/2}"));
        assertEquals(java.util.Optional.of("orders"), c.logicalStreamOf("{orders:2/3}"));
        assertEquals(java.util.Optional.empty(), c.logicalStreamOf("{orders:2/4}"));
    }

    @Test
    void drainingTheCurrentCountATwiceListedOrAnInvalidCountIsAnError() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                eventbus.streams {
                  a { partitions = 4, draining = [4] }
                  b { partitions = 4, draining = [2, 2] }
                  c { partitions = 4, draining = [0] }
                }
                """));
        List<String> problems = e.problems();
        assertEquals(3, problems.size(), e.getMessage());
        assertTrue(
                problems.get(0).startsWith("eventbus.streams.a.draining holds 4, the current partition count"),
                e.getMessage());
        assertTrue(problems.get(1).startsWith("eventbus.streams.b.draining holds 2 twice"), e.getMessage());
        assertTrue(
                problems.get(2).startsWith("eventbus.streams.c.draining: stream 'c': partitions must be in"),
                e.getMessage());
    }

    /** A fraction was cut down: 2.5 passed config check and producers wrote to {wallet:1/2}. */
    @Test
    void aFractionalCountIsAnErrorNotCutDown() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                eventbus.streams {
                  a { partitions = 2.5 }
                  b { partitions = 4, draining = [4.5] }
                  c { partitions = 8.9 }
                }
                """));
        List<String> problems = e.problems();
        assertEquals(3, problems.size(), e.getMessage());
        assertTrue(
                problems.get(0)
                        .startsWith("eventbus.streams.a.partitions must be a whole number from 1 to 1024, was 2.5"),
                e.getMessage());
        assertTrue(
                problems.get(1)
                        .startsWith("eventbus.streams.b.draining must be a whole number from 1 to 1024, was 4.5"),
                e.getMessage());
        assertTrue(
                problems.get(2)
                        .startsWith("eventbus.streams.c.partitions must be a whole number from 1 to 1024, was 8.9"),
                e.getMessage());
    }

    @Test
    void aWholeCountWrittenWithADecimalPointIsThatCount() {
        RuntimeConfig c = load("eventbus.streams { orders { partitions = 4.0, draining = [2.0] } }");
        assertEquals(new PartitionedStream("orders", 4), c.partitionedStreams().get("orders"));
        assertEquals(List.of(new PartitionedStream("orders", 2)), c.draining("orders"));
    }

    /** Found from outside: {@code wallet = 8} gave Typesafe Config's "has type NUMBER rather than OBJECT". */
    @Test
    void aValueWhereAStreamsSectionBelongsSaysWhatIsExpected() {
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> load("eventbus.streams { wallet = 8, \"audit.log\" = eight, orders { partitions = 2 } }"));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(
                e.problems()
                        .contains("eventbus.streams.wallet is a section, not a number: set its keys (draining, "
                                + "partitions) under it, e.g. streams { wallet { partitions = 8 } } (String: 1)"),
                e.getMessage());
        assertTrue(
                e.problems()
                        .contains(
                                "eventbus.streams.\"audit.log\" is a section, not a string: set its keys (draining, "
                                        + "partitions) under it, e.g. streams { \"audit.log\" { partitions = 8 } } (String: 1)"),
                e.getMessage());
        assertTrue(refusedOnly("eventbus.streams { wallet = 16 }")
                .contains("e.g. streams { wallet { partitions = 16 } }"));
    }

    private static String refusedOnly(String hocon) {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load(hocon));
        assertEquals(1, e.problems().size(), e.getMessage());
        return e.problems().get(0);
    }

    @Test
    void aNameWithBracesIsRefused() {
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class, () -> load("eventbus.streams { \"or{d}ers\" { partitions = 2 } }"));
        assertTrue(e.getMessage().contains("may not hold '{' or '}'"), e.getMessage());
    }

    private static RuntimeConfig load(String hocon) {
        return ConfigLoader.load(Optional.empty(), ConfigFactory.parseString(hocon));
    }
}
