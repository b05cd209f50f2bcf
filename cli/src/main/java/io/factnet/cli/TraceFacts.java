package io.factnet.cli;

import io.factnet.cli.history.TopicWindow;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.Network;
import io.factnet.model.Node;
import io.factnet.model.SecurityGroup;
import io.factnet.model.Vpn;
import io.factnet.node.routing.RoutingModelBuilder;
import io.factnet.topics.Topics;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code factnet trace} needs from the state topics: the nodes (their registration), the networks (which nodes
 * serve them), the fixed IPs (an instance's address and host) and floating IPs (to whom an address leads), and the
 * groups (to name their chains), the VPNs (their tunneling node and clients).
 */
record TraceFacts(Map<String, Node> nodes, Map<String, Network> networks, Map<String, FixedIp> fixedIps,
                  Map<String, FloatingIp> floatingIps, Map<String, String> chainNames, Map<String, Vpn> vpns) {

    static TraceFacts read(TopicWindow window) {
        Map<String, Node> nodes = new LinkedHashMap<>();
        window.latest(Topics.STATE_NODES).forEach(r -> nodes.put(r.value().getNodeId(), r.value()));
        Map<String, Network> networks = new LinkedHashMap<>();
        window.latest(Topics.STATE_NETWORKS).forEach(r -> networks.put(r.value().getProject(), r.value()));
        Map<String, FixedIp> fixed = new LinkedHashMap<>();
        window.latest(Topics.STATE_FIXED_IPS).forEach(r -> fixed.put(r.value().getAddress(), r.value()));
        Map<String, FloatingIp> floating = new LinkedHashMap<>();
        window.latest(Topics.STATE_FLOATING_IPS).forEach(r -> floating.put(r.value().getAddress(), r.value()));
        Map<String, String> chains = new LinkedHashMap<>();
        for (TopicWindow.Read<SecurityGroup> read : window.latest(Topics.STATE_GROUPS)) {
            String project = read.value().getProject();
            String group = read.value().getName();
            String id = RoutingModelBuilder.chainId(project, group);
            chains.put("group_" + id, project + "/" + group);
            chains.put("egress_" + id, project + "/" + group + " egress");
        }
        Map<String, Vpn> vpns = new LinkedHashMap<>();
        window.latest(Topics.STATE_VPNS).forEach(r -> vpns.put(r.value().getProject(), r.value()));
        return new TraceFacts(nodes, networks, fixed, floating, chains, vpns);
    }

    /** The instance's fixed IP in the project. */
    Optional<FixedIp> instance(String project, String instance) {
        return fixedIps.values().stream().filter(f -> f.getProject().equals(project) && f.getInstance().equals(instance)).findFirst();
    }

    /**
     * The nodes a packet between these addresses may cross: for each fixed address (an instance's, or the one a floating
     * address leads to) its network's routing and bridging nodes and its own host; with no such address every routing
     * node (the destination may be one of their public addresses).
     */
    Set<String> nodesFor(String... addresses) {
        Set<String> out = new LinkedHashSet<>();
        for (String address : addresses) {
            FixedIp fixed = fixedIps.get(address);
            FloatingIp floating = floatingIps.get(address);
            if (fixed == null && floating != null && floating.getFixedAddress() != null) {
                fixed = fixedIps.get(floating.getFixedAddress());
            }
            Network network = fixed != null ? networks.get(fixed.getProject())
                    : floating != null ? networks.get(floating.getProject()) : null;
            if (network != null) {
                out.add(network.getNodes().getRouting());
                out.add(network.getNodes().getBridging());
            }
            if (fixed != null && fixed.getHost() != null) {
                out.add(fixed.getHost());
            }
        }
        if (out.isEmpty()) {
            nodes.values().stream().filter(n -> n.getRoles().contains(io.factnet.model.NodeRole.ROUTING)).forEach(n -> out.add(n.getNodeId()));
        }
        return out;
    }
}
