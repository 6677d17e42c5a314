package dev.eventbus.runtime.ownership;

import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Rendezvous (highest-random-weight) hashing: the owner of a resource is the live instance with the
 * highest weight for it. Every instance that sees the same live set computes the same owner without
 * talking to the others, and when an instance joins or leaves only the resources it wins or held
 * move. Stateless.
 */
public final class Rendezvous {

    private Rendezvous() {}

    /** The owner of {@code resource} among {@code live}, or null when none is live. */
    public static String owner(String resource, Collection<String> live) {
        String best = null;
        long bestWeight = 0;
        for (String instance : live) {
            long w = weight(instance, resource);
            // Unsigned comparison, ties to the greater id: the same answer whatever the set's order.
            if (best == null
                    || Long.compareUnsigned(w, bestWeight) > 0
                    || (w == bestWeight && instance.compareTo(best) > 0)) {
                best = instance;
                bestWeight = w;
            }
        }
        return best;
    }

    /** FNV-1a 64 of {@code instance NUL resource}, mixed by the splitmix64 finalizer. */
    static long weight(String instance, String resource) {
        long h = 0xcbf29ce484222325L;
        h = fnv(h, instance.getBytes(StandardCharsets.UTF_8));
        h = (h ^ 0) * 0x100000001b3L;
        h = fnv(h, resource.getBytes(StandardCharsets.UTF_8));
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    private static long fnv(long h, byte[] bytes) {
        for (byte b : bytes) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }
}
