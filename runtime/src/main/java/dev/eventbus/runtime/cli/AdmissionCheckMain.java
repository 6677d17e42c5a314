package dev.eventbus.runtime.cli;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.plugin.AdmissionCheck;
import dev.eventbus.runtime.plugin.AdmissionTimeoutException;
import dev.eventbus.runtime.plugin.PluginFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The entry point of the plugin build's admission check ({@code eventbus-plugin-parent} runs it at
 * {@code verify} with {@code exec:java}): {@link AdmissionCheck} on each JAR, with this runtime's
 * plugin-api version. A refusal throws, so the build fails with the runtime's reason, except one:
 * a handler's start hook failing only because a key the plugin's {@code reference.conf} declares
 * {@code null} is unset. That is how a plugin says "the operator must set this"; the JAR is fine,
 * so the build prints a note naming the key instead. A JAR whose start does not return within
 * {@code --stall-timeout} (by default {@code admin.stall-timeout}'s, after which {@code run}'s
 * liveness fails while it loads plugins) fails the build too, naming the plugin's code that did not
 * return, as {@code config check} does: the build would otherwise hang for ever. The build prints
 * these findings only: the throwaway hosts' own log (a plugin started, unloaded; a refusal, which
 * the finding names already) is left out as in {@code config check} ({@link ThrowawayHostLog}),
 * warnings and errors of the plugin's own code stay. Stateless.
 */
public final class AdmissionCheckMain {

    /** Typesafe Config's message for a null value read as another type (ConfigException.Null). */
    private static final Pattern SET_TO_NULL =
            Pattern.compile("start\\(config\\) failed: .*Configuration key '([^']+)' is set to null");

    private static final String STALL_TIMEOUT = "--stall-timeout=";
    /** The plugin parent's property that sets {@link #STALL_TIMEOUT}, as findings name it. */
    private static final String STALL_TIMEOUT_PROPERTY = "eventbus.admission-check.stall-timeout";

    private AdmissionCheckMain() {}

    /**
     * @param args {@code --stall-timeout=<duration>} (optional, as the config file writes one:
     *     {@code 2m}, {@code 30s}), then the plugin JARs to check
     * @throws IllegalStateException naming every refusal as the runtime records it, and every JAR
     *     whose start did not return in time
     * @throws IllegalArgumentException on arguments it cannot read
     */
    public static void main(String[] args) throws InterruptedException {
        Duration bound = ConfigFactory.defaultReference().getDuration("eventbus.admin.stall-timeout");
        List<Path> jars = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith(STALL_TIMEOUT)) {
                bound = duration(arg.substring(STALL_TIMEOUT.length()));
            } else if (arg.startsWith("--")) {
                throw new IllegalArgumentException(
                        "unknown option " + arg + "; usage: AdmissionCheckMain [--stall-timeout=2m] <plugin JAR>...");
            } else {
                jars.add(Path.of(arg));
            }
        }
        if (jars.isEmpty()) {
            throw new IllegalArgumentException("usage: AdmissionCheckMain [--stall-timeout=2m] <plugin JAR>...");
        }
        List<String> refused = new ArrayList<>();
        List<String> hung = new ArrayList<>();
        try (ThrowawayHostLog quiet = ThrowawayHostLog.quiet()) {
            for (Path jar : jars) {
                check(jar, bound, refused, hung);
            }
        }
        List<String> findings = new ArrayList<>();
        if (!refused.isEmpty()) {
            findings.add("the runtime would refuse it: " + String.join("; ", refused));
        }
        if (!hung.isEmpty()) {
            findings.add("it would hang run's start-up: " + String.join("; ", hung));
        }
        if (!findings.isEmpty()) {
            throw new IllegalStateException(String.join("; ", findings));
        }
    }

    private static void check(Path jar, Duration bound, List<String> refused, List<String> hung)
            throws InterruptedException {
        String name = jar.getFileName().toString();
        List<PluginFailure> found;
        try {
            found = AdmissionCheck.check(
                    jar,
                    Versions.pluginApi(),
                    id -> ConfigFactory.empty(),
                    handler -> {},
                    bound,
                    () -> System.out.println("eventbus admission check: " + name + ": still starting after "
                            + PluginConfigCheck.shown(AdmissionCheck.STILL_WAITING_AFTER) + "; it counts as hung after "
                            + PluginConfigCheck.shown(bound) + " (" + STALL_TIMEOUT_PROPERTY + ")"));
        } catch (AdmissionTimeoutException stuck) {
            // Its thread stays stuck (nothing stops a plugin's code safely); the next JAR is checked.
            hung.add(name + ": "
                    + stuck.describe("within " + PluginConfigCheck.shown(bound) + " (" + STALL_TIMEOUT_PROPERTY
                            + "; run's liveness fails after eventbus.admin.stall-timeout while it loads plugins)"));
            return;
        }
        List<PluginFailure> failures = new ArrayList<>();
        boolean toSet = false;
        for (PluginFailure f : found) {
            Matcher unset = SET_TO_NULL.matcher(f.reason());
            if (f.pluginId() != null && unset.find()) {
                System.out.println("eventbus admission check: " + name + " (plugin " + f.pluginId()
                        + "): operators must set eventbus.plugins." + f.pluginId() + "." + unset.group(1)
                        + " (its reference.conf leaves it null, and the runtime refuses the handler until it is "
                        + "set: " + f.reason() + ")");
                toSet = true;
            } else {
                failures.add(f);
            }
        }
        if (failures.isEmpty()) {
            System.out.println(
                    "eventbus admission check: " + name + " is admitted" + (toSet ? " once those keys are set" : ""));
        }
        failures.forEach(f -> refused.add(f.toString()));
    }

    /** A duration as the config file writes one, positive. */
    private static Duration duration(String value) {
        Duration d;
        try {
            d = ConfigFactory.parseMap(Map.of("d", value)).getDuration("d");
        } catch (ConfigException e) {
            throw new IllegalArgumentException(STALL_TIMEOUT + value + " (" + STALL_TIMEOUT_PROPERTY
                    + "): not a duration; write one as the config file does, 2m or 30s");
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(
                    STALL_TIMEOUT + value + " (" + STALL_TIMEOUT_PROPERTY + "): must be positive");
        }
        return d;
    }
}
