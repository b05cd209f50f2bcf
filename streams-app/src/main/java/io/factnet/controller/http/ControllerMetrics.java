package io.factnet.controller.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.controller.Controller;
import io.factnet.model.AppliedAck;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /metrics} of one controller instance. Every instance reports what it holds itself (pools and
 * node acks of its active tasks, results it emitted), so that summing over instances counts each once:
 * <ul>
 * <li>{@code kafka_streams_<group>_<name>}: Kafka Streams' own metrics and its clients' (KafkaStreams.metrics())</li>
 * <li>{@code factnet_controller_requests_total{command,status,reason}}: results emitted</li>
 * <li>{@code factnet_controller_stream_thread_replacements_total}, {@code factnet_controller_records_skipped_total}:
 * stream threads that died and were replaced, records dead-lettered after failing twice</li>
 * <li>{@code factnet_controller_pool_size/used{kind,pool}}: VLAN ranges, the supernet's blocks, floating pools, nodes' VPN ports</li>
 * <li>{@code factnet_controller_node_applied_offset / end_offset / offset_lag{node,role}}: how far each node's agent is behind</li>
 * </ul>
 */
final class ControllerMetrics {
    private static final Logger log = LoggerFactory.getLogger(ControllerMetrics.class);

    private final Controller controller;
    private final LocalState local;
    private final NodeOffsets offsets;

    ControllerMetrics(Controller controller, LocalState local, NodeOffsets offsets) {
        this.controller = controller;
        this.local = local;
        this.offsets = offsets;
    }

    /** The factnet families, declared in this order on every scrape (also when they have no samples). */
    private record Families(PrometheusText.Family requests, PrometheusText.Family poolSize, PrometheusText.Family poolUsed,
                            PrometheusText.Family applied, PrometheusText.Family endOffset, PrometheusText.Family lag,
                            PrometheusText.Family applyError) {
        static Families declare(PrometheusText out) {
            return new Families(
                    out.family("factnet_controller_requests_total", "counter", "Results the controller emitted, by command, status and reason."),
                    out.family("factnet_controller_pool_size", "gauge", "Size of an allocation pool (excluded addresses left out)."),
                    out.family("factnet_controller_pool_used", "gauge", "Entries of an allocation pool given out."),
                    out.family("factnet_controller_node_applied_offset", "gauge",
                            "Offset of the last record of its partition the node's agent applied (from its last ack)."),
                    out.family("factnet_controller_node_end_offset", "gauge",
                            "End offset (last stable offset) of the node's partition of its role topic."),
                    out.family("factnet_controller_node_offset_lag", "gauge",
                            "Offsets of the node's partition after the last one it applied: end offset - applied offset - 1 "
                                    + "(a caught-up node shows 0 or 1: a transaction's commit marker takes an offset)."),
                    out.family("factnet_controller_node_apply_error", "gauge", "1 when the node's last ack reports an error."));
        }
    }

    String text() {
        PrometheusText out = new PrometheusText();
        KafkaStreams.State state = controller.state();
        out.family("factnet_controller_running", "gauge", "1 while the controller's Kafka Streams state is RUNNING, else 0.")
                .sample(Map.of("state", state.name()), state == KafkaStreams.State.RUNNING ? 1 : 0);
        out.family("factnet_controller_stream_thread_replacements_total", "counter",
                "Stream threads that died and were replaced (/healthz says 503 from the 3rd in a minute not blamed on a record, "
                        + "which the controller cannot skip).").sample(Map.of(), controller.threadReplacements().health().total());
        out.family("factnet_controller_records_skipped_total", "counter",
                "Input records dead-lettered after their processing failed twice the same way.")
                .sample(Map.of(), controller.poisonRecords().skippedCount());
        out.family("factnet_controller_replayed_records_skipped_total", "counter",
                "Input records skipped because the stage's state had processed them already: the consumer group's committed "
                        + "offsets went back (should stay 0; see ADR 0024).")
                .sample(Map.of(), controller.replays().skippedCount());
        Families families = Families.declare(out);
        controller.outcomes().snapshot().forEach((outcome, count) -> families.requests().sample(Map.of("command", outcome.command(),
                "status", outcome.status().name(), "reason", outcome.reason().name()), count));
        if (state == KafkaStreams.State.RUNNING) {
            try {
                pools(families);
                nodes(families);
            } catch (ApiException e) {
                log.debug("store metrics left out of this scrape: {}", e.getMessage()); // a rebalance moved a store
            }
        }
        streams(out);
        return out.text();
    }

    private void pools(Families families) {
        ObjectNode pools = local.pools();
        for (JsonNode vlan : pools.path("vlanRanges")) {
            pool(families, "vlan", vlan.path("physicalNetwork").asText(), vlan.path("size").asInt(), vlan.path("used").asInt());
        }
        JsonNode supernet = pools.path("supernet");
        if (supernet.isObject()) {
            pool(families, "block", supernet.path("cidr").asText(), supernet.path("size").asInt(), supernet.path("used").asInt());
        }
        for (JsonNode floating : pools.path("floatingPools")) {
            pool(families, "floating", floating.path("pool").asText(), floating.path("size").asInt(), floating.path("used").asInt());
        }
    }

    private void nodes(Families families) {
        for (JsonNode node : local.nodes().path("nodes")) {
            JsonNode ports = node.path("vpnPorts");
            pool(families, "vpn-port", node.path("nodeId").asText(), ports.path("last").asInt() - ports.path("first").asInt() + 1,
                    ports.path("used").asInt());
        }
        List<AppliedAck> acks = local.acks();
        Map<AppliedAck, Long> ends;
        try {
            ends = offsets.endOffsets(acks);
        } catch (Exception e) {
            log.warn("node offset lag left out of this scrape: cannot read the role topics' end offsets: {}", e.toString());
            ends = Map.of();
        }
        for (AppliedAck ack : acks) {
            Map<String, String> labels = Map.of("node", ack.getNodeId(), "role", ack.getRole().name().toLowerCase(Locale.ROOT));
            families.applied().sample(labels, ack.getAppliedOffset());
            families.applyError().sample(labels, ack.getError() == null ? 0 : 1);
            Long end = ends.get(ack);
            if (end != null) {
                families.endOffset().sample(labels, end);
                families.lag().sample(labels, Math.max(0, end - ack.getAppliedOffset() - 1));
            }
        }
    }

    private static void pool(Families families, String kind, String name, int size, int used) {
        Map<String, String> labels = Map.of("kind", kind, "pool", name);
        families.poolSize().sample(labels, size);
        families.poolUsed().sample(labels, used);
    }

    private void streams(PrometheusText out) {
        for (Map.Entry<MetricName, ? extends Metric> entry : controller.metrics().entrySet()) {
            if (entry.getValue().metricValue() instanceof Number value) {
                MetricName metric = entry.getKey();
                out.family("kafka_streams_" + metric.group() + "_" + metric.name(), metric.name().endsWith("-total") ? "counter" : "gauge",
                        metric.description()).sample(metric.tags(), value.doubleValue());
            }
        }
    }
}
