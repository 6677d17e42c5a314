package dev.eventbus.runtime.ownership;

/**
 * One partition layout an instance runs an ordered handler on: the handler (its group), the
 * logical stream and its partition count. What an instance's heartbeat states ({@link
 * InstanceLayouts}), one per line, fields separated by a tab.
 */
public record RunLayout(String handler, String stream, int partitions) {

    /**
     * The layout of {@code group} on the partition key {@code {stream:i/N}}, or null when the key
     * is not one of a partition.
     */
    public static RunLayout of(String group, String partition) {
        int slash = partition.lastIndexOf('/');
        int colon = slash < 0 ? -1 : partition.lastIndexOf(':', slash);
        if (!partition.startsWith("{") || !partition.endsWith("}") || colon < 1) {
            return null;
        }
        try {
            int n = Integer.parseInt(partition.substring(slash + 1, partition.length() - 1));
            return new RunLayout(group, partition.substring(1, colon), n);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The layout as one line of a heartbeat. */
    public String line() {
        return handler + "\t" + stream + "\t" + partitions;
    }

    /** A line of a heartbeat, or null when it is not one (written by a later version, say). */
    public static RunLayout parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 3) {
            return null;
        }
        try {
            return new RunLayout(f[0], f[1], Integer.parseInt(f[2]));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
