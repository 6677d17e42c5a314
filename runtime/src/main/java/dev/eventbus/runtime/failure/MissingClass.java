package dev.eventbus.runtime.failure;

import java.util.regex.Pattern;

/**
 * Says of a handler's failure that is a class its plugin JAR lacks ({@link NoClassDefFoundError}
 * with the class's name, as the JVM throws it the first time code needs the class) what it is:
 * the JVM's own message is only the class's internal name ({@code com/acme/Rates}), read as
 * anything but "the JAR is incomplete", and such an event fails on every attempt until the JAR is
 * fixed. The failure itself is unchanged (still a failure of {@code handle()}, retried as any
 * other); only what the retry log line and the dead letter say of it. Stateless.
 */
public final class MissingClass {

    /** The JVM's message of a class it cannot find: its internal or binary name, nothing else. */
    private static final Pattern CLASS_NAME =
            Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*([/.][\\p{L}_$][\\p{L}\\p{N}_$]*)+");

    private MissingClass() {}

    /**
     * @return what to say of the failure when it is a class missing from the plugin JAR, or null
     *     (a class whose static initializer failed before, "Could not initialize class ...", is not)
     */
    public static String reason(Throwable error) {
        if (!(error instanceof NoClassDefFoundError) || error.getMessage() == null) {
            return null;
        }
        String name = error.getMessage().strip();
        if (!CLASS_NAME.matcher(name).matches()) {
            return null;
        }
        return "plugin JAR is missing class " + name.replace('/', '.')
                + " (NoClassDefFoundError): fix the JAR (pack every class the handler needs into it) and reload"
                + " the plugin";
    }

    /** {@link #reason} when the failure is a class missing from the plugin JAR, else {@code otherwise}. */
    public static String reasonOr(Throwable error, String otherwise) {
        String missing = reason(error);
        return missing != null ? missing : otherwise;
    }
}
