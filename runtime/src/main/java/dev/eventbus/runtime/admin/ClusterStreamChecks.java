package dev.eventbus.runtime.admin;

import dev.eventbus.runtime.consumer.StreamNode;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Readiness's check per stream on a Redis Cluster: the primary of the stream's slot as the client's
 * view has it, {@code "stream orders": "on 10.0.0.8:7000 (master)"}, with what is wrong there. Made
 * from what the client already knows (its topology, which primaries did not answer the PING just
 * sent), so it never waits for a dead node: these checks are there while a primary does not answer,
 * when an operator needs to know which streams it holds (they were left out then, found from
 * outside).
 *
 * <p>A stream whose slot no primary serves cannot be read or acknowledged: readiness is not up for
 * it (from outside, it said 200 UP for 4 s after a promotion with such a stream). Immutable.
 *
 * @param checks {@code stream <name>} to its text, streams in name order
 * @param unserved the streams whose slot has no primary in the client's view
 */
record ClusterStreamChecks(Map<String, String> checks, Set<String> unserved) {

    /** Said of a stream whose primary did not answer readiness's PING. */
    static final String SILENT = "its primary does not answer";

    /**
     * @param streams the subscriptions' streams (repeats and order do not matter)
     * @param nodeOf the node of a stream in the client's view, empty when the client has none yet
     * @param silent the primaries ({@code host:port}) that did not answer the PING
     */
    static ClusterStreamChecks of(
            Collection<String> streams, Function<String, Optional<StreamNode>> nodeOf, Collection<String> silent) {
        Map<String, String> checks = new LinkedHashMap<>();
        Set<String> unserved = new TreeSet<>();
        for (String stream : new TreeSet<>(streams)) {
            Optional<StreamNode> node = nodeOf.apply(stream);
            if (node.isEmpty()) {
                continue;
            }
            StreamNode n = node.get();
            if (!n.served()) {
                unserved.add(stream);
            }
            checks.put("stream " + stream, "on " + n.describe() + (silent.contains(n.address()) ? "; " + SILENT : ""));
        }
        return new ClusterStreamChecks(Collections.unmodifiableMap(checks), Collections.unmodifiableSet(unserved));
    }

    /** Whether every stream's slot has a primary in the client's view. */
    boolean served() {
        return unserved.isEmpty();
    }
}
