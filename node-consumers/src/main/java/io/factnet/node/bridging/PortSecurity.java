package io.factnet.node.bridging;

import io.factnet.model.BridgeNetwork;
import io.factnet.model.BridgingEntry;
import io.factnet.model.EgressFilterRule;
import io.factnet.model.FilterRule;
import io.factnet.model.GroupFilter;
import io.factnet.model.InstancePort;
import io.factnet.net.InterfaceName;
import io.factnet.net.InvalidValueException;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.net.MacAddress;
import io.factnet.node.routing.RoutingModel;
import io.factnet.node.routing.RoutingModelBuilder;
import io.factnet.node.runtime.SyncReport.Rejection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the node guards at its instances' ports (ADR 0035), validated: each guarded port (interface, MAC, address,
 * its group's chain) and the filters of the groups they are in. A port is guarded when its entry names its interface
 * ({@code InstancePort.port}) and its network's bridge is on this node.
 *
 * @param strictBridges the bridges where a port that is not a known instance's or a link to the other nodes is a
 *                      stranger and dropped: those with a guarded port and no port of an entry older than the field
 *                      (an unguarded instance's port has an unknown name and must keep working)
 * @param links         per strict bridge, the links that join it to the other nodes (never strangers)
 */
public record PortSecurity(List<GuardedPort> ports, List<RoutingModel.GroupChain> groups, Map<String, Set<String>> strictBridges,
                           List<Ipv4Address> dhcpServers) {

    public PortSecurity {
        ports = List.copyOf(ports);
        groups = List.copyOf(groups);
        strictBridges = Map.copyOf(strictBridges);
        dhcpServers = List.copyOf(dhcpServers);
    }

    /**
     * @param group the id of its group's chain ({@link RoutingModelBuilder#chainId}); empty when the port has no group
     *              or its group's filter is not here (yet): nothing new reaches it then (fails closed)
     * @param egress whether its group limits what it sends
     */
    public record GuardedPort(String resource, InterfaceName port, MacAddress mac, Ipv4Address address, String bridge,
                              Optional<String> group, boolean egress) {
    }

    public record Built(PortSecurity model, List<Rejection> rejected) {
    }

    public boolean guards() {
        return !ports.isEmpty();
    }

    public static Built build(SortedMap<String, BridgingEntry> entries, BridgeModel bridges) {
        Map<String, BridgeModel.Bridge> byProject = new HashMap<>();
        entries.forEach((resource, entry) -> {
            if (entry.getEntry() instanceof BridgeNetwork) {
                bridges.bridges().stream().filter(b -> b.resource().equals(resource)).findFirst()
                        .ifPresent(b -> byProject.put(entry.getProject(), b));
            }
        });
        List<Rejection> rejected = new ArrayList<>();
        Map<String, RoutingModel.GroupChain> groups = new TreeMap<>();
        entries.forEach((resource, entry) -> {
            if (entry.getEntry() instanceof GroupFilter filter && byProject.containsKey(entry.getProject())) {
                try {
                    groups.put(RoutingModelBuilder.chainId(entry.getProject(), filter.getGroup()), group(resource, entry.getProject(),
                            filter, rejected));
                } catch (IllegalArgumentException e) {
                    rejected.add(new Rejection(resource, e.getMessage()));
                }
            }
        });
        List<GuardedPort> ports = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<Ipv4Address> addresses = new HashSet<>();
        Set<String> legacy = new HashSet<>();
        entries.forEach((resource, entry) -> {
            if (!(entry.getEntry() instanceof InstancePort port) || !byProject.containsKey(entry.getProject())) {
                return;
            }
            BridgeModel.Bridge bridge = byProject.get(entry.getProject());
            if (port.getPort() == null) {
                legacy.add(bridge.name().name());
                return;
            }
            try {
                InterfaceName name = new InterfaceName(port.getPort());
                MacAddress mac = MacAddress.parse(port.getMac());
                Ipv4Address address = Ipv4Address.parse(port.getAddress());
                Ipv4Cidr block = bridge.gateway().networkCidr();
                if (!block.contains(address)) {
                    throw new InvalidValueException("address", port.getAddress(), "is outside its network " + block);
                }
                if (bridge.links().contains(name.name()) || name.equals(bridge.name())) {
                    throw new InvalidValueException("port", name.name(), "is the bridge or its link to the other nodes");
                }
                if (!names.add(name.name())) {
                    throw new InvalidValueException("port", name.name(), "is another instance's port here");
                }
                if (!addresses.add(address)) {
                    throw new InvalidValueException("address", port.getAddress(), "is another guarded port's here");
                }
                Optional<String> group = Optional.ofNullable(port.getGroup())
                        .map(g -> RoutingModelBuilder.chainId(entry.getProject(), g)).filter(groups::containsKey);
                boolean egress = group.map(g -> groups.get(g).egress().isPresent()).orElse(false);
                ports.add(new GuardedPort(resource, name, mac, address, bridge.name().name(), group, egress));
            } catch (IllegalArgumentException e) {
                rejected.add(new Rejection(resource, e.getMessage()));
            }
        });
        Map<String, Set<String>> strict = new TreeMap<>();
        for (GuardedPort port : ports) {
            if (!legacy.contains(port.bridge())) {
                bridges.bridges().stream().filter(b -> b.name().name().equals(port.bridge())).findFirst()
                        .ifPresent(b -> strict.put(b.name().name(), b.links()));
            }
        }
        // Only the groups a guarded port here is in: a filter arrives with the host's first member (ADR 0035).
        Set<String> used = new HashSet<>();
        ports.forEach(p -> p.group().ifPresent(used::add));
        groups.keySet().retainAll(used);
        // The DHCP server of a guarded port's network is dnsmasq on the gateway address, or on the addressing node's own
        // address when that is not the routing node (ADR 0046): its unicast
        // answers to an instance that has no address yet match no connection (the request went to 255.255.255.255).
        Set<String> guardedBridges = new HashSet<>();
        ports.forEach(p -> guardedBridges.add(p.bridge()));
        List<Ipv4Address> dhcpServers = bridges.bridges().stream().filter(b -> guardedBridges.contains(b.name().name()))
                .map(BridgeModel.Bridge::dhcpServer).distinct().sorted(java.util.Comparator.comparing(Ipv4Address::toString)).toList();
        return new Built(new PortSecurity(ports, List.copyOf(groups.values()), strict, dhcpServers), rejected);
    }

    /** A group's chain; a bad rule is left out and reported, the chain still ends in drop (fails closed). */
    private static RoutingModel.GroupChain group(String resource, String project, GroupFilter filter, List<Rejection> rejected) {
        Ipv4Cidr subnet = Ipv4Cidr.parseNetwork(filter.getSubnet());
        List<RoutingModel.AllowRule> rules = new ArrayList<>();
        for (int i = 0; i < filter.getRules().size(); i++) {
            FilterRule r = filter.getRules().get(i);
            try {
                rules.add(RoutingModelBuilder.rule(r));
            } catch (IllegalArgumentException e) {
                rejected.add(new Rejection(resource + "#rule" + i, e.getMessage()));
            }
        }
        Optional<List<RoutingModel.AllowRule>> egress = Optional.empty();
        if (filter.getEgress() != null) {
            List<RoutingModel.AllowRule> out = new ArrayList<>();
            for (int i = 0; i < filter.getEgress().size(); i++) {
                EgressFilterRule r = filter.getEgress().get(i);
                try {
                    out.add(RoutingModelBuilder.rule(r));
                } catch (IllegalArgumentException e) {
                    rejected.add(new Rejection(resource + "#egress" + i, e.getMessage()));
                }
            }
            egress = Optional.of(out);
        }
        return new RoutingModel.GroupChain(RoutingModelBuilder.chainId(project, filter.getGroup()), subnet, rules, egress);
    }
}
