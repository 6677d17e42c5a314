package dev.eventbus.runtime.cli;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The arguments of the plugin build's admission check: {@code --stall-timeout=<duration>}
 * (optional), then the plugin JARs.
 *
 * @param bound how long the check waits for a JAR's start ({@code --stall-timeout})
 * @param jars the plugin JARs to check, at least one
 */
record AdmissionCheckOptions(Duration bound, List<Path> jars) {

    static final String STALL_TIMEOUT = "--stall-timeout=";
    /** The plugin parent's property that sets {@link #STALL_TIMEOUT}, as findings name it. */
    static final String STALL_TIMEOUT_PROPERTY = "eventbus.admission-check.stall-timeout";

    static final String USAGE = "usage: AdmissionCheckMain [--stall-timeout=2m] <plugin JAR>...";

    /**
     * @throws IllegalArgumentException on arguments it cannot read
     */
    static AdmissionCheckOptions parse(String[] args) {
        Duration bound = null;
        List<Path> jars = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith(STALL_TIMEOUT)) {
                bound = duration(arg.substring(STALL_TIMEOUT.length()));
            } else if (arg.startsWith("--")) {
                throw new IllegalArgumentException("unknown option " + arg + "; " + USAGE);
            } else {
                jars.add(Path.of(arg));
            }
        }
        if (jars.isEmpty()) {
            throw new IllegalArgumentException(USAGE);
        }
        return new AdmissionCheckOptions(bound == null ? defaultBound() : bound, List.copyOf(jars));
    }

    /** The arguments that give these options again, for the JVM that runs the check. */
    List<String> args() {
        List<String> args = new ArrayList<>();
        args.add(STALL_TIMEOUT + bound.toMillis() + "ms");
        jars.forEach(jar -> args.add(jar.toString()));
        return args;
    }

    /**
     * {@code admin.stall-timeout}'s default, read from the runtime's own {@code reference.conf}
     * alone: the class path of the plugin's build also holds the plugin's {@code reference.conf}
     * (its {@code target/classes}), and reading them all stopped the check at a plugin's broken one,
     * with Typesafe Config's message and stack trace, before the check reached the JAR and said it
     * the runtime's way (found from outside).
     */
    private static Duration defaultBound() {
        String runtime = AdmissionCheckOptions.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toString();
        try {
            for (URL url : Collections.list(
                    AdmissionCheckOptions.class.getClassLoader().getResources("reference.conf"))) {
                if (url.toString().contains(runtime)) {
                    try (Reader reader = new InputStreamReader(url.openStream(), StandardCharsets.UTF_8)) {
                        return ConfigFactory.parseReader(reader).getDuration("eventbus.admin.stall-timeout");
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the runtime's reference.conf cannot be read", e);
        }
        throw new IllegalStateException("no reference.conf of the runtime's own in " + runtime);
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
