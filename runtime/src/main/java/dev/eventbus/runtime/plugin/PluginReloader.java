package dev.eventbus.runtime.plugin;

import dev.eventbus.runtime.internal.Loop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload: watches the plugins directory and applies changes while the runtime runs. A JAR is
 * acted on only when its checksum has stayed the same for the quiet period (a file still being
 * copied is never loaded; touching a file without changing it does nothing).
 * <ul>
 *   <li>A new JAR is installed and its handlers start.</li>
 *   <li>A removed JAR's handlers stop (in-flight events finish within the grace) and it is unloaded.</li>
 *   <li>A changed JAR is checked first; then the old version's subscriptions stop and drain, the old
 *       version is unloaded, the new one is installed and started. If the new version is refused,
 *       the old one is restored.</li>
 * </ul>
 *
 * <p>A plugin's code never runs after it was unloaded, and two versions never run at the same
 * time: after the shutdown grace the handlers still running are interrupted, and given their
 * {@code abandon-after} to return; their entries stay pending, and the next version takes them. A
 * worker that ignores the interrupt (or was abandoned after a timeout and still runs) holds the
 * unload back: a replaced version is restarted and keeps running, a removed one stays loaded with
 * its subscriptions stopped. The error log names each such worker (thread, handler, entry), and
 * {@link #reloadNow} fails with them. Once they have all returned, the next look at the directory
 * applies the change. Workers already abandoned after their timeout are known before anything
 * stops: a reload they would hold back is refused at once, the version reading on.
 *
 * <p>A JAR refused is acted on again when its content changes, or when another JAR that claimed
 * its plugin id or a handler name too (see {@link Claimants}) is removed or claims it no more;
 * otherwise it stays refused, and silent.
 *
 * <p>Runs on its own virtual thread; every change is applied under the host's lock.
 */
public final class PluginReloader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PluginReloader.class);

    private record Seen(long size, FileTime modified, String sha256, Instant stableSince) {}

    private final Path dir;
    private final PluginHost host;
    private final LivePluginConfig config;
    private final SubscriptionControl control;
    private final Duration pollInterval;
    private final Duration quietPeriod;
    private final Clock clock;
    private final Map<String, Seen> seen = new HashMap<>();
    private final Map<String, String> refusedSha = new HashMap<>();
    /** By JAR file: workers of the running version that hold back its unload until they return. */
    private final Map<String, List<StuckWorker>> heldBack = new HashMap<>();

    private final Loop loop;

    /**
     * @param config the operator's plugin config the host admits with: read again before each
     *     reload, so a reloaded plugin gets its changed subtree
     */
    public PluginReloader(
            Path dir,
            PluginHost host,
            LivePluginConfig config,
            SubscriptionControl control,
            Duration pollInterval,
            Duration quietPeriod,
            Clock clock) {
        this.dir = dir;
        this.host = host;
        this.config = config;
        this.control = control;
        this.pollInterval = pollInterval;
        this.quietPeriod = quietPeriod;
        this.clock = clock;
        // Refused at start: acted on again only when the file changes (found from outside: each
        // refusal was logged again by this thread's first look, as if the JAR were new).
        refusedSha.putAll(host.refusedContent());
        this.loop = Loop.every("eventbus-plugin-reload", pollInterval, pollInterval, LOG, this::poll);
    }

    public synchronized void start() {
        LOG.info("hot reload on: watching {} every {}", dir.toAbsolutePath(), pollInterval);
        loop.start();
    }

    /** One look at the directory; package-private so tests can drive it without waiting. */
    synchronized void poll() throws IOException {
        Map<String, Path> present = new HashMap<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                        .forEach(p -> present.put(p.getFileName().toString(), p));
            }
        }
        Instant now = clock.instant();
        for (var e : present.entrySet()) {
            observe(e.getKey(), e.getValue(), now);
        }
        seen.keySet().retainAll(present.keySet());
        refusedSha.keySet().retainAll(present.keySet());

        Map<String, InstalledPlugin> installed = host.installed();
        heldBack.keySet().retainAll(installed.keySet());
        for (InstalledPlugin plugin : installed.values()) {
            if (!present.containsKey(plugin.source())
                    && stillRunning(plugin.source()).isEmpty()) {
                remove(plugin);
            }
        }
        for (String source : List.copyOf(new LinkedHashSet<>(
                host.failures().stream().map(PluginFailure::source).toList()))) {
            if (!present.containsKey(source) && !installed.containsKey(source)) {
                Set<String> rivals = host.rivalsOf(source);
                host.forgetFailure(source);
                retryRivals(rivals, source + ", which claimed its plugin id or a handler name too, was removed");
            }
        }
        installed = host.installed(); // as the removals and the JARs tried again left it
        for (var e : present.entrySet()) {
            Seen s = seen.get(e.getKey());
            if (s == null
                    || s.sha256() == null
                    || Duration.between(s.stableSince(), now).compareTo(quietPeriod) < 0) {
                continue; // still changing, or not checksummed yet
            }
            InstalledPlugin current = installed.get(e.getKey());
            if (current != null && current.sha256().equals(s.sha256())) {
                String refused = refusedSha.get(e.getKey());
                if (refused != null && !refused.equals(s.sha256())) {
                    // The refused replacement was undone: its refusal no longer describes the file.
                    refusedSha.remove(e.getKey());
                    host.runningVersionIsBack(e.getKey());
                    LOG.info(
                            "plugin reload: {} is the running {} {} again",
                            e.getKey(),
                            current.pluginId(),
                            current.version());
                }
                continue;
            }
            if (s.sha256().equals(refusedSha.get(e.getKey()))) {
                continue; // refused already; acted on again only when the file changes
            }
            if (!stillRunning(e.getKey()).isEmpty()) {
                continue; // the running version cannot be unloaded yet; said when it was held back
            }
            if (current == null) {
                add(e.getKey(), e.getValue(), s.sha256());
            } else {
                try {
                    replace(current, e.getValue(), s.sha256());
                } catch (AdmissionException | IllegalStateException refused) {
                    // Logged by replace(); the old version keeps running.
                }
            }
        }
    }

    private void observe(String name, Path file, Instant now) throws IOException {
        long size = Files.size(file);
        FileTime modified = Files.getLastModifiedTime(file);
        Seen before = seen.get(name);
        if (before != null && before.size() == size && before.modified().equals(modified) && before.sha256() != null) {
            return;
        }
        String sha = StagingArea.sha256(file);
        if (before != null && sha.equals(before.sha256())) {
            seen.put(name, new Seen(size, modified, sha, before.stableSince()));
        } else {
            seen.put(name, new Seen(size, modified, sha, now));
        }
    }

    private void add(String source, Path jar, String sha) {
        LOG.info("plugin reload: new JAR {}", source);
        install(source, jar, sha);
    }

    private void install(String source, Path jar, String sha) {
        InstalledPlugin plugin;
        try {
            rereadConfig(source, null, List.of());
            plugin = host.install(jar);
        } catch (AdmissionException refused) {
            refusedSha.put(source, sha);
            return;
        }
        refusedSha.remove(source);
        control.start(plugin.handlers());
    }

    /**
     * JARs refused as a whole because they claimed a plugin id or a handler name that another JAR
     * claimed too (see {@link Claimants}), tried again now that it is gone or claims it no more;
     * those refused for anything else are left alone, and silent, until they change. A running
     * plugin with a handler refused so runs on as it is: its reload admits that handler.
     */
    private void retryRivals(Set<String> rivals, String why) {
        Map<String, InstalledPlugin> installed = host.installed();
        for (String source : rivals) {
            Seen s = seen.get(source);
            if (installed.containsKey(source)
                    || s == null
                    || s.sha256() == null
                    || !s.sha256().equals(refusedSha.get(source))) {
                continue; // running, not refused, or changed since: the next look at the directory acts on it
            }
            LOG.info("plugin reload: trying {} again: {}", source, why);
            install(source, dir.resolve(source), s.sha256());
        }
    }

    /** The workers that held back the unload of the plugin from this JAR and still run. */
    private List<StuckWorker> stillRunning(String source) {
        List<StuckWorker> running = heldBack.getOrDefault(source, List.of()).stream()
                .filter(StuckWorker::isRunning)
                .toList();
        if (running.isEmpty()) {
            heldBack.remove(source);
        } else {
            heldBack.put(source, running);
        }
        return running;
    }

    private void remove(InstalledPlugin plugin) {
        LOG.info("plugin reload: {} removed, stopping plugin {}", plugin.source(), plugin.pluginId());
        List<StuckWorker> stuck = control.stop(plugin.pluginId());
        if (!stuck.isEmpty()) {
            heldBack.put(plugin.source(), stuck);
            LOG.error(
                    "plugin reload: {} {} not unloaded: {} still run(s) its code after the shutdown grace "
                            + "and an interrupt ({}); its subscriptions are stopped, and it is unloaded once they return",
                    plugin.pluginId(),
                    plugin.version(),
                    stuck.size(),
                    stuck);
            return;
        }
        Set<String> rivals = host.rivalsOf(plugin.source());
        host.uninstall(plugin.source(), false);
        host.forgetFailure(plugin.source());
        retryRivals(
                rivals,
                plugin.source() + " (" + plugin.pluginId() + " " + plugin.version()
                        + "), which claimed its plugin id or a handler name too, was removed");
    }

    /**
     * Reloads one plugin now from its JAR in the plugins directory, whether or not it changed
     * (`eventbus plugins reload ID`): the same drain-and-swap as a replaced JAR.
     *
     * @return the plugin now running (the new version, or the old one restored)
     * @throws IllegalArgumentException when no installed or refused plugin has that id
     * @throws AdmissionException when the JAR was refused (the old version keeps running), or a
     *     handler of it was (the others run, in the new version)
     * @throws IllegalStateException when workers of the old version ignored the interrupt and still
     *     run (the message names them); the old version keeps running
     */
    public synchronized InstalledPlugin reloadNow(String pluginId) throws IOException {
        var installed = host.installed().values().stream()
                .filter(p -> p.pluginId().equals(pluginId))
                .findFirst();
        if (installed.isEmpty()) {
            return admitRefused(pluginId);
        }
        InstalledPlugin current = installed.get();
        Path jar = dir.resolve(current.source());
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(current.source() + " is no longer in " + dir);
        }
        List<StuckWorker> running = stillRunning(current.source());
        if (!running.isEmpty()) {
            throw new IllegalStateException(
                    heldBackMessage(current, running, "after the shutdown grace or their timeout"));
        }
        InstalledPlugin next = replace(current, jar, StagingArea.sha256(jar));
        List<PluginFailure> refused = host.failures(next.source());
        if (!refused.isEmpty()) {
            throw AdmissionException.refused(
                    AdmissionException.Stage.HANDLER,
                    pluginId,
                    String.join(
                                    "; ",
                                    refused.stream().map(PluginFailure::reason).toList()) + " (" + next.version()
                            + " runs its "
                            + next.handlers().size() + " other handler(s))");
        }
        return next;
    }

    /**
     * A plugin refused as a whole (at start, or by its config) is tried again from its JAR: the
     * operator has fixed what refused it (typically the config file, which the watcher does not
     * watch) and asks for it by id.
     */
    private InstalledPlugin admitRefused(String pluginId) throws IOException {
        String source = host.failures().stream()
                .filter(f -> pluginId.equals(f.pluginId()))
                .map(PluginFailure::source)
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("no plugin '" + pluginId + "' is installed or refused"));
        Path jar = dir.resolve(source);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(source + " is no longer in " + dir);
        }
        LOG.info("plugin reload: trying refused {} ({}) again", source, pluginId);
        InstalledPlugin plugin;
        try {
            rereadConfig(source, null, List.of());
            plugin = host.install(jar);
        } catch (AdmissionException refused) {
            refusedSha.put(source, StagingArea.sha256(jar));
            throw refused;
        }
        refusedSha.remove(source);
        control.start(plugin.handlers());
        List<PluginFailure> refused = host.failures(source);
        if (!refused.isEmpty()) {
            throw AdmissionException.refused(
                    AdmissionException.Stage.HANDLER,
                    pluginId,
                    String.join(
                                    "; ",
                                    refused.stream().map(PluginFailure::reason).toList()) + " (" + plugin.version()
                            + " runs its " + plugin.handlers().size() + " other handler(s))");
        }
        return plugin;
    }

    /**
     * @return the new version, running
     * @throws AdmissionException when the new version was refused (the old one was restored)
     * @throws IllegalStateException when workers of the old version still run (it keeps running)
     */
    private synchronized InstalledPlugin replace(InstalledPlugin old, Path jar, String sha) {
        try {
            rereadConfig(
                    old.source(),
                    old.pluginId(),
                    old.handlers().stream()
                            .flatMap(h -> h.spec().services().stream())
                            .distinct()
                            .toList());
            host.precheck(jar);
        } catch (AdmissionException refused) {
            LOG.error(
                    "plugin reload: new {} refused, {} {} keeps running: {}",
                    old.source(),
                    old.pluginId(),
                    old.version(),
                    refused.getMessage());
            refusedSha.put(old.source(), sha);
            throw refused;
        }
        List<StuckWorker> abandoned = control.abandoned(old.pluginId());
        if (!abandoned.isEmpty()) {
            // Stopping would wait out the whole shutdown grace for them, its reading stopped, and
            // then give up all the same (found from outside: 20 s without reading at each try).
            heldBack.put(old.source(), abandoned);
            String why = heldBackMessage(old, abandoned, "after their handler's timeout (abandoned)");
            LOG.error(
                    "plugin reload: {}; nothing was stopped (hot reload tries {} again once they return)",
                    why,
                    old.source());
            throw new IllegalStateException(why);
        }
        long start = System.nanoTime();
        List<StuckWorker> stuck = control.stop(old.pluginId());
        if (!stuck.isEmpty()) {
            heldBack.put(old.source(), stuck);
            control.start(old.handlers());
            String why = heldBackMessage(old, stuck, "after the shutdown grace");
            LOG.error("plugin reload: {} (hot reload tries {} again once they return)", why, old.source());
            throw new IllegalStateException(why);
        }
        Set<String> rivals = host.rivalsOf(old.source());
        host.uninstall(old.source(), true);
        InstalledPlugin next;
        try {
            next = host.install(jar);
        } catch (AdmissionException refused) {
            refusedSha.put(old.source(), sha);
            // Said as it is: a reload of the unchanged JAR (`plugins reload`) is refused by what
            // changed around it (the config file's new reading), not by a new JAR failing to load.
            LOG.error(
                    "plugin reload: {} refused: {}; restoring {} {} with the config it ran with",
                    sha.equals(old.sha256())
                            ? old.source() + " (unchanged, the running " + old.pluginId() + " " + old.version() + ")"
                            : "new " + old.source(),
                    refused.getMessage(),
                    old.pluginId(),
                    old.version());
            restore(old);
            throw refused;
        }
        host.discardStaged(old);
        control.start(next.handlers());
        LOG.info(
                "plugin reload: {} {} replaced by {} in {} ms",
                old.pluginId(),
                old.version(),
                next.version(),
                (System.nanoTime() - start) / 1_000_000);
        rivals.removeAll(host.rivalsOf(old.source()));
        retryRivals(
                rivals,
                old.source() + " (now " + next.pluginId() + " " + next.version()
                        + ") no longer claims the plugin id or handler name it claimed too");
        return next;
    }

    /**
     * Reads the config file again before a JAR is (re)admitted; a file that became invalid, or a
     * changed target of a service the plugin calls, refuses the reload before anything stops.
     */
    private void rereadConfig(String source, String pluginId, List<String> services) {
        try {
            config.reread(pluginId, services);
        } catch (AdmissionException refused) {
            host.refuse(source, refused);
            throw refused;
        }
    }

    private void restore(InstalledPlugin old) {
        try {
            control.start(host.reinstall(old).handlers());
            LOG.info("plugin reload: {} {} restored and running", old.pluginId(), old.version());
        } catch (AdmissionException refused) {
            LOG.error(
                    "plugin reload: could not restore {} {} either: {}",
                    old.pluginId(),
                    old.version(),
                    refused.getMessage());
        }
    }

    /** @param when when they were interrupted, e.g. {@code after the shutdown grace} */
    private static String heldBackMessage(InstalledPlugin old, List<StuckWorker> stuck, String when) {
        return "not reloaded: " + stuck.size() + " worker(s) of " + old.pluginId() + " " + old.version()
                + " ignored the interrupt " + when + " and still run its code (" + stuck + "), so "
                + old.version() + " keeps running and is not unloaded until they return";
    }

    @Override
    public void close() {
        loop.stop();
        try {
            loop.awaitEnd(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
