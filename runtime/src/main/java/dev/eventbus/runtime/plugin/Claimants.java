package dev.eventbus.runtime.plugin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The rule for two JARs of the plugins directory that claim one plugin id or one handler name:
 * which of them is meant is ambiguous, so none of them is admitted with it, whatever their file
 * names (found from outside: with the earlier file name winning, a JAR dropped beside a running
 * plugin was refused while it ran, but after a restart it was admitted and the running one
 * refused, so another plugin's code acknowledged the group's events). A JAR claims its plugin id
 * once its descriptor is read and it passes the checks that need none of its code (readable,
 * descriptor, no bundled shared library, allow-list); it claims a handler name when it admits that
 * handler on its own. {@code run}, {@code config check} and the offline {@code plugins list} and
 * {@code topology} judge by this class, so they say the same of a directory.
 *
 * <p>With hot reload, a JAR that comes while another JAR's plugin runs with the id or name is
 * refused and the running one keeps running (which one is meant is not in doubt then); the refusal
 * says that a restart would refuse both.
 *
 * <p>Stateless; thread-safe.
 */
public final class Claimants {

    /** A JAR's claim to a plugin id, with the version it brings. */
    public record IdClaim(String source, String pluginId, String version) {

        /** As a refusal names a rival: {@code dup.jar (version 0.2.0)}. */
        String shown() {
            return source + " (version " + version + ")";
        }
    }

    /** A JAR's claim to a handler name: the handler of its plugin that has it. */
    public record NameClaim(String source, String name, String handlerClass, String pluginId) {

        /** @param handlerClass null when not known (a handler refused before it was admitted) */
        public NameClaim {}

        String shown() {
            return handlerClass == null
                    ? "a handler of plugin " + pluginId + " (" + source + ")"
                    : HandlerSpecCheck.holder(handlerClass, pluginId, source);
        }
    }

    private Claimants() {}

    /** The claims that another JAR's claim shares its plugin id with, each to those rivals. */
    public static Map<IdClaim, List<IdClaim>> ofSameId(List<IdClaim> claims) {
        return rivals(claims, IdClaim::pluginId, IdClaim::source);
    }

    /** The claims that another JAR's claim shares its handler name with, each to those rivals. */
    public static Map<NameClaim, List<NameClaim>> ofSameName(List<NameClaim> claims) {
        return rivals(claims, NameClaim::name, NameClaim::source);
    }

    private static <C> Map<C, List<C>> rivals(List<C> claims, Function<C, String> key, Function<C, String> source) {
        Map<String, List<C>> byKey =
                claims.stream().collect(Collectors.groupingBy(key, LinkedHashMap::new, Collectors.toList()));
        Map<C, List<C>> rivals = new LinkedHashMap<>();
        for (C claim : claims) {
            List<C> others = new ArrayList<>();
            for (C other : byKey.get(key.apply(claim))) {
                if (!source.apply(other).equals(source.apply(claim))) {
                    others.add(other);
                }
            }
            if (!others.isEmpty()) {
                rivals.put(claim, others);
            }
        }
        return rivals;
    }

    /**
     * Why a JAR whose plugin id other JARs have too is refused, naming them with their versions.
     */
    public static String sameId(IdClaim claim, List<IdClaim> rivals) {
        return "plugin id '" + claim.pluginId() + "' (version " + claim.version() + " in this JAR) is also the id of "
                + join(rivals.stream().map(IdClaim::shown).toList())
                + ": which JAR is meant is ambiguous, so none of them is admitted; remove all but one of "
                + join(allSources(
                        claim.source(), rivals.stream().map(IdClaim::source).toList()))
                + " from the plugins directory (to upgrade a plugin, replace its JAR under the same file name)";
    }

    /**
     * Why a handler whose name handlers of other JARs have too is refused (the text after {@code
     * handler 'name': }), naming them.
     */
    public static String sameName(NameClaim claim, List<NameClaim> rivals) {
        return join(rivals.stream().map(NameClaim::shown).toList())
                + (rivals.size() == 1 ? " has" : " have")
                + " this name too: which one is meant is ambiguous (handler names name consumer groups), so none of"
                + " them runs; remove all but one of "
                + join(allSources(
                        claim.source(), rivals.stream().map(NameClaim::source).toList()))
                + " from the plugins directory, or rename the handler";
    }

    /** As {@link #sameName}, with the whole refusal's text, {@code handler 'name': ...}. */
    public static String sameNameRefusal(NameClaim claim, List<NameClaim> rivals) {
        return "handler '" + claim.name() + "': " + sameName(claim, rivals);
    }

    /** Why a second handler of one name in one plugin is refused, as the runtime says it. */
    public static String sameNameInOneJar(String name, String handlerClass, String pluginId) {
        return "handler '" + name + "': "
                + HandlerSpecCheck.nameTaken(HandlerSpecCheck.holder(handlerClass, pluginId, null));
    }

    /**
     * Why a JAR that came while a plugin of its id runs from another JAR is refused (hot reload):
     * the running one keeps running, and a restart would refuse both.
     */
    static String idRunning(String pluginId, InstalledPlugin running) {
        return "plugin id '" + pluginId + "' is already installed from " + running.source() + " (version "
                + running.version() + ", running): it keeps running; at the next start both JARs would be refused as"
                + " ambiguous unless one of them is removed (to upgrade " + running.source()
                + ", copy the new JAR beside it under a name not ending in .jar and mv it onto " + running.source()
                + ")";
    }

    /**
     * Why a handler that came while a handler of its name runs from another JAR is refused (the text
     * after {@code handler 'name': }): the running one keeps running, and a restart would refuse both.
     */
    static String nameRunning(String holder) {
        return HandlerSpecCheck.nameTaken(holder)
                + "; it keeps running, and at the next start both would be refused as ambiguous unless one of"
                + " the JARs is removed";
    }

    private static List<String> allSources(String source, List<String> others) {
        List<String> all = new ArrayList<>();
        all.add(source);
        others.stream().filter(s -> !all.contains(s)).forEach(all::add);
        return all.stream().sorted().toList();
    }

    private static String join(List<String> items) {
        if (items.size() <= 1) {
            return String.join("", items);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }
}
