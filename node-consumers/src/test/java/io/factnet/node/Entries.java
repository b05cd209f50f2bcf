package io.factnet.node;

import io.factnet.model.AddressingEntry;
import io.factnet.model.BridgeNetwork;
import io.factnet.model.BridgingEntry;
import io.factnet.model.DhcpHost;
import io.factnet.model.DhcpNetwork;
import io.factnet.model.EgressFilterRule;
import io.factnet.model.FilterRule;
import io.factnet.model.FloatingNat;
import io.factnet.model.GroupFilter;
import io.factnet.model.NetworkSnat;
import io.factnet.model.Protocol;
import io.factnet.model.RoutingEntry;
import io.factnet.model.TunnelPeer;
import io.factnet.model.TunnelingEntry;
import io.factnet.model.VpnForward;
import io.factnet.model.VpnTunnel;
import java.util.List;

/** Desired-state entries as the controller writes them, for tests. */
public final class Entries {
    private Entries() {
    }

    public static RoutingEntry floating(String project, String floating, String fixed) {
        return routing(project, FloatingNat.newBuilder().setFloatingAddress(floating).setFixedAddress(fixed).build());
    }

    /** A floating address associated with an instance, as the controller writes it since ADR 0032. */
    public static RoutingEntry floating(String project, String floating, String fixed, String instance) {
        return routing(project, FloatingNat.newBuilder().setFloatingAddress(floating).setFixedAddress(fixed)
                .setInstance(instance).build());
    }

    public static RoutingEntry snat(String project, String cidr) {
        return routing(project, NetworkSnat.newBuilder().setCidr(cidr).build());
    }

    public static RoutingEntry forward(String project, int publicPort, String target, int targetPort) {
        return routing(project, VpnForward.newBuilder().setPublicPort(publicPort).setTargetAddress(target)
                .setTargetPort(targetPort).build());
    }

    public static RoutingEntry group(String project, String group, String subnet, FilterRule... rules) {
        return routing(project, GroupFilter.newBuilder().setGroup(group).setSubnet(subnet).setRules(List.of(rules)).build());
    }

    /** The group's filter with egress rules: only what they allow goes out (none given: nothing new goes out). */
    public static RoutingEntry withEgress(RoutingEntry group, EgressFilterRule... rules) {
        GroupFilter filter = GroupFilter.newBuilder((GroupFilter) group.getEntry()).setEgress(List.of(rules)).build();
        return routing(group.getProject(), filter);
    }

    /** The rule as the controller sends a group rule: its id and the AddRule request that created it (null: none). */
    public static FilterRule added(FilterRule rule, String ruleId, String requestId) {
        return FilterRule.newBuilder(rule).setRuleId(ruleId).setRequestId(requestId).build();
    }

    /** The same for an egress rule. */
    public static EgressFilterRule added(EgressFilterRule rule, String ruleId, String requestId) {
        return EgressFilterRule.newBuilder(rule).setRuleId(ruleId).setRequestId(requestId).build();
    }

    public static EgressFilterRule egressTcp(int from, int to, String destination) {
        return EgressFilterRule.newBuilder().setProtocol(Protocol.TCP).setFromPort(from).setToPort(to)
                .setDestinationCidr(destination).build();
    }

    public static EgressFilterRule egressUdp(int port, String destination) {
        return EgressFilterRule.newBuilder().setProtocol(Protocol.UDP).setFromPort(port).setToPort(port)
                .setDestinationCidr(destination).build();
    }

    public static EgressFilterRule egressIcmp(Integer type, String destination) {
        return EgressFilterRule.newBuilder().setProtocol(Protocol.ICMP).setIcmpType(type).setDestinationCidr(destination).build();
    }

    public static EgressFilterRule egressAny(String destination) {
        return EgressFilterRule.newBuilder().setProtocol(Protocol.ANY).setDestinationCidr(destination).build();
    }

    public static FilterRule tcp(int from, int to, String source) {
        return FilterRule.newBuilder().setProtocol(Protocol.TCP).setFromPort(from).setToPort(to).setSourceCidr(source).build();
    }

    public static FilterRule udp(int port, String source) {
        return FilterRule.newBuilder().setProtocol(Protocol.UDP).setFromPort(port).setToPort(port).setSourceCidr(source).build();
    }

    public static FilterRule icmp(Integer type, Integer code, String source) {
        return FilterRule.newBuilder().setProtocol(Protocol.ICMP).setIcmpType(type).setIcmpCode(code).setSourceCidr(source).build();
    }

    public static FilterRule any(String source) {
        return FilterRule.newBuilder().setProtocol(Protocol.ANY).setSourceCidr(source).build();
    }

    public static RoutingEntry routing(String project, Object entry) {
        return RoutingEntry.newBuilder().setProject(project).setRequestId("req-" + project).setEntry(entry).build();
    }

    public static AddressingEntry dhcpNetwork(String project, String bridge, String cidr, String gateway, List<String> dns,
                                              String domain, int leaseSeconds) {
        return AddressingEntry.newBuilder().setProject(project).setRequestId("req-" + project)
                .setEntry(DhcpNetwork.newBuilder().setBridge(bridge).setCidr(cidr).setGateway(gateway).setDnsServers(dns)
                        .setDomain(domain).setLeaseSeconds(leaseSeconds).build()).build();
    }

    public static AddressingEntry dhcpHost(String project, String mac, String hostname, String address) {
        return AddressingEntry.newBuilder().setProject(project).setRequestId("req-" + project)
                .setEntry(DhcpHost.newBuilder().setMac(mac).setHostname(hostname).setAddress(address).build()).build();
    }

    public static BridgingEntry bridge(String project, String bridge, int vlan, String gatewayCidr) {
        return BridgingEntry.newBuilder().setProject(project).setRequestId("req-" + project)
                .setEntry(BridgeNetwork.newBuilder().setBridge(bridge).setVlan(vlan).setPhysicalNetwork("physnet1")
                        .setGatewayCidr(gatewayCidr).build()).build();
    }

    /** An instance's port on its network's bridge, as the controller writes it with the fixed IP (ADR 0031). */
    public static BridgingEntry port(String project, String instance, String mac, String address) {
        return BridgingEntry.newBuilder().setProject(project).setRequestId("r-" + instance)
                .setEntry(io.factnet.model.InstancePort.newBuilder().setInstance(instance).setMac(mac).setAddress(address).build()).build();
    }

    public static TunnelingEntry tunnel(String project, String interfaceName, int port, String address, String networkCidr,
                                        TunnelPeer... peers) {
        return TunnelingEntry.newBuilder().setProject(project).setRequestId("req-" + project)
                .setEntry(VpnTunnel.newBuilder().setInterfaceName(interfaceName).setListenPort(port).setAddress(address)
                        .setNetworkCidr(networkCidr).setPeers(List.of(peers)).build()).build();
    }

    public static TunnelPeer peer(String publicKey, String allowedIp) {
        return TunnelPeer.newBuilder().setPublicKey(publicKey).setAllowedIp(allowedIp).build();
    }

    /** A bridge on a host of the project's L2 (ADR 0035): the gateway address only where {@code gatewayHere}. */
    public static BridgingEntry bridge(String project, String bridge, int vlan, String gatewayCidr, boolean gatewayHere,
                                       String... peers) {
        BridgingEntry entry = bridge(project, bridge, vlan, gatewayCidr);
        BridgeNetwork network = (BridgeNetwork) entry.getEntry();
        network.setGatewayHere(gatewayHere);
        network.setPeers(List.of(peers));
        return entry;
    }

    /** An instance's port guarded on its host (ADR 0035): named by {@link #portByMac}, in {@code group}. */
    public static BridgingEntry guardedPort(String project, String instance, String mac, String address, String group) {
        BridgingEntry entry = port(project, instance, mac, address);
        io.factnet.model.InstancePort port = (io.factnet.model.InstancePort) entry.getEntry();
        port.setPort(portByMac(mac));
        port.setGroup(group);
        return entry;
    }

    /** A group's filter for the bridging agent: the routing entry's GroupFilter in a bridging entry. */
    public static BridgingEntry groupFilter(String project, RoutingEntry group) {
        return BridgingEntry.newBuilder().setProject(project).setRequestId("req-" + project).setEntry(group.getEntry()).build();
    }

    /**
     * A port interface name for tests that write bridging entries by hand: tap and the MAC's last four octets. The
     * agent guards whatever name the entry gives; the controller's is {@link io.factnet.topics.PortNames#of}.
     */
    public static String portByMac(String mac) {
        return "tap" + mac.replace(":", "").substring(4);
    }
}
