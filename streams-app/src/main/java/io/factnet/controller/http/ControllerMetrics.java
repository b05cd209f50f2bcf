package io.factnet.controller.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.controller.Controller;
import io.factnet.http.PrometheusReply;
import io.factnet.http.Reply;
import io.factnet.model.AppliedAck;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /metrics} of one controller instance, a registry of Prometheus' Java client read on each scrape
 * (ADR 0040). Every instance reports what it holds itself (pools and node acks of its active tasks, results
 * it emitted), so that summing over instances counts each once:
 * <ul>
 * <li>{@code factnet_controller_requests_total{command,status,reason}}: results emitted</li>
 * <li>{@code factnet_controller_stream_thread_replacements_total}, {@code factnet_controller_records_skipped_total}:
 * stream threads that died and were replaced, records dead-lettered after failing twice</li>
 * <li>{@code factnet_controller_pool_size/used{kind,pool}}: VLAN ranges, the supernet's blocks, floating pools, nodes' VPN ports</li>
 * <li>{@code factnet_controller_node_applied_offset / end_offset / offset_lag{node,role}}: how far each node's agent is behind</li>
 * <li>{@code kafka_streams_<group>_<name>}: Kafka Streams' own metrics and its clients' ({@link KafkaStreamsCollector})</li>
 * </ul>
 */
final class ControllerMetrics {
    private static final Logger log = LoggerFactory.getLogger(ControllerMetrics.class);

    private final Controller controller;
    private final LocalState local;
    private final NodeOffsets offsets;
    private final PrometheusRegistry registry = new PrometheusRegistry();

    ControllerMetrics(Controller controller, LocalState local, NodeOffsets offsets) {
        this.controller = controller;
        this.local = local;
        this.offsets = offsets;
        GaugeWithCallback.builder().name("factnet_controller_running").help("1 while the controller's Kafka Streams state is RUNNING, else 0.")
                .labelNames("state").callback(gauge -> {
                    KafkaStreams.State state = controller.state();
                    gauge.call(state == KafkaStreams.State.RUNNING ? 1 : 0, state.name());
                }).register(registry);
        counter("factnet_controller_stream_thread_replacements_total",
                "Stream threads that died and were replaced (/healthz says 503 from the 3rd in a minute not blamed on a record, "
                        + "which the controller cannot skip).", () -> controller.threadReplacements().health().total());
        counter("factnet_controller_records_skipped_total", "Input records dead-lettered after their processing failed twice the same way.",
                () -> controller.poisonRecords().skippedCount());
        counter("factnet_controller_replayed_records_skipped_total",
                "Input records skipped because the stage's state had processed them already: the consumer group's committed "
                        + "offsets went back (should stay 0; see ADR 0024).", () -> controller.replays().skippedCount());
        CounterWithCallback.builder().name("factnet_controller_requests_total").help("Results the controller emitted, by command, status and reason.")
                .labelNames("command", "status", "reason")
                .callback(counter -> controller.outcomes().snapshot().forEach((outcome, count) ->
                        counter.call(count, outcome.command(), outcome.status().name(), outcome.reason().name())))
                .register(registry);
        registry.register(this::stores);
        registry.register(new KafkaStreamsCollector(controller::metrics));
    }

    Reply reply() {
        return PrometheusReply.of(registry);
    }

    private void counter(String name, String help, LongSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(counter -> counter.call(value.getAsLong())).register(registry);
    }

    /** The families read from the stores, once per scrape (one read of the pools, one of the acks and their end offsets). */
    private record StoreFamilies(Family poolSize, Family poolUsed, Family applied, Family endOffset, Family lag, Family applyError) {
        static StoreFamilies declare() {
            return new StoreFamilies(
                    Family.gauge("factnet_controller_pool_size", "Size of an allocation pool (excluded addresses left out)."),
                    Family.gauge("factnet_controller_pool_used", "Entries of an allocation pool given out."),
                    Family.gauge("factnet_controller_node_applied_offset",
                            "Offset of the last record of its partition the node's agent applied (from its last ack)."),
                    Family.gauge("factnet_controller_node_end_offset", "End offset (last stable offset) of the node's partition of its role topic."),
                    Family.gauge("factnet_controller_node_offset_lag",
                            "Offsets of the node's partition after the last one it applied: end offset - applied offset - 1 "
                                    + "(a caught-up node shows 0 or 1: a transaction's commit marker takes an offset)."),
                    Family.gauge("factnet_controller_node_apply_error", "1 when the node's last ack reports an error."));
        }

        MetricSnapshots snapshots() {
            return new MetricSnapshots(Stream.of(poolSize, poolUsed, applied, endOffset, lag, applyError).map(Family::snapshot).toList());
        }
    }

    private MetricSnapshots stores() {
        StoreFamilies families = StoreFamilies.declare();
        if (controller.state() == KafkaStreams.State.RUNNING) {
            try {
                pools(families);
                nodes(families);
            } catch (ApiException e) {
                log.debug("store metrics left out of this scrape: {}", e.getMessage()); // a rebalance moved a store
            }
        }
        return families.snapshots();
    }

    private void pools(StoreFamilies families) {
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

    private void nodes(StoreFamilies families) {
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
            Labels labels = Labels.of("node", ack.getNodeId(), "role", ack.getRole().name().toLowerCase(Locale.ROOT));
            families.applied().sample(labels, ack.getAppliedOffset());
            families.applyError().sample(labels, ack.getError() == null ? 0 : 1);
            Long end = ends.get(ack);
            if (end != null) {
                families.endOffset().sample(labels, end);
                families.lag().sample(labels, Math.max(0, end - ack.getAppliedOffset() - 1));
            }
        }
    }

    private static void pool(StoreFamilies families, String kind, String name, int size, int used) {
        Labels labels = Labels.of("kind", kind, "pool", name);
        families.poolSize().sample(labels, size);
        families.poolUsed().sample(labels, used);
    }
}
