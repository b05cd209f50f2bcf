package io.factnet.node.bridging;

import io.factnet.model.BridgeNetwork;
import io.factnet.model.BridgingEntry;
import io.factnet.model.InstancePort;
import io.factnet.node.net.MacAddress;
import io.factnet.node.net.InterfaceName;
import io.factnet.node.net.InvalidValueException;
import io.factnet.node.net.Ipv4Cidr;
import io.factnet.node.runtime.SyncReport.Rejection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.regex.Pattern;

/** The bridging node's desired state, validated: per network a bridge with its gateway and its uplink. */
public record BridgeModel(List<Bridge> bridges) {

    /**
     * @param vlanLink tagged mode: vlan&lt;id&gt; on {@code uplink}; empty in untagged mode
     * @param uplink   the physical interface the bridge reaches the network through, if any
     */
    public record Bridge(String resource, InterfaceName name, int vlan, Ipv4Cidr gateway, Optional<InterfaceName> vlanLink,
                         Optional<InterfaceName> uplink) {
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
                return; // an instance port: watched, not built (ports)
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
                Optional<InterfaceName> uplink = Optional.ofNullable(config.physicalInterfaces().get(network.getPhysicalNetwork()));
                Optional<InterfaceName> vlanLink = Optional.empty();
                if (config.vlanMode() == BridgingConfig.VlanMode.TAGGED) {
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
                } else if (uplink.isPresent() && !untaggedUplinks.add(uplink.get())) {
                    throw new InvalidValueException("physical network", network.getPhysicalNetwork(),
                            "untagged: its interface " + uplink.get() + " is in another bridge already");
                }
                if (!names.add(name)) {
                    throw new InvalidValueException("bridge", name.name(), "is given twice");
                }
                bridges.add(new Bridge(resource, name, vlan, gateway, vlanLink, uplink));
            } catch (IllegalArgumentException e) {
                rejected.add(new Rejection(resource, e.getMessage()));
            }
        });
        return new Built(new BridgeModel(List.copyOf(bridges)), rejected);
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
                    Set<String> uplinks = new HashSet<>();
                    bridge.vlanLink().ifPresent(l -> uplinks.add(l.name()));
                    bridge.uplink().ifPresent(l -> uplinks.add(l.name()));
                    watched.add(new PortWatcher.Watched(entry.getProject(), port.getInstance(), mac, bridge.name().name(), Set.copyOf(uplinks)));
                }
            } catch (IllegalArgumentException e) {
                rejected.add(new Rejection(resource, e.getMessage()));
            }
        });
        return new Ports(List.copyOf(watched), rejected);
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
}
