package dev.eventbus.runtime.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/**
 * A class that only {@code handle()} needs, missing from the plugin JAR, passes admission and fails
 * each event with the JVM's {@code NoClassDefFoundError: com/acme/Rates}: the retry log line and the
 * dead letter say that the plugin JAR lacks the class, and what to do (found from outside).
 */
class MissingClassTest {

    @Test
    void aClassTheJvmCannotFindIsNamedAsMissingFromThePluginJar() {
        assertEquals(
                "plugin JAR is missing class com.acme.rates.Rates$Table (NoClassDefFoundError): fix the JAR (pack"
                        + " every class the handler needs into it) and reload the plugin",
                MissingClass.reason(new NoClassDefFoundError("com/acme/rates/Rates$Table")));
    }

    @Test
    void otherFailuresAreSaidAsBefore() {
        assertNull(MissingClass.reason(new NoClassDefFoundError("Could not initialize class com.acme.Rates")));
        assertNull(MissingClass.reason(new NoClassDefFoundError()));
        assertNull(MissingClass.reason(new IllegalStateException("com/acme/Rates")));
        assertNull(MissingClass.reason(new UnsatisfiedLinkError("no rates in java.library.path")));
    }
}
