package dev.eventbus.runtime.cli;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.plugin.AdmissionCheck;
import dev.eventbus.runtime.plugin.AdmissionTimeoutException;
import dev.eventbus.runtime.plugin.PluginFailure;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The plugin build's admission check itself, in the JVM {@link AdmissionCheckMain} starts for it:
 * {@link AdmissionCheck} on each JAR, with this runtime's plugin-api version, and one verdict for
 * all of them. A refusal is a finding, except one: a handler's start hook failing only because a
 * key the plugin's {@code reference.conf} declares {@code null} is unset. That is how a plugin says
 * "the operator must set this"; the JAR is fine, so the check prints a note naming the key
 * instead. A JAR whose start does not return within the bound (by default {@code
 * admin.stall-timeout}'s, after which {@code run}'s liveness fails while it loads plugins) is a
 * finding too, naming the plugin's code that did not return, as {@code config check} does. It
 * prints these findings only: the throwaway hosts' own log (a plugin started, unloaded; a refusal,
 * which the finding names already) is left out as in {@code config check} ({@link
 * ThrowawayHostLog}), warnings and errors of the plugin's own code stay. Stateless.
 */
public final class AdmissionCheckRun {

    /** Typesafe Config's message for a null value read as another type (ConfigException.Null). */
    private static final Pattern SET_TO_NULL =
            Pattern.compile("start\\(config\\) failed: .*Configuration key '([^']+)' is set to null");

    /** The verdict file's first line when every JAR is admitted; else {@link #REFUSED} and the findings. */
    static final String ADMITTED = "admitted";

    static final String REFUSED = "refused";

    private static final String VERDICT = "--verdict=";

    private AdmissionCheckRun() {}

    /**
     * The forked JVM's entry: writes the verdict and halts, whatever threads the plugins left
     * running (a plugin whose start never returns, or that started threads that are not daemons,
     * would otherwise keep this JVM, and the build, waiting). An exit the plugins call meanwhile is
     * refused ({@link ExitRefusal}): it becomes the verdict.
     *
     * @param args {@code --verdict=<file>}, then the {@link AdmissionCheckOptions}
     */
    public static void main(String[] args) {
        Path verdict = Path.of(args[0].substring(VERDICT.length()));
        int status;
        try (ExitRefusal refusal = ExitRefusal.arm("eventbus admission check", line -> {
            System.err.println(line);
            System.err.flush();
            write(verdict, REFUSED + "\n" + line.substring("eventbus admission check: ".length()));
        })) {
            Optional<String> findings =
                    findings(AdmissionCheckOptions.parse(Arrays.copyOfRange(args, 1, args.length)), refusal::checking);
            write(verdict, findings.map(f -> REFUSED + "\n" + f).orElse(ADMITTED));
            status = findings.isPresent() ? 1 : 0;
        } catch (RuntimeException | InterruptedException e) {
            e.printStackTrace();
            write(verdict, REFUSED + "\nthe check failed: " + e);
            status = 1;
        }
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(status);
    }

    static String verdictOption(Path file) {
        return VERDICT + file;
    }

    /** Written whole or not at all: the reader never sees half a verdict. */
    private static void write(Path verdict, String text) {
        try {
            Path part = verdict.resolveSibling(verdict.getFileName() + ".part");
            Files.writeString(part, text, StandardCharsets.UTF_8);
            Files.move(part, verdict, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("eventbus admission check: cannot write its verdict to " + verdict + ": " + e);
        }
    }

    /**
     * Checks each JAR in this JVM, printing notes (and the wait for a slow start) to standard output.
     *
     * @param checking told the name of each JAR before its check
     * @return the findings that fail the build, in one line; empty when every JAR is admitted
     */
    static Optional<String> findings(AdmissionCheckOptions options, Consumer<String> checking)
            throws InterruptedException {
        List<String> refused = new ArrayList<>();
        List<String> hung = new ArrayList<>();
        try (ThrowawayHostLog quiet = ThrowawayHostLog.quiet()) {
            for (Path jar : options.jars()) {
                checking.accept(jar.getFileName().toString());
                check(jar, options, refused, hung, System.out);
            }
        }
        List<String> findings = new ArrayList<>();
        if (!refused.isEmpty()) {
            findings.add("the runtime would refuse it: " + String.join("; ", refused));
        }
        if (!hung.isEmpty()) {
            findings.add("it would hang run's start-up: " + String.join("; ", hung));
        }
        return findings.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", findings));
    }

    private static void check(
            Path jar, AdmissionCheckOptions options, List<String> refused, List<String> hung, PrintStream out)
            throws InterruptedException {
        String name = jar.getFileName().toString();
        String property = AdmissionCheckOptions.STALL_TIMEOUT_PROPERTY;
        List<PluginFailure> found;
        try {
            found = AdmissionCheck.check(
                    jar,
                    Versions.pluginApi(),
                    id -> ConfigFactory.empty(),
                    handler -> {},
                    options.bound(),
                    () -> out.println("eventbus admission check: " + name + ": still starting after "
                            + PluginConfigCheck.shown(AdmissionCheck.STILL_WAITING_AFTER) + "; it counts as hung after "
                            + PluginConfigCheck.shown(options.bound()) + " (" + property + ")"));
        } catch (AdmissionTimeoutException stuck) {
            // Its thread stays stuck (nothing stops a plugin's code safely); the next JAR is checked.
            hung.add(name + ": "
                    + stuck.describe("within " + PluginConfigCheck.shown(options.bound()) + " (" + property
                            + "; run's liveness fails after eventbus.admin.stall-timeout while it loads plugins)"));
            return;
        }
        List<PluginFailure> failures = new ArrayList<>();
        boolean toSet = false;
        for (PluginFailure f : found) {
            Matcher unset = SET_TO_NULL.matcher(f.reason());
            if (f.pluginId() != null && unset.find()) {
                out.println("eventbus admission check: " + name + " (plugin " + f.pluginId()
                        + "): operators must set eventbus.plugins." + f.pluginId() + "." + unset.group(1)
                        + " (its reference.conf leaves it null, and the runtime refuses the handler until it is "
                        + "set: " + f.reason() + ")");
                toSet = true;
            } else {
                failures.add(f);
            }
        }
        if (failures.isEmpty()) {
            out.println(
                    "eventbus admission check: " + name + " is admitted" + (toSet ? " once those keys are set" : ""));
        }
        failures.forEach(f -> refused.add(f.toString()));
    }
}
