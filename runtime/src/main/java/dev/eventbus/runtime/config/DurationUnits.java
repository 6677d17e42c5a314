package dev.eventbus.runtime.config;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

/**
 * Whether a duration value was written without a unit. Typesafe Config reads {@code 5} (or
 * {@code "5"}, as {@code -D} properties and environment variables give it) as 5 milliseconds, so
 * {@code shutdown-grace = 5} meant 5 ms, not the 5 s its writer most likely meant, in silence.
 * Stateless.
 */
final class DurationUnits {

    static final String PROBLEM = "a duration needs a unit, e.g. 5s or 500ms";

    private DurationUnits() {}

    /** @param value a value Typesafe Config read as a duration */
    static boolean missing(ConfigValue value) {
        if (value.valueType() == ConfigValueType.NUMBER) {
            return true;
        }
        if (value.valueType() != ConfigValueType.STRING) {
            return false;
        }
        // As Typesafe parses it: the unit is the letters at the end, and none means milliseconds.
        String text = ((String) value.unwrapped()).strip();
        return !text.isEmpty() && !Character.isLetter(text.charAt(text.length() - 1));
    }

    /**
     * A duration as one would write it: {@code 10s}, {@code -10s}, {@code 1500ms}, {@code 2m}, in the
     * largest unit that says it whole.
     */
    static String shown(java.time.Duration d) {
        String sign = d.isNegative() ? "-" : "";
        java.time.Duration a = d.abs();
        long nanos;
        try {
            nanos = a.toNanos();
        } catch (ArithmeticException e) {
            return sign + a.toSeconds() + "s"; // beyond 292 years: whole seconds say it
        }
        if (nanos == 0) {
            return "0s";
        }
        long[] sizes = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        String[] units = {"d", "h", "m", "s", "ms", "us"};
        for (int i = 0; i < sizes.length; i++) {
            if (nanos % sizes[i] == 0) {
                return sign + nanos / sizes[i] + units[i];
            }
        }
        return sign + nanos + "ns";
    }
}
