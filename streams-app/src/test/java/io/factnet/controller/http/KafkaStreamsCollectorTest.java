package io.factnet.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.http.PrometheusReply;
import io.factnet.http.PrometheusTextReader;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.metrics.stats.Value;
import org.junit.jupiter.api.Test;

/**
 * Kafka's metrics as docs/api.md names them, on a Kafka metrics registry of its own (no broker):
 * {@code kafka_streams_<group>_<name>} with '-' and '.' turned into '_' in names and tag names, a counter for
 * {@code *-total}, one family for one name whatever its tag sets, string metrics left out.
 */
class KafkaStreamsCollectorTest {
    @Test
    void kafkasMetricsAreServedUnderTheDocumentedNames() {
        try (Metrics kafka = new Metrics()) {
            MetricName process = kafka.metricName("process-total", "stream-thread-metrics", "Records processed.", Map.of("thread-id", "t-1"));
            kafka.sensor("s").add(process, new CumulativeSum());
            kafka.addMetric(kafka.metricName("records-lag", "consumer-fetch-manager-metrics", "Lag.", Map.of("client.id", "c")), new Value());
            kafka.addMetric(kafka.metricName("records-lag", "consumer-fetch-manager-metrics", "Lag.",
                    Map.of("client.id", "c", "topic", "factnet.requests", "partition", "3")), new Value());
            kafka.addMetric(kafka.metricName("version", "app-info", "A string.", Map.of()), (Gauge<String>) (config, now) -> "4.1.1");
            kafka.sensor("s").record(5);

            PrometheusRegistry registry = new PrometheusRegistry();
            registry.register(new KafkaStreamsCollector(kafka::metrics));
            Map<String, PrometheusTextReader.Family> families = PrometheusTextReader.parse(
                    new String(PrometheusReply.of(registry).body(), StandardCharsets.UTF_8));

            PrometheusTextReader.Family processed = families.get("kafka_streams_stream_thread_metrics_process_total");
            assertThat(processed.type()).isEqualTo("counter");
            assertThat(processed.help()).isEqualTo("Records processed.");
            assertThat(processed.value(Map.of("thread_id", "t-1"))).isEqualTo(5.0);
            PrometheusTextReader.Family lag = families.get("kafka_streams_consumer_fetch_manager_metrics_records_lag");
            assertThat(lag.type()).isEqualTo("gauge");
            assertThat(lag.samples()).extracting(PrometheusTextReader.Sample::labels).containsExactlyInAnyOrder(
                    Map.of("client_id", "c"), Map.of("client_id", "c", "topic", "factnet.requests", "partition", "3"));
            assertThat(families.keySet()).noneMatch(name -> name.startsWith("kafka_streams_app_info_version"))
                    .contains("kafka_streams_kafka_metrics_count_count"); // Kafka's own count of its metrics, a number
        }
    }
}
