package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.plugin.AdmissionCheck;
import dev.eventbus.runtime.plugin.PluginFailure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The entry point of the plugin build's admission check ({@code eventbus-plugin-parent} runs it at
 * {@code verify} with {@code exec:java}): {@link AdmissionCheck} on each JAR, with this runtime's
 * plugin-api version. A refusal throws, so the build fails with the runtime's reason, except one:
 * a handler's start hook failing only because a key the plugin's {@code reference.conf} declares
 * {@code null} is unset. That is how a plugin says "the operator must set this"; the JAR is fine,
 * so the build prints a note naming the key instead. The build prints these findings only: the
 * throwaway hosts' own log (a plugin started, unloaded; a refusal, which the finding names already)
 * is left out as in {@code config check} ({@link ThrowawayHostLog}), warnings and errors of the
 * plugin's own code stay. Stateless.
 */
public final class AdmissionCheckMain {

    /** Typesafe Config's message for a null value read as another type (ConfigException.Null). */
    private static final Pattern SET_TO_NULL =
            Pattern.compile("start\\(config\\) failed: .*Configuration key '([^']+)' is set to null");

    private AdmissionCheckMain() {}

    /**
     * @param args the plugin JARs to check
     * @throws IllegalStateException naming every refusal as the runtime records it
     */
    public static void main(String[] args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: AdmissionCheckMain <plugin JAR>...");
        }
        List<String> refused = new ArrayList<>();
        try (ThrowawayHostLog quiet = ThrowawayHostLog.quiet()) {
            check(args, refused);
        }
        if (!refused.isEmpty()) {
            throw new IllegalStateException("the runtime would refuse it: " + String.join("; ", refused));
        }
    }

    private static void check(String[] args, List<String> refused) {
        for (String arg : args) {
            Path jar = Path.of(arg);
            List<PluginFailure> failures = new ArrayList<>();
            boolean toSet = false;
            for (PluginFailure f : AdmissionCheck.check(jar, Versions.pluginApi())) {
                Matcher unset = SET_TO_NULL.matcher(f.reason());
                if (f.pluginId() != null && unset.find()) {
                    System.out.println("eventbus admission check: " + jar.getFileName() + " (plugin " + f.pluginId()
                            + "): operators must set eventbus.plugins." + f.pluginId() + "." + unset.group(1)
                            + " (its reference.conf leaves it null, and the runtime refuses the handler until it is "
                            + "set: " + f.reason() + ")");
                    toSet = true;
                } else {
                    failures.add(f);
                }
            }
            if (failures.isEmpty()) {
                System.out.println("eventbus admission check: " + jar.getFileName() + " is admitted"
                        + (toSet ? " once those keys are set" : ""));
            }
            failures.forEach(f -> refused.add(f.toString()));
        }
    }
}
