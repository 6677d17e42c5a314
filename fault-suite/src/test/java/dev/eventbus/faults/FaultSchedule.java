package dev.eventbus.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * A seeded schedule of faults, in the spirit of Jepsen's nemesis: from one seed, which kinds of
 * fault strike, when (ms after the load starts), for how long, and at which of the two runtime
 * instances. The same seed and kinds draw the same schedule; the interleaving with the runtime's
 * own timing is not reproducible to the millisecond. Immutable.
 */
record FaultSchedule(long seed, long lengthMillis, List<Planned> faults) {

    /**
     * One fault of the schedule.
     *
     * @param kind the fault kind's name (see {@link Faults})
     * @param atMillis when it is injected, from the start of the load
     * @param forMillis how long it lasts before it heals (ignored by instant faults)
     * @param target which runtime instance (0 or 1), or which entries (a fraction), as the kind reads it
     */
    record Planned(String kind, long atMillis, long forMillis, int target) {
        @Override
        public String toString() {
            return kind + "@" + atMillis + "ms/" + forMillis + "ms#" + target;
        }
    }

    /** About one fault every 5 s, between 3 s after the start and 6 s before the end. */
    static FaultSchedule draw(long seed, List<String> kinds, long lengthMillis) {
        Random random = new Random(seed);
        int count = Math.max(1, (int) (lengthMillis / 5000) + random.nextInt(3) - 1);
        long window = Math.max(1, lengthMillis - 9000);
        List<Planned> faults = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String kind = kinds.get(random.nextInt(kinds.size()));
            faults.add(new Planned(
                    kind, 3000 + (long) (random.nextDouble() * window), 500 + random.nextInt(3500), random.nextInt(2)));
        }
        faults.sort(Comparator.comparingLong(Planned::atMillis));
        return new FaultSchedule(seed, lengthMillis, List.copyOf(faults));
    }
}
