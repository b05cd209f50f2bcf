package io.factnet.controller.project;

import io.factnet.controller.alloc.Cidr;
import io.factnet.model.BridgeNetwork;
import io.factnet.model.DhcpHost;
import io.factnet.model.DhcpNetwork;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.FloatingNat;
import io.factnet.model.InstancePort;
import io.factnet.model.Network;
import io.factnet.model.NetworkSnat;
import io.factnet.model.TunnelPeer;
import io.factnet.model.Vpn;
import io.factnet.model.VpnForward;
import io.factnet.model.VpnTunnel;
import io.factnet.topics.PortNames;
import java.util.List;

/**
 * The node desired-state entries and their resource names (the part of the key after "node-id/"):
 * <pre>
 * routing     fip/&lt;floating address&gt;   FloatingNat   one per associated floating IP
 *             snat/&lt;project&gt;            NetworkSnat   one per network
 *             vpn/&lt;project&gt;             VpnForward    one per VPN
 *             group/&lt;project&gt;/&lt;group&gt;   GroupFilter   one per security group that has a subnet
 * addressing  net/&lt;project&gt;             DhcpNetwork   one per network
 *             host/&lt;project&gt;/&lt;address&gt; DhcpHost      one per fixed IP
 * bridging    bridge/&lt;project&gt;          BridgeNetwork one per network and node that serves it (ADR 0035, 0046)
 *             port/&lt;project&gt;/&lt;instance&gt; InstancePort one per fixed IP, on its host (watched, ADR 0031; guarded, ADR 0035)
 *             group/&lt;project&gt;/&lt;group&gt;   GroupFilter   one per group and host with a member of it (ADR 0035)
 * tunneling   vpn/&lt;project&gt;             VpnTunnel     one per VPN
 * </pre>
 */
final class NodeEntries {
    private NodeEntries() {
    }

    static String floatingResource(String floatingAddress) {
        return "fip/" + floatingAddress;
    }

    static String snatResource(String project) {
        return "snat/" + project;
    }

    static String vpnResource(String project) {
        return "vpn/" + project;
    }

    static String groupResource(String project, String group) {
        return "group/" + project + "/" + group;
    }

    static String dhcpNetworkResource(String project) {
        return "net/" + project;
    }

    static String dhcpHostResource(String project, String address) {
        return "host/" + project + "/" + address;
    }

    static String bridgeResource(String project) {
        return "bridge/" + project;
    }

    static String portResource(String project, String instance) {
        return "port/" + project + "/" + instance;
    }

    /** The instance's port on its host: its interface is named by project and instance (ADR 0035), guarded by its group's filter. */
    static InstancePort port(FixedIp fixed) {
        return InstancePort.newBuilder().setInstance(fixed.getInstance()).setMac(fixed.getMac()).setAddress(fixed.getAddress())
                .setPort(PortNames.of(fixed.getProject(), fixed.getInstance())).setGroup(fixed.getGroup()).build();
    }

    static NetworkSnat snat(Network network) {
        return NetworkSnat.newBuilder().setCidr(network.getCidr()).build();
    }

    static FloatingNat floatingNat(FloatingIp floating) {
        return FloatingNat.newBuilder().setFloatingAddress(floating.getAddress())
                .setFixedAddress(floating.getFixedAddress()).setInstance(floating.getInstance()).build();
    }

    /** The routing node forwards the VPN's public port to the tunneling node's public address. */
    static VpnForward vpnForward(Vpn vpn) {
        return VpnForward.newBuilder().setPublicPort(vpn.getPort()).setTargetAddress(vpn.getPublicAddress())
                .setTargetPort(vpn.getPort()).build();
    }

    static DhcpNetwork dhcpNetwork(Network network) {
        return DhcpNetwork.newBuilder().setBridge(network.getBridge()).setCidr(network.getCidr())
                .setGateway(network.getGateway()).setDnsServers(network.getDnsServers())
                .setDomain(network.getDomain()).setLeaseSeconds(network.getLeaseSeconds())
                .setServerAddress(Hosts.dhcpAddress(network)).build();
    }

    static DhcpHost dhcpHost(FixedIp fixed) {
        return DhcpHost.newBuilder().setMac(fixed.getMac()).setHostname(fixed.getHostname())
                .setAddress(fixed.getAddress()).build();
    }

    /**
     * The project's bridge on a node that serves the network (ADR 0035): the gateway on the routing node's; the DHCP
     * server's address (null: it is the gateway) named on every node's, and carried by the addressing node's (ADR 0046).
     */
    static BridgeNetwork bridge(Network network, boolean gatewayHere, List<String> peers, String dhcpAddress, boolean dhcpHere) {
        int prefix = Cidr.parse(network.getCidr()).prefix();
        return BridgeNetwork.newBuilder().setBridge(network.getBridge()).setVlan(network.getVlan())
                .setPhysicalNetwork(network.getPhysicalNetwork()).setGatewayCidr(network.getGateway() + "/" + prefix)
                .setGatewayHere(gatewayHere).setPeers(peers).setDhcpAddress(dhcpAddress).setDhcpHere(dhcpHere).build();
    }

    static VpnTunnel vpnTunnel(Vpn vpn, Network network) {
        return VpnTunnel.newBuilder().setInterfaceName(vpn.getInterfaceName()).setListenPort(vpn.getPort())
                .setAddress(vpn.getAddress()).setNetworkCidr(network.getCidr())
                .setPeers(vpn.getPeers().stream()
                        .map(p -> TunnelPeer.newBuilder().setPublicKey(p.getPublicKey()).setAllowedIp(p.getAddress() + "/32").build())
                        .toList())
                .build();
    }
}
