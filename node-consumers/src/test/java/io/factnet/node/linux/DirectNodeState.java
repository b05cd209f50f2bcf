package io.factnet.node.linux;

import static io.factnet.node.NodeTopicsWriter.change;

import io.factnet.model.AppliedAck;
import io.factnet.model.FilterRule;
import io.factnet.model.NodeRole;
import io.factnet.node.Entries;
import io.factnet.node.NodeEventsReader;
import io.factnet.node.NodeTopicsWriter;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cloud of the end-to-end test without the controller: it allocates like the controller would
 * (one project, VLAN 100, block 10.0.0.0/20, a /24 per group, VPN clients in 172.16.100.0/24) and
 * writes the node desired state straight to the node topics, one node for every role.
 */
final class DirectNodeState implements CloudUnderTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final NodeTopicsWriter writer;
    private final NodeEventsReader events;
    private final String node;
    private final String publicAddress;
    private final Map<NodeRole, Long> pending = new EnumMap<>(NodeRole.class);
    private final Map<String, List<FilterRule>> rules = new LinkedHashMap<>();
    private final Map<String, String> instances = new HashMap<>();
    private final List<io.factnet.model.TunnelPeer> peers = new ArrayList<>();
    private String tunnelingKey;
    private int nextHost = 5;

    DirectNodeState(NodeTopicsWriter writer, NodeEventsReader events, String node, String publicAddress) {
        this.writer = writer;
        this.events = events;
        this.node = node;
        this.publicAddress = publicAddress;
    }

    @Override
    public Network createNetwork(String project) {
        write(NodeRole.BRIDGING, change(Topics.NODE_BRIDGING, node, "network/" + project,
                Entries.bridge(project, "br100", 100, "10.0.0.1/20")));
        write(NodeRole.ADDRESSING, change(Topics.NODE_ADDRESSING, node, "network/" + project,
                Entries.dhcpNetwork(project, "br100", "10.0.0.0/20", "10.0.0.1", List.of(), "novalocal", 3600)));
        write(NodeRole.ROUTING, change(Topics.NODE_ROUTING, node, "snat/" + project, Entries.snat(project, "10.0.0.0/20")));
        return new Network(100, "br100", "10.0.0.0/20", "10.0.0.1");
    }

    @Override
    public String allocateFixedIp(String project, String instance, String group, String mac) {
        String address = "10.0.1." + nextHost++;
        instances.put(instance, address);
        rules.putIfAbsent(group, new ArrayList<>());
        writeGroup(project, group);
        write(NodeRole.ADDRESSING, change(Topics.NODE_ADDRESSING, node, "host/" + project + "/" + instance,
                Entries.dhcpHost(project, mac, instance, address)));
        return address;
    }

    @Override
    public void allowTcp(String project, String group, int port) {
        rules.get(group).add(Entries.tcp(port, port, "0.0.0.0/0"));
        writeGroup(project, group);
    }

    @Override
    public void allowIcmp(String project, String group) {
        rules.get(group).add(Entries.icmp(null, null, "0.0.0.0/0"));
        writeGroup(project, group);
    }

    private void writeGroup(String project, String group) {
        write(NodeRole.ROUTING, change(Topics.NODE_ROUTING, node, "group/" + project + "/" + group,
                Entries.group(project, group, "10.0.1.0/24", rules.get(group).toArray(FilterRule[]::new))));
    }

    @Override
    public void associateFloatingIp(String project, String floating, String instance) {
        write(NodeRole.ROUTING, change(Topics.NODE_ROUTING, node, "floating/" + floating,
                Entries.floating(project, floating, instances.get(instance))));
    }

    @Override
    public void disassociateFloatingIp(String project, String floating) {
        write(NodeRole.ROUTING, change(Topics.NODE_ROUTING, node, "floating/" + floating, null));
    }

    @Override
    public String createVpn(String project) {
        writeTunnel(project);
        // The routing node forwards the VPN's public port to the tunneling node (here: the same node).
        write(NodeRole.ROUTING, change(Topics.NODE_ROUTING, node, "vpn/" + project,
                Entries.forward(project, 51000, publicAddress, 51820)));
        return publicAddress + ":51000";
    }

    @Override
    public String addVpnPeer(String project, String publicKey) {
        String address = "172.16.100." + (peers.size() + 2);
        peers.add(Entries.peer(publicKey, address + "/32"));
        writeTunnel(project);
        return address;
    }

    private void writeTunnel(String project) {
        write(NodeRole.TUNNELING, change(Topics.NODE_TUNNELING, node, "vpn/" + project,
                Entries.tunnel(project, "vpn100", 51820, "172.16.100.1/24", "10.0.0.0/20",
                        peers.toArray(io.factnet.model.TunnelPeer[]::new))));
    }

    private void write(NodeRole role, NodeTopicsWriter.Change<?> change) {
        pending.merge(role, writer.write(List.of(change)), Math::max);
    }

    @Override
    public void awaitApplied() {
        pending.forEach((role, offset) -> {
            AppliedAck ack = (AppliedAck) events.await(r -> r.getCommand() instanceof AppliedAck a && a.getNodeId().equals(node)
                    && a.getRole() == role && a.getAppliedOffset() >= offset && a.getError() == null, WAIT).getCommand();
            if (role == NodeRole.TUNNELING) {
                tunnelingKey = ack.getPublicKey();
            }
        });
        pending.clear();
    }

    @Override
    public String vpnServerKey() {
        return tunnelingKey;
    }
}
