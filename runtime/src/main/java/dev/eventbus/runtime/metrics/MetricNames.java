package dev.eventbus.runtime.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every metric name the runtime registers, in one place.
 *
 * <p>Dropwizard names have no labels, so a name is a dotted family followed by its labels in
 * brackets: {@code eventbus.handler.handled[handler=mark-order-paid,stream=wallet,plugin=payments]}.
 * JMX shows that name as it is; the Prometheus exposition turns the family into the metric name
 * ({@code eventbus_handler_handled_total}) and the bracket into labels. Label values are escaped
 * ({@code %}, {@code ,}, {@code =}, {@code [}, {@code ]} as {@code %XX}) so any stream name fits.
 *
 * <p>Per subscription (handler x stream), counted as events flow:
 * <ul>
 *   <li>{@link #HANDLED}, {@link #FAILED} (failed attempts), {@link #RETRIED} (retries scheduled),
 *       {@link #DEAD_LETTERED} (by {@code reason}), {@link #TRIMMED} (entries deleted or trimmed
 *       while pending: loss records), {@link #SKIPPED} (not for this handler): meters;
 *   <li>{@link #HANDLING_TIME}: how long the handler took; {@link #EVENT_AGE}: now minus the
 *       entry id's time when the handler finished (end-to-end latency): timers.
 * </ul>
 * Per subscription, read from Redis every {@code metrics.poll-interval}: {@link #PENDING},
 * {@link #LAG}, {@link #OLDEST_PENDING_AGE}, {@link #RETRIES_SCHEDULED}, {@link #CONSUMERS}, {@link #GHOST_CONSUMERS},
 * {@link #WORKABLE} (the scale signal); per handler and partitioned stream's logical name
 * {@link #LOGICAL_LAG}, {@link #LOGICAL_PENDING}, {@link #LOGICAL_WORKABLE}; per
 * handler {@link #DEAD_LETTERS} (its dead-letter stream's length). Per gRPC method:
 * {@link #GRPC_CALLS} (by {@code status}), {@link #GRPC_LATENCY}. Read with the subscriptions:
 * {@link #INSTANCES_LIVE}, and per instance {@link #OWNED_PARTITIONS}; per stream on Cluster and Sentinel
 * {@link #STREAM_NODE} and {@link #STREAM_FOLLOWING}. The JVM under {@code jvm.}.
 */
public final class MetricNames {

    private MetricNames() {}

    public static final String HANDLED = "eventbus.handler.handled";
    public static final String FAILED = "eventbus.handler.failed";
    public static final String RETRIED = "eventbus.handler.retried";
    public static final String DEAD_LETTERED = "eventbus.handler.dead-lettered";
    public static final String TRIMMED = "eventbus.handler.trimmed";
    public static final String SKIPPED = "eventbus.handler.skipped";
    public static final String HANDLING_TIME = "eventbus.handler.handling-seconds";
    public static final String EVENT_AGE = "eventbus.handler.event-age-seconds";

    public static final String PENDING = "eventbus.subscription.pending";
    public static final String LAG = "eventbus.subscription.lag";
    public static final String OLDEST_PENDING_AGE = "eventbus.subscription.oldest-pending-age-seconds";
    public static final String RETRIES_SCHEDULED = "eventbus.subscription.retries-scheduled";
    /** Consumers of live instances; never a ghost ({@link #GHOST_CONSUMERS}). */
    public static final String CONSUMERS = "eventbus.subscription.consumers";
    /** Consumers in the group that belong to no live instance ({@code LiveInstances}). */
    public static final String GHOST_CONSUMERS = "eventbus.subscription.ghost-consumers";

    public static final String DEAD_LETTERS = "eventbus.handler.dead-letters";
    /**
     * The scale signal: entries more instances could take now (lag plus pending not waiting for a
     * retry's due time; 0 while a circuit of the handler's services is not closed). {@link ScaleSignal}.
     */
    public static final String WORKABLE = "eventbus.subscription.workable";

    /** A partitioned stream's figures summed over its partitions, labelled with the logical name. */
    public static final String LOGICAL_LAG = "eventbus.logical-stream.lag";

    public static final String LOGICAL_PENDING = "eventbus.logical-stream.pending";
    public static final String LOGICAL_WORKABLE = "eventbus.logical-stream.workable";

    public static final String GRPC_CALLS = "eventbus.grpc.client.calls";
    public static final String GRPC_LATENCY = "eventbus.grpc.client.latency-seconds";

    public static final String READY = "eventbus.runtime.ready";
    /** Bytes of entries held by all subscriptions (running or read ahead), against consumer.read-ahead-bytes each. */
    public static final String READ_AHEAD_BYTES = "eventbus.runtime.read-ahead-bytes";

    public static final String PLUGINS_ADMITTED = "eventbus.plugins.handlers-admitted";
    public static final String PLUGINS_REFUSED = "eventbus.plugins.refused";
    public static final String POLL_ERRORS = "eventbus.metrics.poll-errors";

    /** Instances whose heartbeat is younger than {@code ownership.lease-ttl} (Redis's time). */
    public static final String INSTANCES_LIVE = "eventbus.instances.live";
    /**
     * Per instance: the partitions it holds a lease on (of this runtime's ordered handlers, on every
     * layout the live instances run).
     */
    public static final String OWNED_PARTITIONS = "eventbus.instance.owned-partitions";

    /** Per stream and node (host:port): 1 for the node serving the stream now, 0 for one it left (Cluster, Sentinel). */
    public static final String STREAM_NODE = "eventbus.stream.node";
    /** Per stream: 1 while the client follows a failover or a moved slot of it (Cluster, Sentinel). */
    public static final String STREAM_FOLLOWING = "eventbus.stream.following";

    /** Prefix of the JVM's metrics. */
    public static final String JVM = "jvm";

    /** Label names. */
    public static final String L_HANDLER = "handler";

    public static final String L_STREAM = "stream";
    public static final String L_PLUGIN = "plugin";
    public static final String L_REASON = "reason";
    public static final String L_METHOD = "method";
    public static final String L_STATUS = "status";
    public static final String L_INSTANCE = "instance";
    public static final String L_NODE = "node";

    /**
     * @param family one of the constants above
     * @param labels name, value, name, value, ...
     * @return the Dropwizard name
     */
    public static String name(String family, String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs");
        }
        if (labels.length == 0) {
            return family;
        }
        StringBuilder b = new StringBuilder(family).append('[');
        for (int i = 0; i < labels.length; i += 2) {
            if (i > 0) {
                b.append(',');
            }
            b.append(labels[i]).append('=').append(escape(labels[i + 1]));
        }
        return b.append(']').toString();
    }

    /** A Dropwizard name taken apart again. */
    public record Parsed(String family, Map<String, String> labels) {

        /** The family as a Prometheus metric name: every character but letters, digits, _ and : becomes _. */
        public String prometheusName() {
            return family.replaceAll("[^a-zA-Z0-9_:]", "_");
        }

        public List<String> labelNames() {
            return new ArrayList<>(labels.keySet());
        }

        public List<String> labelValues() {
            return new ArrayList<>(labels.values());
        }
    }

    /** Parses a name made by {@link #name}; any other name is a family without labels. */
    public static Parsed parse(String name) {
        int open = name.indexOf('[');
        int close = name.lastIndexOf(']');
        if (open < 0 || close < open) {
            return new Parsed(name, Map.of());
        }
        // Text after the bracket (the bridge appends "_total" to meters) belongs to the family.
        String family = name.substring(0, open) + name.substring(close + 1);
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : name.substring(open + 1, close).split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                labels.put(pair.substring(0, eq), unescape(pair.substring(eq + 1)));
            }
        }
        return new Parsed(family, labels);
    }

    static String escape(String value) {
        StringBuilder b = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            switch (c) {
                case '%', ',', '=', '[', ']' -> b.append('%').append(String.format("%02X", (int) c));
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String unescape(String value) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        StringBuilder b = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < value.length()) {
                b.append((char) Integer.parseInt(value.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
