package io.factnet.controller.project;

import io.factnet.controller.alloc.Cidr;
import io.factnet.controller.alloc.Ipv4;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.model.BindHost;
import io.factnet.model.ClaimHop;
import io.factnet.model.FixedIp;
import io.factnet.model.Grant;
import io.factnet.model.GroupRecord;
import io.factnet.model.Network;
import io.factnet.model.NodePlacement;
import io.factnet.model.NodeRole;
import io.factnet.model.UnbindHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where a project's instances run and which nodes carry its L2 (ADR 0035, 0046). Every node that serves the network
 * carries the project's bridge: the routing node's holds the gateway address, the addressing node's (when it is another
 * node) the DHCP server's address, the bridging node's (the network host of the instances without a host) and a compute
 * host's (while it hosts an instance of the project) none. Each bridge lists the underlay addresses of the others (its
 * VXLAN peers). A host carries a group's filter while it hosts a member of the group.
 *
 * <p>Counts, not scans: {@code ProjectRecord.hostPorts} counts the instances per explicit host, and
 * {@code GroupRecord.hosts} the group's members per explicit host ({@link #NETWORK_HOST} for the instances without
 * one, which follow the network host when it moves), so a request touches what it changes, not the project.
 */
final class Hosts {
    /** The key of {@code GroupRecord.hosts} for the members without a host of their own: on the network host. */
    static final String NETWORK_HOST = "";

    private Hosts() {
    }

    /** The node an instance's port is on. */
    static String of(Network network, FixedIp fixed) {
        return fixed.getHost() != null ? fixed.getHost() : network.getNodes().getBridging();
    }

    /**
     * Is the node the one an instance with that explicit host (null: none) should be bound to anew? A node that runs no
     * instance port of the project yet is checked (BRIDGING, ...), also when it carries the bridge for another role.
     */
    static boolean needsBinding(ProjectContext ctx, String host) {
        Network network = ctx.network();
        return host != null && (network == null || !portHosts(ctx).contains(host));
    }

    /** The hop that checks a host and records the network's VLAN on it, before an instance is put there. */
    static ClaimHop bindHop(ProjectContext ctx, String host) {
        Network network = ctx.network();
        BindHost bind = network == null
                ? BindHost.newBuilder().setNodeId(host).setNetworkHost("").setPhysicalNetwork("").setVlan(0).build()
                : BindHost.newBuilder().setNodeId(host).setNetworkHost(network.getNodes().getBridging())
                        .setPhysicalNetwork(network.getPhysicalNetwork()).setVlan(network.getVlan()).build();
        return PoolKeys.hop(PoolKeys.NODES, bind);
    }

    /** Records the network's VLAN on a host that now carries its bridge (checked before by a {@link #bindHop}). */
    static BindHost record(ProjectContext ctx, String host) {
        BindHost record = (BindHost) bindHop(ctx, host).getOp();
        record.setNetworkHost(host);
        return record;
    }

    /** The nodes that run the project's instance ports: the network's bridging node and every host of an instance. */
    static SortedSet<String> portHosts(ProjectContext ctx) {
        SortedSet<String> nodes = new TreeSet<>();
        nodes.add(ctx.requireNetwork().getNodes().getBridging());
        ctx.record.getHostPorts().forEach((host, ports) -> {
            if (ports > 0) {
                nodes.add(host);
            }
        });
        return nodes;
    }

    /** The nodes that carry the project's bridge: the hosts of its ports and its routing and addressing nodes (ADR 0046). */
    static SortedSet<String> serving(ProjectContext ctx) {
        return span(ctx).serving();
    }

    /**
     * Who carries the project's bridge, and which of them only as a host of instances: the VLAN of those is recorded on
     * them by a {@link #record} (the network's own nodes have it from their placement).
     */
    record Span(SortedSet<String> serving, Set<String> bound) {
    }

    static Span span(ProjectContext ctx) {
        NodePlacement nodes = ctx.requireNetwork().getNodes();
        SortedSet<String> serving = portHosts(ctx);
        Set<String> bound = new TreeSet<>(serving);
        bound.removeAll(List.of(nodes.getRouting(), nodes.getAddressing(), nodes.getBridging()));
        serving.add(nodes.getRouting());
        serving.add(nodes.getAddressing());
        return new Span(serving, bound);
    }

    /**
     * The network's DHCP server address when the addressing node is not the routing node (ADR 0046): the last host address
     * of the group slot before the VPN client subnet, which no instance is given (see {@link Groups#carveSubnet}). Null
     * when the two roles share a node: dnsmasq then listens on the gateway, as it always did.
     */
    static String dhcpAddress(Network network) {
        if (network.getNodes().getAddressing().equals(network.getNodes().getRouting())) {
            return null;
        }
        return Ipv4.format(dhcpAddressOf(network));
    }

    /** The address {@link #dhcpAddress} names, whether the roles are split or not (it is kept free either way). */
    static long dhcpAddressOf(Network network) {
        return Cidr.parse(network.getVpnClientSubnet()).network() - 2;
    }

    /** Keeps the underlay addresses a BindHost grant carries. True if one was new or changed (the peers change). */
    static boolean learn(ProjectContext ctx, Grant grant) {
        if (grant.getUnderlays().isEmpty()) {
            return false;
        }
        Map<String, String> underlays = new TreeMap<>(ctx.record.getUnderlays());
        boolean changed = false;
        for (Map.Entry<String, String> entry : grant.getUnderlays().entrySet()) {
            changed |= !entry.getValue().equals(underlays.put(entry.getKey(), entry.getValue()));
        }
        ctx.record.setUnderlays(underlays);
        return changed;
    }

    /**
     * An underlay notice (ADR 0046): the new address of a node the project knows or that serves its network replaces the
     * one kept (an empty one: the node has none now, the peers drop it), and the bridges of all serving nodes are rewritten so their peers name it. True if the record changed.
     */
    static boolean relearn(ProjectContext ctx, Map<String, String> changed) {
        if (ctx.network() == null) {
            return false; // no network (yet): its placement grant brings the addresses
        }
        Span span = span(ctx);
        Map<String, String> underlays = new TreeMap<>(ctx.record.getUnderlays());
        boolean peersChanged = false;
        boolean recordChanged = false;
        for (Map.Entry<String, String> entry : changed.entrySet()) {
            String node = entry.getKey();
            boolean serves = span.serving().contains(node);
            if (!serves && !underlays.containsKey(node)) {
                continue; // a node of another share (tunneling) or gone from the network: nothing names it
            }
            String address = entry.getValue().isEmpty() ? null : entry.getValue(); // "": the node has none now
            String old = address == null ? underlays.remove(node) : underlays.put(node, address);
            if (!Objects.equals(old, address)) {
                recordChanged = true;
                peersChanged |= serves;
            }
        }
        if (!recordChanged) {
            return false;
        }
        ctx.record.setUnderlays(underlays);
        if (peersChanged) {
            publishBridges(ctx, span, true);
        }
        return true;
    }

    /** Puts the instance's port on its host, with its group's filter and the project's bridge if they are not there yet. */
    static void place(ProjectContext ctx, FixedIp fixed, GroupRecord group, boolean peersChanged) {
        Network network = ctx.requireNetwork();
        Span before = span(ctx);
        String host = of(network, fixed);
        if (fixed.getHost() != null) {
            count(ctx, fixed.getHost(), +1);
        }
        boolean firstOfGroup = membersOn(network, group, host) == 0;
        countMember(group, fixed, +1);
        ctx.node(NodeRole.BRIDGING, host, NodeEntries.portResource(ctx.project, fixed.getInstance()), NodeEntries.port(fixed));
        if (firstOfGroup && group.getSubnet() != null) {
            ctx.node(NodeRole.BRIDGING, host, NodeEntries.groupResource(ctx.project, group.getName()), Groups.filter(ctx, group));
        }
        publishBridges(ctx, before, peersChanged);
    }

    /** Takes the instance's port off its host, and the group's filter and the project's bridge when it was their last. */
    static void remove(ProjectContext ctx, FixedIp fixed, GroupRecord group) {
        Network network = ctx.requireNetwork();
        Span before = span(ctx);
        String host = of(network, fixed);
        if (fixed.getHost() != null) {
            count(ctx, fixed.getHost(), -1);
        }
        countMember(group, fixed, -1);
        ctx.node(NodeRole.BRIDGING, host, NodeEntries.portResource(ctx.project, fixed.getInstance()), null);
        if (membersOn(network, group, host) == 0) {
            ctx.node(NodeRole.BRIDGING, host, NodeEntries.groupResource(ctx.project, group.getName()), null);
        }
        publishBridges(ctx, before, false);
    }

    /** The nodes that carry the group's filter: those that host a member. */
    static Set<String> filterNodes(ProjectContext ctx, GroupRecord group) {
        Network network = ctx.network();
        Set<String> nodes = new TreeSet<>();
        if (network != null) {
            group.getHosts().forEach((key, members) -> {
                if (members > 0) {
                    nodes.add(resolve(network, key));
                }
            });
        }
        return nodes;
    }

    /**
     * The bridge on every node that serves the network, each with its peers, when the set of those nodes (or their
     * addresses, or their roles: {@code force}) changed; a node that no longer serves loses its bridge and gives the VLAN
     * back, a node that now serves only as a host of instances has it recorded.
     */
    static void publishBridges(ProjectContext ctx, Span before, boolean force) {
        Network network = ctx.requireNetwork();
        Span after = span(ctx);
        String resource = NodeEntries.bridgeResource(ctx.project);
        for (String gone : before.serving()) {
            if (!after.serving().contains(gone)) {
                ctx.node(NodeRole.BRIDGING, gone, resource, null);
                ctx.release(PoolKeys.NODES, new UnbindHost(gone, network.getVlan()));
            }
        }
        if (!force && after.serving().equals(before.serving())) {
            return;
        }
        for (String node : after.serving()) {
            ctx.node(NodeRole.BRIDGING, node, resource, bridge(ctx, network, node, after.serving()));
        }
        for (String node : after.bound()) {
            if (!before.bound().contains(node)) {
                ctx.release(PoolKeys.NODES, record(ctx, node));
            }
        }
    }

    /**
     * The bridge on one serving node: the gateway on the routing node's, the DHCP server's address on the addressing
     * node's when it is another node (ADR 0046), the underlay addresses of the others as peers.
     */
    static Object bridge(ProjectContext ctx, Network network, String node, SortedSet<String> serving) {
        List<String> peers = new ArrayList<>();
        for (String other : serving) {
            String underlay = ctx.record.getUnderlays().get(other);
            if (!other.equals(node) && underlay != null) {
                peers.add(underlay);
            }
        }
        String dhcp = dhcpAddress(network);
        return NodeEntries.bridge(network, node.equals(network.getNodes().getRouting()), peers, dhcp,
                dhcp != null && node.equals(network.getNodes().getAddressing()));
    }

    private static String resolve(Network network, String key) {
        return NETWORK_HOST.equals(key) ? network.getNodes().getBridging() : key;
    }

    /** The group's members whose port is on the node (with and without an explicit host). */
    static int membersOn(Network network, GroupRecord group, String node) {
        int members = 0;
        for (Map.Entry<String, Integer> entry : group.getHosts().entrySet()) {
            if (resolve(network, entry.getKey()).equals(node)) {
                members += entry.getValue();
            }
        }
        return members;
    }

    private static void count(ProjectContext ctx, String host, int delta) {
        Map<String, Integer> ports = new TreeMap<>(ctx.record.getHostPorts());
        int now = ports.getOrDefault(host, 0) + delta;
        if (now > 0) {
            ports.put(host, now);
        } else {
            ports.remove(host);
        }
        ctx.record.setHostPorts(ports);
    }

    private static void countMember(GroupRecord group, FixedIp fixed, int delta) {
        String key = fixed.getHost() != null ? fixed.getHost() : NETWORK_HOST;
        Map<String, Integer> hosts = new TreeMap<>(group.getHosts());
        int now = hosts.getOrDefault(key, 0) + delta;
        if (now > 0) {
            hosts.put(key, now);
        } else {
            hosts.remove(key);
        }
        group.setHosts(hosts);
    }
}
