package io.factnet.controller.http;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One metric family gathered during a scrape, for the collectors that read many families at once (the
 * stores, Kafka's metrics): its samples by label set, a repeated label set keeping its first value.
 * {@code name} is the client's name, without a counter's {@code _total} (its writer adds it).
 */
record Family(String name, boolean counter, String help, Map<Labels, Double> samples) {
    static Family gauge(String name, String help) {
        return new Family(name, false, help, new LinkedHashMap<>());
    }

    static Family counter(String name, String help) {
        return new Family(name, true, help, new LinkedHashMap<>());
    }

    Family sample(Labels labels, double value) {
        samples.putIfAbsent(labels, value);
        return this;
    }

    MetricSnapshot snapshot() {
        if (counter) {
            CounterSnapshot.Builder family = CounterSnapshot.builder().name(name).help(help);
            samples.forEach((labels, value) -> family.dataPoint(CounterDataPointSnapshot.builder().labels(labels).value(value).build()));
            return family.build();
        }
        GaugeSnapshot.Builder family = GaugeSnapshot.builder().name(name).help(help);
        samples.forEach((labels, value) -> family.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(value).build()));
        return family.build();
    }
}
