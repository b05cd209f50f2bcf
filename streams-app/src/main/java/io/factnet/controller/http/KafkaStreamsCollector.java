package io.factnet.controller.http;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Every numeric metric of {@code KafkaStreams.metrics()} (Kafka Streams' own and its clients') as
 * {@code kafka_streams_<group>_<name>} with the metric's tags as labels, names and tag names with every
 * character outside {@code [a-zA-Z0-9_:]} turned into '_' (docs/api.md): a counter for a {@code -total}
 * metric, a gauge otherwise. Micrometer's Kafka binders would rename these families (ADR 0040), so this
 * collector maps the metrics itself; the client's writer writes them.
 */
final class KafkaStreamsCollector implements MultiCollector {
    private static final String TOTAL = "_total";

    private final Supplier<Map<MetricName, ? extends Metric>> metrics;

    KafkaStreamsCollector(Supplier<Map<MetricName, ? extends Metric>> metrics) {
        this.metrics = metrics;
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, Family> families = new LinkedHashMap<>(); // by the client's name: a counter's without _total
        for (Map.Entry<MetricName, ? extends Metric> entry : metrics.get().entrySet()) {
            if (!(entry.getValue().metricValue() instanceof Number number)) {
                continue; // Kafka's string metrics: versions, commit ids, the topology's description
            }
            MetricName metric = entry.getKey();
            String name = name("kafka_streams_" + metric.group() + "_" + metric.name());
            boolean counter = metric.name().endsWith("-total");
            String key = counter ? name.substring(0, name.length() - TOTAL.length()) : name;
            Family family = families.computeIfAbsent(key, n -> counter ? Family.counter(n, metric.description())
                    : Family.gauge(n, metric.description()));
            double value = number.doubleValue();
            if (family.counter() == counter && !(counter && value < 0)) { // a gauge named as a counter's family is left out
                family.sample(labels(metric.tags()), value);
            }
        }
        return new MetricSnapshots(families.values().stream().map(Family::snapshot).toList());
    }

    private static Labels labels(Map<String, String> tags) {
        Map<String, String> byName = new TreeMap<>();
        tags.forEach((tag, value) -> byName.putIfAbsent(name(tag).replace(':', '_'), value == null ? "" : value));
        Labels.Builder labels = Labels.builder();
        byName.forEach(labels::label);
        return labels.build();
    }

    /** A metric or label name: other characters become '_', and a leading digit gets a '_' before it. */
    static String name(String raw) {
        String name = raw.replaceAll("[^a-zA-Z0-9_:]", "_");
        return name.isEmpty() || Character.isDigit(name.charAt(0)) ? "_" + name : name;
    }
}
