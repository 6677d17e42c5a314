package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.stream.StreamEntry;

/**
 * What {@link EntryFetcher#claim} found: the entry, now this consumer's to deliver; or that it is
 * settled (no longer pending: acknowledged, or dropped from the pending list); or that another
 * claim or delivery took it since it was moved here (another consumer's, or this consumer's
 * reader re-reading its pending list). The last two differ for the caller: a settled entry's retry
 * record may be cleared, while an entry taken elsewhere is that path's to finish (its retry
 * record, if it fails again, must stay).
 *
 * @param entry the claimed entry, when {@code kind} is {@link Kind#CLAIMED}; else null
 */
record Claim(Kind kind, StreamEntry entry) {

    enum Kind {
        CLAIMED,
        SETTLED,
        TAKEN_ELSEWHERE
    }

    static final Claim SETTLED = new Claim(Kind.SETTLED, null);
    static final Claim TAKEN_ELSEWHERE = new Claim(Kind.TAKEN_ELSEWHERE, null);

    static Claim of(StreamEntry entry) {
        return new Claim(Kind.CLAIMED, entry);
    }
}
