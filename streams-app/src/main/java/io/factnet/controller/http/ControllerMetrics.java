package io.factnet.controller.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.controller.Controller;
import io.factnet.controller.RequestOutcomes;
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

    String text() {
        PrometheusText out = new PrometheusText();
        out.family("factnet_controller_running", "gauge", "1 while the controller's Kafka Streams state is RUNNING, else 0.")
                .sample(Map.of("state", controller.state().name()), controller.state() == KafkaStreams.State.RUNNING ? 1 : 0);
        requests(out);
        poolSize(out);
        poolUsed(out);
        if (controller.state() == KafkaStreams.State.RUNNING) {
            try {
                pools(out);
                nodes(out);
            } catch (ApiException e) {
                log.debug("store metrics left out of this scrape: {}", e.getMessage()); // a rebalance moved a store
            }
        }
        streams(out);
        return out.text();
    }

    private void requests(PrometheusText out) {
        PrometheusText.Family requests = out.family("factnet_controller_requests_total", "counter",
                "Results the controller emitted, by command, status and reason.");
        controller.outcomes().snapshot().forEach((outcome, count) -> requests.sample(Map.of("command", outcome.command(),
                "status", outcome.status().name(), "reason", outcome.reason().name()), count));
    }

    private void pools(PrometheusText out) {
        ObjectNode pools = local.pools();
        for (JsonNode vlan : pools.path("vlanRanges")) {
            pool(out, "vlan", vlan.path("physicalNetwork").asText(), vlan);
        }
        if (pools.path("supernet").isObject()) {
            pool(out, "block", pools.path("supernet").path("cidr").asText(), pools.path("supernet"));
        }
        for (JsonNode floating : pools.path("floatingPools")) {
            pool(out, "floating", floating.path("pool").asText(), floating);
        }
    }

    private void nodes(PrometheusText out) {
        for (JsonNode node : local.nodes().path("nodes")) {
            JsonNode ports = node.path("vpnPorts");
            ObjectNode usage = AvroJson.JSON.objectNode().put("size", ports.path("last").asInt() - ports.path("first").asInt() + 1)
                    .put("used", ports.path("used").asInt());
            pool(out, "vpn-port", node.path("nodeId").asText(), usage);
        }
        List<AppliedAck> acks = local.acks();
        Map<AppliedAck, Long> ends;
        try {
            ends = offsets.endOffsets(acks);
        } catch (Exception e) {
            log.warn("node offset lag left out of this scrape: cannot read the role topics' end offsets: {}", e.toString());
            ends = Map.of();
        }
        PrometheusText.Family applied = out.family("factnet_controller_node_applied_offset", "gauge",
                "Offset of the last record of its partition the node's agent applied (from its last ack).");
        PrometheusText.Family failed = out.family("factnet_controller_node_apply_error", "gauge",
                "1 when the node's last ack reports an error.");
        PrometheusText.Family end = out.family("factnet_controller_node_end_offset", "gauge",
                "End offset (last stable offset) of the node's partition of its role topic.");
        PrometheusText.Family lag = out.family("factnet_controller_node_offset_lag", "gauge",
                "Offsets of the node's partition after the last one it applied: end offset - applied offset - 1 "
                        + "(a caught-up node shows 0 or 1: a transaction's commit marker takes an offset).");
        for (AppliedAck ack : acks) {
            Map<String, String> labels = Map.of("node", ack.getNodeId(), "role", ack.getRole().name().toLowerCase(Locale.ROOT));
            applied.sample(labels, ack.getAppliedOffset());
            failed.sample(labels, ack.getError() == null ? 0 : 1);
            Long endOffset = ends.get(ack);
            if (endOffset != null) {
                end.sample(labels, endOffset);
                lag.sample(labels, Math.max(0, endOffset - ack.getAppliedOffset() - 1));
            }
        }
    }

    private static void pool(PrometheusText out, String kind, String name, JsonNode usage) {
        Map<String, String> labels = Map.of("kind", kind, "pool", name);
        poolSize(out).sample(labels, usage.path("size").asDouble());
        poolUsed(out).sample(labels, usage.path("used").asDouble());
    }

    private static PrometheusText.Family poolSize(PrometheusText out) {
        return out.family("factnet_controller_pool_size", "gauge", "Size of an allocation pool (excluded addresses left out).");
    }

    private static PrometheusText.Family poolUsed(PrometheusText out) {
        return out.family("factnet_controller_pool_used", "gauge", "Entries of an allocation pool given out.");
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
