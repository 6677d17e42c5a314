package dev.eventbus.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A value Typesafe Config could not read as asked, said as every other problem is: the full key, what it
 * must be, the value as written and where ({@code eventbus.consumer.read-ahead must be a number, was "abc"
 * (conf/application.conf: 5)}). Typesafe's own words named the key relative to the section it was read
 * from ({@code consumer.read-ahead has type STRING rather than NUMBER}), and put the origin first (found
 * from outside). Stateless.
 */
final class ValueProblems {

    private static final Pattern WRONG_TYPE = Pattern.compile("(.+) has type (.+) rather than (.+)");
    private static final Pattern BAD_VALUE = Pattern.compile("Invalid value at '(.+)': (.+)", Pattern.DOTALL);

    private ValueProblems() {}

    /**
     * @param e what a getter threw
     * @param merged the whole configuration read, in which the full key is looked for: the value at a
     *     path ending with the one in the message, of the same origin
     * @return the problem, or Typesafe's message when it is of another kind
     */
    static String of(ConfigException e, Config merged) {
        String message = e.getMessage();
        if (e.origin() != null && message.startsWith(e.origin().description() + ": ")) {
            message = message.substring(e.origin().description().length() + 2);
        }
        Matcher wrong = WRONG_TYPE.matcher(message);
        Matcher bad = BAD_VALUE.matcher(message);
        String relative;
        String mustBe;
        if (e instanceof ConfigException.WrongType && wrong.matches()) {
            relative = wrong.group(1);
            mustBe = "must be " + expected(wrong.group(3), wrong.group(2));
        } else if (e instanceof ConfigException.BadValue && bad.matches()) {
            relative = bad.group(1);
            mustBe = badValue(bad.group(2));
        } else {
            return e.getMessage();
        }
        Map.Entry<String, ConfigValue> found = find(merged, relative, e);
        if (found == null) {
            return relative + " " + mustBe + " ("
                    + (e.origin() == null ? "unknown origin" : e.origin().description()) + ")";
        }
        return mustBe(found.getKey(), mustBe, found.getValue());
    }

    /** A value of the wrong type for the reference's: {@code <key> must be a number, was true (<where>)}. */
    static String wrongType(String key, ConfigValueType expected, ConfigValue written) {
        return mustBe(
                key, "must be " + expected(expected.name(), written.valueType().name()), written);
    }

    private static String mustBe(String key, String mustBe, ConfigValue written) {
        return key + " " + mustBe + ", was " + shown(written) + " (" + UnknownKeys.where(written) + ")";
    }

    /** The value as written; a section or a long list is not spelt out. */
    static String shown(ConfigValue value) {
        if (value.valueType() == ConfigValueType.OBJECT) {
            return "a section";
        }
        String rendered = value.render(ConfigRenderOptions.concise());
        return rendered.length() > 80 ? rendered.substring(0, 77) + "..." : rendered;
    }

    /** What a type of Typesafe's words (NUMBER, 32-bit integer) asks for. */
    private static String expected(String expected, String actual) {
        return switch (expected) {
            case "NUMBER" -> "a number";
            case "BOOLEAN" -> "true or false";
            case "STRING" -> "a string";
            case "LIST" -> "a list";
            case "OBJECT" -> "a section";
            case "32-bit integer" -> "a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
            case "64-bit long" -> "a whole number from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE;
            default -> expected.toLowerCase(Locale.ROOT);
        };
    }

    /** What a value that did not parse must be, from Typesafe's reason. */
    private static String badValue(String reason) {
        if (reason.contains("time unit") || reason.contains("duration")) {
            return "must be a duration, a number and a unit (ns, us, ms, s, m, h, d) such as 5s or 500ms";
        }
        if (reason.contains("size-in-bytes") || reason.contains("size unit")) {
            return "must be a size, a number of bytes with or without a unit (B, K, KiB, MB, MiB, G, ...) such as "
                    + "64MiB";
        }
        String said = reason.isEmpty() ? reason : Character.toLowerCase(reason.charAt(0)) + reason.substring(1);
        return "cannot be read: " + said;
    }

    /**
     * The full key of the value at {@code relative} in the section a getter read, and the value: the path
     * of {@code merged} that ends with it and holds a value of the exception's origin (the key under
     * {@code eventbus} first). A value in a list (an allow-list entry's) is not found: null.
     */
    private static Map.Entry<String, ConfigValue> find(Config merged, String relative, ConfigException e) {
        if (merged == null || e.origin() == null) {
            return null;
        }
        String origin = e.origin().description();
        try {
            ConfigValue direct = merged.getValue("eventbus." + relative); // a section too, which entrySet passes
            if (direct.origin() != null && origin.equals(direct.origin().description())) {
                return Map.entry("eventbus." + relative, direct);
            }
        } catch (ConfigException notThere) {
            // not under eventbus as it is: a section read from elsewhere (a handler's, a service's)
        }
        for (Map.Entry<String, ConfigValue> entry : merged.entrySet()) {
            String path = entry.getKey();
            boolean ends = path.equals(relative) || path.endsWith("." + relative);
            if (ends
                    && entry.getValue().origin() != null
                    && origin.equals(entry.getValue().origin().description())) {
                return entry;
            }
        }
        return null;
    }
}
