package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.CustomLabelMapper;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.MapperConfig;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Dropwizard registry in the Prometheus model, through the Prometheus client's Dropwizard
 * bridge ({@link DropwizardExports}), with the labels of {@link MetricNames} restored.
 *
 * <p>The bridge makes one Prometheus family per Dropwizard metric and refuses two with one name,
 * while here every label combination is its own Dropwizard metric. So each metric is exported on
 * its own (the bridge over a one-metric view) and the snapshots of one family are merged.
 */
public final class PrometheusExposition implements MultiCollector {

    private static final LabelMapper MAPPER = new LabelMapper();

    private final MetricRegistry registry;
    private final Map<String, PrometheusRegistry> exports = new ConcurrentHashMap<>();

    public PrometheusExposition(MetricRegistry registry) {
        this.registry = registry;
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, List<MetricSnapshot>> families = new LinkedHashMap<>();
        Map<String, Metric> metrics = registry.getMetrics();
        exports.keySet().retainAll(metrics.keySet());
        for (Map.Entry<String, Metric> m : metrics.entrySet()) {
            PrometheusRegistry one = exports.computeIfAbsent(m.getKey(), name -> exportOf(name, m.getValue()));
            for (MetricSnapshot s : one.scrape()) {
                families.computeIfAbsent(s.getMetadata().getPrometheusName(), k -> new ArrayList<>())
                        .add(s);
            }
        }
        MetricSnapshots.Builder result = MetricSnapshots.builder();
        for (List<MetricSnapshot> family : families.values()) {
            MetricSnapshot merged = merge(family);
            if (merged != null) {
                result.metricSnapshot(merged);
            }
        }
        return result.build();
    }

    /** The bridge over a registry holding just this metric (a metric may be in several registries). */
    private static PrometheusRegistry exportOf(String name, Metric metric) {
        MetricRegistry single = new MetricRegistry();
        single.register(name, metric);
        PrometheusRegistry one = new PrometheusRegistry();
        DropwizardExports.builder()
                .dropwizardRegistry(single)
                .metricFilter(MetricFilter.ALL)
                .customLabelMapper(MAPPER)
                .invalidMetricHandler((n, e) -> true)
                .register(one);
        return one;
    }

    @SuppressWarnings("unchecked")
    private static MetricSnapshot merge(List<MetricSnapshot> family) {
        MetricSnapshot first = family.get(0);
        if (family.size() == 1) {
            return first;
        }
        List<DataPointSnapshot> points = new ArrayList<>();
        for (MetricSnapshot s : family) {
            if (s.getClass() == first.getClass()) {
                points.addAll(s.getDataPoints());
            }
        }
        if (first instanceof CounterSnapshot) {
            return new CounterSnapshot(
                    first.getMetadata(), (List<CounterSnapshot.CounterDataPointSnapshot>) (List<?>) points);
        }
        if (first instanceof GaugeSnapshot) {
            return new GaugeSnapshot(
                    first.getMetadata(), (List<GaugeSnapshot.GaugeDataPointSnapshot>) (List<?>) points);
        }
        if (first instanceof SummarySnapshot) {
            return new SummarySnapshot(
                    first.getMetadata(), (List<SummarySnapshot.SummaryDataPointSnapshot>) (List<?>) points);
        }
        return first;
    }

    /** Family name and labels from a {@link MetricNames} name. */
    private static final class LabelMapper extends CustomLabelMapper {

        LabelMapper() {
            // The bridge wants at least one pattern; this one never matches a name of ours.
            super(List.of(new MapperConfig("eventbus-unused.*", "eventbus_unused", Map.of())));
        }

        @Override
        public String getName(String dropwizardName) {
            return MetricNames.parse(dropwizardName).prometheusName();
        }

        @Override
        public Labels getLabels(String dropwizardName, List<String> names, List<String> values) {
            MetricNames.Parsed parsed = MetricNames.parse(dropwizardName);
            List<String> n = new ArrayList<>(parsed.labelNames());
            List<String> v = new ArrayList<>(parsed.labelValues());
            n.addAll(names);
            v.addAll(values);
            return Labels.of(n, v);
        }
    }
}
