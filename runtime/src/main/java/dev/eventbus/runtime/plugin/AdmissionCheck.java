package dev.eventbus.runtime.plugin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.config.PluginSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The runtime's admission of a packaged plugin JAR, run in the plugin's own build ({@code
 * eventbus-plugin-parent} binds {@code dev.eventbus.runtime.cli.AdmissionCheckMain} to {@code
 * verify}): the same {@link PluginHost} checks, in the
 * same order and with the same messages, as when the runtime loads the JAR (descriptor, bundled
 * shared libraries, PF4J load and start, config against its {@code reference.conf}, each
 * handler's creation, spec and {@code start} hook with the plugin's defaults). Only what belongs
 * to a deployment is left out: gRPC service targets (checked by {@code eventbus config check} and
 * at start) and the allow-list. Running the plugin's code is fine here: it is the plugin's own build.
 *
 * <p>Stateless; thread-safe.
 */
public final class AdmissionCheck {

    /**
     * The logger of the refusals a host records, one line each ({@code config check} prints them
     * itself, as its findings).
     */
    public static final String REFUSAL_LOGGER = Refusals.class.getName();

    /** When a bounded check says that it still waits for an admission (its {@code stillWaiting}). */
    public static final Duration STILL_WAITING_AFTER = Duration.ofSeconds(5);

    private AdmissionCheck() {}

    /**
     * Admits the JAR in a plugin host of its own (with the plugin's defaults as its config) and
     * unloads it again.
     *
     * @return every refusal the runtime would record for the JAR; empty when it is admitted whole
     */
    public static List<PluginFailure> check(Path jar, String apiVersion) {
        return check(jar, apiVersion, id -> ConfigFactory.empty());
    }

    /**
     * As {@link #check(Path, String)}, with an operator's config over the plugin's defaults ({@code
     * eventbus config check}: the start hooks get the subtree they would get at admission).
     *
     * @param operatorConfig the operator's subtree of a plugin id (empty when none)
     */
    public static List<PluginFailure> check(Path jar, String apiVersion, Function<String, Config> operatorConfig) {
        return check(jar, apiVersion, operatorConfig, handler -> {});
    }

    /**
     * As {@link #check(Path, String, Function, Consumer)}, waiting at most {@code max} for it: a
     * plugin whose code never returns while it starts (its {@code Plugin.start()}, a handler's
     * constructor or {@code start} hook) would hold the caller for ever, as it holds {@code run}'s
     * start-up (found from outside: {@code config check} hung, printing nothing). The admission runs
     * on a daemon thread of its own (threads the plugin starts from it are daemons too unless it
     * says otherwise), left where it is when the wait gives up: nothing stops a plugin's code
     * safely, and its host is not closed under it (its temporary staging directory is deleted,
     * though: see {@link PluginHost#deleteStagingOfStuckHost}). That thread's group (which the plugin's threads
     * inherit) is one of its own under the JVM's top group, not the caller's: the plugin build's
     * {@code exec:java} waits, after {@code main} ends, for every thread of its group that is not a
     * daemon, and so would wait for ever for those of a plugin left stuck.
     *
     * @param stillWaiting run once on the calling thread when the admission has not finished after
     *     {@link #STILL_WAITING_AFTER} and {@code max} is longer (so a long bound is not a silent wait)
     * @throws AdmissionTimeoutException when it did not finish within {@code max}, naming the
     *     plugin's code that did not return (and where it waits, when that is deeper)
     */
    public static List<PluginFailure> check(
            Path jar,
            String apiVersion,
            Function<String, Config> operatorConfig,
            Consumer<LoadedHandler> admitted,
            Duration max,
            Runnable stillWaiting)
            throws AdmissionTimeoutException, InterruptedException {
        record Outcome(List<PluginFailure> failures, List<LoadedHandler> admitted) {}
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        AtomicReference<PluginHost> host = new AtomicReference<>();
        Thread admission = Thread.ofPlatform()
                .name("eventbus-admission-check " + jar.getFileName())
                .group(outsideCallersGroup())
                .daemon(true)
                .start(() -> {
                    try {
                        List<LoadedHandler> handlers = new ArrayList<>();
                        List<PluginFailure> failures = check(jar, apiVersion, operatorConfig, handlers::add, host::set);
                        outcome.complete(new Outcome(failures, handlers));
                    } catch (Throwable t) {
                        outcome.completeExceptionally(t);
                    }
                });
        long deadline = System.nanoTime() + max.toNanos();
        try {
            Outcome done;
            if (max.compareTo(STILL_WAITING_AFTER) > 0) {
                try {
                    done = outcome.get(STILL_WAITING_AFTER.toNanos(), TimeUnit.NANOSECONDS);
                } catch (TimeoutException slow) {
                    stillWaiting.run();
                    done = outcome.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            } else {
                done = outcome.get(max.toNanos(), TimeUnit.NANOSECONDS);
            }
            done.admitted().forEach(admitted);
            return done.failures();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            PluginHost stuck = host.get();
            if (stuck != null) {
                stuck.deleteStagingOfStuckHost();
            }
            throw AdmissionTimeoutException.of(
                    admission.getStackTrace(), LeakedThreads.classNames(jar), "within " + max);
        }
    }

    private static ThreadGroup outsideCallersGroup() {
        ThreadGroup top = Thread.currentThread().getThreadGroup();
        while (top.getParent() != null) {
            top = top.getParent();
        }
        return new ThreadGroup(top, "eventbus-admission-check");
    }

    /**
     * As {@link #check(Path, String, Function)}, showing each handler admitted to {@code admitted}
     * before the JAR is unloaded ({@code eventbus config check} looks at the streams they read).
     */
    public static List<PluginFailure> check(
            Path jar, String apiVersion, Function<String, Config> operatorConfig, Consumer<LoadedHandler> admitted) {
        return check(jar, apiVersion, operatorConfig, admitted, host -> {});
    }

    /** As above, showing its throwaway host to {@code opened} once it is made. */
    private static List<PluginFailure> check(
            Path jar,
            String apiVersion,
            Function<String, Config> operatorConfig,
            Consumer<LoadedHandler> admitted,
            Consumer<PluginHost> opened) {
        if (!Files.isRegularFile(jar)) {
            return List.of(new PluginFailure(jar.getFileName().toString(), null, "no such file: " + jar));
        }
        // A temporary staging area and no allow-list; the reload settings are not used by the host itself.
        PluginSettings settings =
                new PluginSettings(Optional.empty(), false, Duration.ofSeconds(1), Duration.ofSeconds(1), List.of());
        try (PluginHost host = new PluginHost(
                jar.toAbsolutePath().getParent(),
                apiVersion,
                settings,
                operatorConfig,
                new HandlerSpecCheck(service -> true))) {
            opened.accept(host);
            try {
                host.install(jar);
            } catch (AdmissionException refused) {
                // Recorded with its reason, like every other refusal.
            }
            host.handlers().forEach(admitted);
            return host.failures();
        }
    }
}
