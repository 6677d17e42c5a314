package dev.eventbus.runtime.plugin;

import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pf4j.PluginDescriptor;

/**
 * What each JAR of the plugins directory claims, as far as its latest admission got (see {@link
 * Claimants}): its plugin id once its descriptor passed the checks before loading, the names of the
 * handlers it admitted on its own or that were refused for another JAR's claim. The plugin host
 * refuses a JAR admitted while the runtime runs (hot reload, {@code plugins reload}) by these, and
 * the reloader tries a refused JAR again when a JAR it shares a claim with is gone.
 *
 * <p>Not thread-safe: used under the plugin host's lock.
 */
final class DirectoryClaims {

    /**
     * @param yieldsTo the JARs whose running plugin it was refused for (their id or a name): its
     *     claims do not hold against them, so they can still be replaced in place and restored
     */
    private record Claim(String pluginId, String version, List<Claimants.NameClaim> names, Set<String> yieldsTo) {

        Claim {
            names = List.copyOf(names);
            yieldsTo = Set.copyOf(yieldsTo);
        }

        boolean holdsAgainst(String source) {
            return !yieldsTo.contains(source);
        }
    }

    /** A handler name other JARs claim: why a handler of that name is refused, and the JAR it runs from, if it runs. */
    record NameTaken(String why, String runningFrom) {}

    private final Map<String, Claim> bySource = new LinkedHashMap<>();

    /** A new attempt to admit the JAR, or the JAR is gone: it claims nothing (yet). */
    void forget(String source) {
        bySource.remove(source);
    }

    /** Its descriptor passed the checks before loading: it claims its plugin id. */
    void claimId(String source, PluginDescriptor descriptor) {
        bySource.put(source, new Claim(descriptor.getPluginId(), descriptor.getVersion(), List.of(), Set.of()));
    }

    /**
     * The handler names it claims after its handlers' admission.
     *
     * @param yieldsTo the JARs whose running handlers had some of these names
     */
    void claimNames(
            String source, String pluginId, String version, List<Claimants.NameClaim> names, Set<String> yieldsTo) {
        bySource.put(source, new Claim(pluginId, version, names, yieldsTo));
    }

    /**
     * Refuses a JAR admitted beside the running plugins whose plugin id another JAR claims: a
     * running one (it keeps running; the JAR yields to it), or JARs not running (ambiguous, as at
     * start).
     *
     * @param installed the running plugins by JAR
     * @throws AdmissionException when another JAR claims the id
     */
    void refuseIfIdClaimed(String source, PluginDescriptor descriptor, Map<String, InstalledPlugin> installed) {
        String pluginId = descriptor.getPluginId();
        List<Claimants.IdClaim> rivals = new ArrayList<>();
        for (var other : bySource.entrySet()) {
            Claim claim = other.getValue();
            if (other.getKey().equals(source) || !claim.pluginId().equals(pluginId) || !claim.holdsAgainst(source)) {
                continue;
            }
            InstalledPlugin running = installed.get(other.getKey());
            if (running != null) {
                bySource.computeIfPresent(
                        source,
                        (k, mine) ->
                                new Claim(mine.pluginId(), mine.version(), mine.names(), Set.of(running.source())));
                throw AdmissionException.refused(Stage.LOAD, pluginId, Claimants.idRunning(pluginId, running));
            }
            rivals.add(new Claimants.IdClaim(other.getKey(), pluginId, claim.version()));
        }
        if (!rivals.isEmpty()) {
            throw AdmissionException.refused(
                    Stage.LOAD,
                    pluginId,
                    Claimants.sameId(new Claimants.IdClaim(source, pluginId, descriptor.getVersion()), rivals));
        }
    }

    /**
     * The handler names other JARs claim, each to why a handler of {@code source} with that name is
     * refused: a running handler has it (it keeps running), or JARs not running claim it
     * (ambiguous, as at start).
     */
    Map<String, NameTaken> namesClaimedBesides(String source, Map<String, InstalledPlugin> installed) {
        Map<String, List<Claimants.NameClaim>> notRunning = new LinkedHashMap<>();
        bySource.forEach((other, claim) -> {
            if (!other.equals(source) && !installed.containsKey(other) && claim.holdsAgainst(source)) {
                claim.names()
                        .forEach(n -> notRunning
                                .computeIfAbsent(n.name(), k -> new ArrayList<>())
                                .add(n));
            }
        });
        Map<String, NameTaken> taken = new HashMap<>();
        notRunning.forEach((name, rivals) -> taken.put(
                name,
                new NameTaken(Claimants.sameName(new Claimants.NameClaim(source, name, null, null), rivals), null)));
        for (InstalledPlugin other : installed.values()) {
            if (other.source().equals(source)) {
                continue;
            }
            other.handlers()
                    .forEach(h -> taken.put(
                            h.name(),
                            new NameTaken(
                                    Claimants.nameRunning(HandlerSpecCheck.holder(
                                            h.handler().getClass().getName(), other.pluginId(), other.source())),
                                    other.source())));
        }
        return taken;
    }

    /** The other JARs that claim a plugin id or a handler name this JAR claims. */
    Set<String> rivalsOf(String source) {
        Claim mine = bySource.get(source);
        Set<String> rivals = new TreeSet<>();
        if (mine == null) {
            return rivals;
        }
        Set<String> names = new HashSet<>();
        mine.names().forEach(n -> names.add(n.name()));
        bySource.forEach((other, claim) -> {
            if (!other.equals(source)
                    && (claim.pluginId().equals(mine.pluginId())
                            || claim.names().stream().anyMatch(n -> names.contains(n.name())))) {
                rivals.add(other);
            }
        });
        return rivals;
    }
}
