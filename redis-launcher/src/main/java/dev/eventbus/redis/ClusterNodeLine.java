package dev.eventbus.redis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One line of {@code CLUSTER NODES}: who a node is, as another node sees it. Immutable.
 *
 * @param id the node id
 * @param port the client port on 127.0.0.1
 * @param flags e.g. {@code myself}, {@code master}, {@code slave}, {@code fail}, {@code fail?}
 * @param primaryId the id of its primary, or {@code -} for a primary
 * @param slots the slot ranges it serves, each {@code {first, last}}; migration markers left out
 */
record ClusterNodeLine(String id, int port, List<String> flags, String primaryId, List<int[]> slots) {

    /** Parses every line of a {@code CLUSTER NODES} reply. */
    static List<ClusterNodeLine> parseAll(String reply) {
        List<ClusterNodeLine> lines = new ArrayList<>();
        for (String line : reply.split("\n")) {
            if (!line.isBlank()) {
                lines.add(parse(line.strip()));
            }
        }
        return lines;
    }

    /** {@code <id> <ip:port@cport[,hostname]> <flags> <primary> <ping> <pong> <epoch> <link> <slot>...} */
    static ClusterNodeLine parse(String line) {
        String[] parts = line.split(" ");
        String address = parts[1];
        int at = address.indexOf('@');
        String hostPort = at < 0 ? address : address.substring(0, at);
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        List<int[]> slots = new ArrayList<>();
        for (int i = 8; i < parts.length; i++) {
            String slot = parts[i];
            if (slot.startsWith("[")) {
                continue; // a slot being imported or migrated: still served by its owner
            }
            int dash = slot.indexOf('-');
            slots.add(
                    dash < 0
                            ? new int[] {Integer.parseInt(slot), Integer.parseInt(slot)}
                            : new int[] {
                                Integer.parseInt(slot.substring(0, dash)), Integer.parseInt(slot.substring(dash + 1))
                            });
        }
        return new ClusterNodeLine(parts[0], port, Arrays.asList(parts[2].split(",")), parts[3], slots);
    }

    boolean isPrimary() {
        return flags.contains("master");
    }

    /** Failed as far as the node asked knows, or only suspected ({@code fail?}). */
    boolean isFailing() {
        return flags.contains("fail") || flags.contains("fail?");
    }

    boolean serves(int slot) {
        return slots.stream().anyMatch(r -> r[0] <= slot && slot <= r[1]);
    }
}
