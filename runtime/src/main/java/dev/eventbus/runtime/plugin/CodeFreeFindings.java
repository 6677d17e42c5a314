package dev.eventbus.runtime.plugin;

import java.util.List;
import java.util.Set;

/**
 * What the runtime's admission of one plugin JAR finds without running the plugin's code (see
 * {@link PluginJarCheck#findings}), for the views that show the plugins directory without a
 * runtime: whether the JAR is refused, and where in the runtime's order, and which of its handler
 * classes are refused while the others would run.
 *
 * @param refusals what the runtime would record for the JAR: the refusal of the whole JAR, or of
 *     single handler classes, in the runtime's order
 * @param refusedHandlerClasses the handler classes refused by name (their handlers do not run)
 *
 * <p>Immutable.
 */
public record CodeFreeFindings(Verdict verdict, List<PluginFailure> refusals, Set<String> refusedHandlerClasses) {

    /** Where the JAR stands, in the order the runtime admits it. */
    public enum Verdict {
        /**
         * Refused before it claims its plugin id (it cannot be read, has no valid descriptor, bundles
         * a shared library, the allow-list refuses it): another JAR of that id is not in doubt.
         */
        REFUSED_BEFORE_ITS_ID,
        /**
         * Refused after it claimed its plugin id (see {@link Claimants}): another JAR of that id is
         * refused too, and is the reason then.
         */
        REFUSED,
        /** Admitted, as far as is known without its code; maybe without some handler classes. */
        ADMITTED
    }

    public CodeFreeFindings {
        refusals = List.copyOf(refusals);
        refusedHandlerClasses = Set.copyOf(refusedHandlerClasses);
    }

    /** Nothing found against the JAR. */
    public static CodeFreeFindings admitted() {
        return new CodeFreeFindings(Verdict.ADMITTED, List.of(), Set.of());
    }

    /** The JAR is refused before it claims its plugin id, for a reason that holds whatever other JARs there are. */
    public static CodeFreeFindings refusedBeforeItsId(PluginFailure refusal) {
        return new CodeFreeFindings(Verdict.REFUSED_BEFORE_ITS_ID, List.of(refusal), Set.of());
    }
}
