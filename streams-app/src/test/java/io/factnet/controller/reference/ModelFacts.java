package io.factnet.controller.reference;

import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.GroupSubnet;
import io.factnet.model.InstanceStatus;
import io.factnet.model.Network;
import io.factnet.model.Node;
import io.factnet.model.NodePlacement;
import io.factnet.model.NodeRole;
import io.factnet.model.Rule;
import io.factnet.model.SecurityGroup;
import io.factnet.model.Vpn;
import io.factnet.model.VpnPeer;
import io.factnet.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the controller must have published on its state topics, as the reference model sees it: the latest
 * value per key of {@code factnet.state.*}, keyed as docs/topics.md says (networks and VPNs by project, group
 * subnets and groups by project/group, fixed and floating IPs by address, nodes by node id).
 */
public record ModelFacts(Map<String, Network> networks, Map<String, GroupSubnet> groupSubnets,
                         Map<String, SecurityGroup> groups, Map<String, FixedIp> fixedIps, Map<String, FloatingIp> floatingIps,
                         Map<String, Vpn> vpns, Map<String, Node> nodes) {

    /** The facts by topic name. */
    public Map<String, Map<String, ?>> byTopic() {
        Map<String, Map<String, ?>> topics = new TreeMap<>();
        topics.put(Topics.STATE_NETWORKS.name(), networks);
        topics.put(Topics.STATE_GROUP_SUBNETS.name(), groupSubnets);
        topics.put(Topics.STATE_GROUPS.name(), groups);
        topics.put(Topics.STATE_FIXED_IPS.name(), fixedIps);
        topics.put(Topics.STATE_FLOATING_IPS.name(), floatingIps);
        topics.put(Topics.STATE_VPNS.name(), vpns);
        topics.put(Topics.STATE_NODES.name(), nodes);
        return topics;
    }

    /**
     * Where the actual state topics (topic name -> key -> latest value) differ from these facts: keys missing,
     * keys the model does not have, and values that differ (both shown).
     */
    public List<String> differences(Map<String, ? extends Map<String, ?>> actual) {
        List<String> differences = new ArrayList<>();
        byTopic().forEach((topic, expected) -> {
            Map<String, ?> found = actual.containsKey(topic) ? actual.get(topic) : Map.of();
            expected.forEach((key, value) -> {
                Object there = found.get(key);
                if (there == null) {
                    differences.add(topic + " lacks " + key + ": the model has " + value);
                } else if (!there.equals(value)) {
                    differences.add(topic + " " + key + " is " + there + ", the model has " + value);
                }
            });
            found.keySet().stream().filter(key -> !expected.containsKey(key))
                    .forEach(key -> differences.add(topic + " has " + key + ", which the model does not: " + found.get(key)));
        });
        return differences;
    }

    static ModelFacts of(Map<String, ReferenceModel.ProjectState> projects, Map<String, ReferenceModel.NodeState> nodeStates) {
        Map<String, Network> networks = new TreeMap<>();
        Map<String, GroupSubnet> subnets = new TreeMap<>();
        Map<String, SecurityGroup> groups = new TreeMap<>();
        Map<String, FixedIp> fixed = new TreeMap<>();
        Map<String, FloatingIp> floating = new TreeMap<>();
        Map<String, Vpn> vpns = new TreeMap<>();
        projects.forEach((project, p) -> {
            ReferenceModel.NetworkState n = p.network;
            if (n != null) {
                networks.put(project, network(project, n));
            }
            p.groups.forEach((name, g) -> {
                if (g.published) {
                    groups.put(project + "/" + name, group(project, name, g));
                }
                if (n != null && g.slot >= 0) {
                    subnets.put(project + "/" + name, GroupSubnet.newBuilder().setProject(project).setGroup(name)
                            .setCidr(ReferenceModel.ip(g.subnet) + "/" + n.groupPrefix).build());
                }
            });
            p.fixed.values().forEach(f -> fixed.put(ReferenceModel.ip(f.address), FixedIp.newBuilder()
                    .setAddress(ReferenceModel.ip(f.address)).setProject(project).setGroup(f.group).setInstance(f.instance)
                    .setMac(f.mac).setHostname(f.hostname).setLeased(f.leased)
                    .setStatus(f.downSince == null ? InstanceStatus.UP : InstanceStatus.DOWN).setDownSince(f.downSince).setHost(f.host).build()));
            p.floating.forEach((address, f) -> floating.put(address, FloatingIp.newBuilder().setAddress(address).setPool(f.pool)
                    .setProject(project).setFixedAddress(f.fixedAddress == null ? null : ReferenceModel.ip(f.fixedAddress))
                    .setInstance(f.instance).setAutoAssigned(f.autoAssigned).build()));
            if (p.vpn != null && n != null) {
                vpns.put(project, vpn(project, p.vpn, n));
            }
        });
        Map<String, Node> nodes = new TreeMap<>();
        nodeStates.forEach((id, node) -> {
            Map<String, Integer> load = new TreeMap<>();
            node.load.forEach((role, count) -> load.put(role.name(), count));
            nodes.put(id, Node.newBuilder().setNodeId(id).setRoles(node.roles).setPublicAddress(node.publicAddress)
                    .setVpnPortFirst(node.portFirst).setVpnPortLast(node.portLast).setLoad(load).setPublicKey(node.publicKey)
                    .setPhysicalNetworks(node.physnets).setUnderlayAddress(node.underlay).build());
        });
        return new ModelFacts(networks, subnets, groups, fixed, floating, vpns, nodes);
    }

    private static Network network(String project, ReferenceModel.NetworkState n) {
        return Network.newBuilder().setProject(project).setPhysicalNetwork(n.physnet).setVlan(n.vlan).setCidr(n.cidr())
                .setBridge("br" + n.vlan).setGateway(n.gateway()).setVpnAddress(ReferenceModel.ip(n.vpnSubnet() + 1))
                .setVpnClientSubnet(ReferenceModel.ip(n.vpnSubnet()) + "/" + n.groupPrefix).setGroupPrefix(n.groupPrefix)
                .setDnsServers(n.dnsServers).setDomain(n.domain).setLeaseSeconds(n.leaseSeconds)
                .setNodes(NodePlacement.newBuilder().setRouting(n.node(NodeRole.ROUTING)).setAddressing(n.node(NodeRole.ADDRESSING))
                        .setBridging(n.node(NodeRole.BRIDGING)).setTunneling(n.node(NodeRole.TUNNELING)).build())
                .build();
    }

    private static SecurityGroup group(String project, String name, ReferenceModel.GroupState g) {
        List<Rule> rules = new ArrayList<>();
        for (ReferenceModel.RuleState r : g.rules) {
            rules.add(Rule.newBuilder().setRuleId(r.id()).setProtocol(r.protocol()).setFromPort(r.from()).setToPort(r.to())
                    .setIcmpType(r.icmpType()).setIcmpCode(r.icmpCode()).setSourceCidr(r.sourceCidr())
                    .setSourceGroup(r.sourceGroup()).setDirection(r.direction()).setDestinationCidr(r.destinationCidr())
                    .setDestinationGroup(r.destinationGroup()).setRequestId(r.requestId()).build());
        }
        List<io.factnet.model.Reservation> reserved = new ArrayList<>();
        g.reserved.forEach((address, description) -> reserved.add(io.factnet.model.Reservation.newBuilder()
                .setAddress(ReferenceModel.ip(address)).setDescription(description).build()));
        return SecurityGroup.newBuilder().setProject(project).setName(name).setDescription(g.description).setRules(rules)
                .setReserved(reserved).build();
    }

    private static Vpn vpn(String project, ReferenceModel.VpnState v, ReferenceModel.NetworkState n) {
        List<VpnPeer> peers = new ArrayList<>();
        v.peers.forEach((key, address) -> peers.add(VpnPeer.newBuilder().setPublicKey(key).setAddress(ReferenceModel.ip(address)).build()));
        return Vpn.newBuilder().setProject(project).setNodeId(v.node).setPublicAddress(v.publicAddress).setPort(v.port)
                .setInterfaceName("wg" + n.vlan).setAddress(ReferenceModel.ip(n.vpnSubnet() + 1) + "/" + n.groupPrefix)
                .setPeers(peers).build();
    }
}
