package io.factnet.node.trace;

import io.factnet.model.NodeRole;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeProcess;
import io.factnet.node.NodeReplay;
import io.factnet.node.sim.SimulatedHost;
import io.factnet.node.runtime.KafkaAgents;
import io.factnet.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import io.factnet.node.routing.RoutingConfig;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The nodes a trace walks, rebuilt from their desired state on the node topics: each node's roles replayed and
 * rendered on a simulated kernel of its own ({@link NodeReplay}, the render driver's path), never read from the node,
 * so a node that is down is traced as it is meant to be.
 */
public final class ReplayedNodes {
    private ReplayedNodes() {
    }

    /**
     * The nodes, and the entries their render refused ("node: resource: reason"): a node set up differently from the
     * settings given may refuse what the real one holds (a bridge without its physical interface), and the trace
     * follows what was rendered.
     */
    public record Replayed(List<PacketTracer.Node> nodes, List<String> refused, Map<String, List<NodeReplay.Summary>> summaries) {
    }

    /**
     * The consumer a trace reads the node topics with: {@link KafkaAgents#replayConsumer}, whose fetches wait at most
     * 20 ms for data unless the client settings say otherwise. A trace reads several partitions one after the other on
     * it; with the default 500 ms the replay of three nodes' four partitions took 2.1 to 2.7 s, with 20 ms 0.3 to 1.1 s
     * (LinuxMultiHostTest, 2026-12-06).
     */
    public static KafkaConsumer<String, byte[]> consumer(Map<String, Object> clientConfig, String clientId) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        return KafkaAgents.replayConsumer(config, clientId);
    }

    /**
     * A node's settings as a trace rebuilds it: its routing, bridging and tunneling roles (addressing shapes no
     * packet's path here) on the render driver, with the render's files in {@code stateDir}; empty when it has none of
     * them. {@code factnet trace} gives it the registered node with the operator's node settings, the Linux agreement
     * test the settings its agents run with. The routing role is rendered for nftables whatever the node's firewall
     * setting: the tracer evaluates nft rules only, and the Linux agreement test holds the iptables rendering of the
     * same state to the same verdicts (ADR 0043).
     */
    public static Optional<NodeConfig> forTrace(NodeConfig node, Path stateDir) {
        List<NodeRole> roles = new ArrayList<>(node.roles().stream()
                .filter(r -> r == NodeRole.ROUTING || r == NodeRole.BRIDGING || r == NodeRole.TUNNELING).toList());
        if (roles.contains(NodeRole.ROUTING) && !roles.contains(NodeRole.BRIDGING) && node.agentRoles().contains(NodeRole.BRIDGING)) {
            roles.add(NodeRole.BRIDGING); // a routing node's bridge holds the gateway (ADR 0046); an addressing node's shapes no path
        }
        if (roles.isEmpty()) {
            return Optional.empty();
        }
        // Debounce and resync do not shape a render.
        return Optional.of(new NodeConfig(node.nodeId(), roles, roles, NodeConfig.Driver.RENDER, Optional.empty(), stateDir,
                node.routing().withFirewall(RoutingConfig.Firewall.NFTABLES), node.bridging(), node.tunneling(), node.vpnPortFirst(),
                node.vpnPortLast(), Duration.ZERO, Duration.ZERO));
    }

    /** One tracer node per configuration (its node id, roles, settings; its state folder gets the render's files). */
    public static Replayed replay(List<NodeConfig> configs, Consumer<String, byte[]> consumer, SchemaRegistryClient registry,
                                                 NodeReplay.Listener listener, Duration timeout) throws Exception {
        return replay(configs, consumer, registry, listener, timeout, node -> NodeReplay.Cut.NONE);
    }

    /**
     * The same, each node's records taken as far as {@code cuts} says: {@code factnet trace --applied} rebuilds each node
     * up to the offsets it acked, the state its kernel reflects.
     */
    public static Replayed replay(List<NodeConfig> configs, Consumer<String, byte[]> consumer, SchemaRegistryClient registry,
                                  NodeReplay.Listener listener, Duration timeout, Function<String, NodeReplay.Cut> cuts)
            throws Exception {
        List<PacketTracer.Node> nodes = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        Map<String, List<NodeReplay.Summary>> summaries = new LinkedHashMap<>();
        for (NodeConfig config : configs) {
            SimulatedHost kernel = NodeProcess.simulatedKernel(config);
            List<NodeReplay.Summary> replayed = NodeReplay.run(config, consumer, registry, listener, timeout, kernel,
                    cuts.apply(config.nodeId()));
            Map<String, SpecificRecord> desired = new LinkedHashMap<>();
            for (NodeReplay.Summary summary : replayed) {
                summary.sync().rejected().forEach(r -> refused.add(config.nodeId() + ": " + r));
                desired.putAll(summary.desired());
            }
            summaries.put(config.nodeId(), replayed);
            nodes.add(new PacketTracer.Node(config.nodeId(), kernel, config.routing().publicInterface().name(), Origins.of(desired)));
        }
        return new Replayed(nodes, refused, summaries);
    }
}
