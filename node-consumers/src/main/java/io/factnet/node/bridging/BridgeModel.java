package io.factnet.node.bridging;

import io.factnet.model.BridgeNetwork;
import io.factnet.model.BridgingEntry;
import io.factnet.model.InstancePort;
import io.factnet.net.MacAddress;
import io.factnet.net.InterfaceName;
import io.factnet.net.InvalidValueException;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.runtime.SyncReport.Rejection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** The bridging node's desired state, validated: per network a bridge with its gateway and its link to the other nodes. */
public record BridgeModel(List<Bridge> bridges) {

    /**
     * @param l2          how this bridge reaches the network's other nodes
     * @param gatewayHere whether the bridge carries the gateway address (the network host's does, ADR 0035)
     * @param vlanLink    VLAN: vlan&lt;id&gt; on {@code uplink}; empty otherwise
     * @param uplink      the physical interface the bridge reaches the network through, if any (VXLAN: the tunnel's
     *                    underlay device)
     * @param vxlan       VXLAN: the device vxlan&lt;id&gt; (VNI = VLAN id) in the bridge, from {@code local} to {@code peers}
     * @param dhcp        the network's DHCP server (address/prefix) when it is not the gateway (ADR 0046)
     * @param dhcpHere    whether the bridge carries {@code dhcp}: the addressing node's, where dnsmasq listens on it
     */
    public record Bridge(String resource, InterfaceName name, int vlan, Ipv4Cidr gateway, Optional<InterfaceName> vlanLink,
                         Optional<InterfaceName> uplink, BridgingConfig.L2 l2, boolean gatewayHere, Optional<Vxlan> vxlan,
                         Optional<Ipv4Cidr> dhcp, boolean dhcpHere) {

        /** The addresses this node's bridge carries: the gateway on the routing node, the DHCP server's on the addressing node. */
        public Set<Ipv4Cidr> addresses() {
            Set<Ipv4Cidr> addresses = new HashSet<>();
            if (gatewayHere) {
                addresses.add(gateway);
            }
            if (dhcpHere) {
                dhcp.ifPresent(addresses::add);
            }
            return Set.copyOf(addresses);
        }

        /** The address of the DHCP server whose answers the guarded ports here let in. */
        public Ipv4Address dhcpServer() {
            return dhcp.map(Ipv4Cidr::address).orElse(gateway.address());
        }

        /** The links that join the bridge to other nodes: frames from them are guarded by the node they come from. */
        public Set<String> links() {
            Set<String> links = new HashSet<>();
            vlanLink.ifPresent(l -> links.add(l.name()));
            vxlan.ifPresent(v -> links.add(v.name().name()));
            uplink.ifPresent(l -> links.add(l.name()));
            return Set.copyOf(links);
        }
    }

    /** A VXLAN device: VNI, local tunnel end, and the peers' underlay addresses (head-end replication, sorted). */
    public record Vxlan(InterfaceName name, int vni, Ipv4Address local, List<Ipv4Address> peers) {
        public static final int PORT = 4789;

        public Vxlan {
            peers = List.copyOf(peers);
        }
    }

    public record Built(BridgeModel model, List<Rejection> rejected) {
    }

    public static Built build(SortedMap<String, BridgingEntry> entries, BridgingConfig config) {
        List<Bridge> bridges = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        Set<InterfaceName> names = new HashSet<>();
        Set<String> vlans = new HashSet<>();
        Set<InterfaceName> untaggedUplinks = new HashSet<>();
        entries.forEach((resource, entry) -> {
            if (!(entry.getEntry() instanceof BridgeNetwork network)) {
                return; // an instance port or a group filter: see PortSecurity
            }
            try {
                InterfaceName name = new InterfaceName(network.getBridge());
                int vlan = network.getVlan();
                if (vlan < 1 || vlan > 4094) {
                    throw new InvalidValueException("VLAN", String.valueOf(vlan), "is not 1..4094");
                }
                Ipv4Cidr gateway = Ipv4Cidr.parseInterface(network.getGatewayCidr());
                if (gateway.prefix() > 30 || gateway.address().equals(gateway.network()) || gateway.address().equals(gateway.last())) {
                    throw new InvalidValueException("gateway", network.getGatewayCidr(), "is not a host address of its network");
                }
                Optional<Ipv4Cidr> dhcp = Optional.empty();
                if (network.getDhcpAddress() != null) {
                    Ipv4Address address = Ipv4Address.parse(network.getDhcpAddress());
                    Ipv4Cidr block = gateway.networkCidr();
                    if (!block.contains(address) || address.equals(block.network()) || address.equals(block.last())
                            || address.equals(gateway.address())) {
                        throw new InvalidValueException("DHCP address", network.getDhcpAddress(), "is not a host address of "
                                + block + " other than the gateway");
                    }
                    dhcp = Optional.of(Ipv4Cidr.parseInterface(address + "/" + gateway.prefix()));
                } else if (network.getDhcpHere()) {
                    throw new InvalidValueException("DHCP address", "null", "is needed on the bridge that carries it (dhcpHere)");
                }
                BridgingConfig.L2 l2 = config.l2(network.getPhysicalNetwork());
                Optional<InterfaceName> uplink = Optional.ofNullable(config.physicalInterfaces().get(network.getPhysicalNetwork()));
                Optional<InterfaceName> vlanLink = Optional.empty();
                Optional<Vxlan> vxlan = Optional.empty();
                if (l2 == BridgingConfig.L2.VLAN) {
                    if (uplink.isEmpty()) {
                        throw new InvalidValueException("physical network", network.getPhysicalNetwork(),
                                "has no interface on this node (--physical-interface NAME=IFACE)");
                    }
                    vlanLink = Optional.of(new InterfaceName("vlan" + vlan));
                    // The VLAN link is named by the VLAN alone: the same VLAN of two physical networks would be
                    // one interface, taken from one bridge by the other at every sync.
                    if (!vlans.add(vlanLink.get().name())) {
                        throw new InvalidValueException("VLAN", String.valueOf(vlan), "is used by another bridge here (its link "
                                + vlanLink.get() + "), maybe of another physical network");
                    }
                } else if (l2 == BridgingConfig.L2.VXLAN) {
                    Ipv4Address local = config.underlayAddress().orElseThrow();
                    vxlan = Optional.of(new Vxlan(new InterfaceName("vxlan" + vlan), vlan, local, peers(network, local)));
                    // Named by the VNI (the VLAN) like a VLAN link: two physical networks' equal VLANs would share it.
                    if (!vlans.add(vxlan.get().name().name())) {
                        throw new InvalidValueException("VLAN", String.valueOf(vlan), "is used by another bridge here (its link "
                                + vxlan.get().name() + "), maybe of another physical network");
                    }
                } else if (uplink.isPresent() && !untaggedUplinks.add(uplink.get())) {
                    throw new InvalidValueException("physical network", network.getPhysicalNetwork(),
                            "untagged: its interface " + uplink.get() + " is in another bridge already");
                }
                if (!names.add(name)) {
                    throw new InvalidValueException("bridge", name.name(), "is given twice");
                }
                bridges.add(new Bridge(resource, name, vlan, gateway, vlanLink, uplink, l2, network.getGatewayHere(), vxlan, dhcp,
                        network.getDhcpHere()));
            } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
                rejected.add(new Rejection(resource, e.getMessage()));
            }
        });
        return new Built(new BridgeModel(List.copyOf(bridges)), rejected);
    }

    /**
     * The peers, validated and sorted: one that is not an IPv4 address, or is this node's own, rejects the entry (a
     * partial peer list would silently cut instances off; the whole entry fails closed and says why).
     */
    private static List<Ipv4Address> peers(BridgeNetwork network, Ipv4Address local) {
        SortedSet<Ipv4Address> peers = new TreeSet<>();
        for (String peer : network.getPeers()) {
            Ipv4Address address;
            try {
                address = Ipv4Address.parse(peer);
            } catch (IllegalArgumentException e) {
                throw new InvalidValueException("peer", peer, "is not an IPv4 address");
            }
            if (address.equals(local)) {
                throw new InvalidValueException("peer", peer, "is this node's own underlay address");
            }
            peers.add(address);
        }
        return List.copyOf(peers);
    }

    /** The instance ports to watch (ADR 0031), on the bridges of this model; invalid ones are rejected. */
    public record Ports(List<PortWatcher.Watched> watched, List<Rejection> rejected) {
    }

    public Ports ports(SortedMap<String, BridgingEntry> entries) {
        Map<String, Bridge> byProject = new HashMap<>();
        entries.forEach((resource, entry) -> {
            if (entry.getEntry() instanceof BridgeNetwork) {
                bridges.stream().filter(b -> b.resource().equals(resource)).findFirst().ifPresent(b -> byProject.put(entry.getProject(), b));
            }
        });
        List<PortWatcher.Watched> watched = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        entries.forEach((resource, entry) -> {
            if (!(entry.getEntry() instanceof InstancePort port)) {
                return;
            }
            try {
                MacAddress mac = MacAddress.parse(port.getMac());
                if (!NAME.matcher(port.getInstance()).matches()) {
                    throw new InvalidValueException("instance", port.getInstance(), "is not a name");
                }
                Bridge bridge = byProject.get(entry.getProject());
                if (bridge != null) { // else its network's bridge is not (yet) here: nothing to watch
                    watched.add(new PortWatcher.Watched(entry.getProject(), port.getInstance(), mac, bridge.name().name(), bridge.links()));
                }
            } catch (IllegalArgumentException e) {
                rejected.add(new Rejection(resource, e.getMessage()));
            }
        });
        return new Ports(List.copyOf(watched), rejected);
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
}
