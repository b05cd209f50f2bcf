package io.factnet.controller.project;

import io.factnet.controller.alloc.Cidr;
import io.factnet.controller.alloc.HoldDownPool;
import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.Allocation;
import io.factnet.model.ClaimHop;
import io.factnet.model.CreateNetwork;
import io.factnet.model.DeleteNetwork;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.Grant;
import io.factnet.model.GroupRecord;
import io.factnet.model.MoveNetwork;
import io.factnet.model.MoveRole;
import io.factnet.model.Network;
import io.factnet.model.NetworkSlot;
import io.factnet.model.NodePlacement;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.PlaceNetwork;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseBlock;
import io.factnet.model.ReleasePlacement;
import io.factnet.model.ReleaseVlan;
import io.factnet.model.TakeBlock;
import io.factnet.model.TakeVlan;
import io.factnet.model.Vpn;
import io.factnet.model.VpnRecord;
import io.factnet.topics.Topics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The project's network: made explicitly or on its first fixed IP, deleted, moved between nodes. */
final class NetworkHandlers {
    private NetworkHandlers() {
    }

    /** The hops of a new network's claim, and what its grant starts with (a slot's VLAN and block), or null. */
    record NewNetwork(List<ClaimHop> hops, Grant seed) {
    }

    /**
     * The claim of a new network (ADR 0044). With a slot of the physical network in the task's stock, it takes the slot
     * here (VLAN and block) and the claim has one hop, the placement on nodes. Without one, the saga of before: a VLAN of
     * the physical network, then a block, then a node per role; its VLAN and block hops bring slots for the task's stock.
     */
    static NewNetwork newNetwork(ProjectContext ctx, String physicalNetwork) {
        NetworkSlot slot = ctx.slots.take(ctx, physicalNetwork);
        if (slot != null) {
            Grant seed = Grant.newBuilder().setRequestId(ctx.requestId).setProject(ctx.project)
                    .setPhysicalNetwork(physicalNetwork).setVlan(slot.getVlan()).setBlock(slot.getBlock())
                    .setGroupPrefix(slot.getGroupPrefix()).build();
            return new NewNetwork(List.of(PoolKeys.hop(PoolKeys.NODES, new PlaceNetwork())), seed);
        }
        int stock = ctx.slots.sagaStock(physicalNetwork);
        // a claim that asks for slots names the task, so that its grant or refusal clears the task's mark of it
        Grant seed = stock == 0 ? null : Grant.newBuilder().setRequestId(ctx.requestId).setProject(ctx.project)
                .setPhysicalNetwork(physicalNetwork).setSlotTask(ctx.slots.partition()).build();
        return new NewNetwork(List.of(PoolKeys.hop(PoolKeys.vlan(physicalNetwork), new TakeVlan(stock, false)),
                PoolKeys.hop(PoolKeys.BLOCKS, new TakeBlock(stock, false)),
                PoolKeys.hop(PoolKeys.NODES, new PlaceNetwork())), seed);
    }

    static void validate(CreateNetwork command) {
        Check.name("physicalNetwork", command.getPhysicalNetwork());
        Check.that(command.getDnsServers().size() <= 3, "at most 3 dnsServers");
        command.getDnsServers().forEach(dns -> Check.ipv4("dnsServers", dns));
        Check.domain(command.getDomain());
        Check.range("leaseSeconds", command.getLeaseSeconds(), 120, 604800);
    }

    /** Builds the network from the pools' grant and publishes it: facts, and the routing, addressing and bridging nodes' share. */
    static Network setUp(ProjectContext ctx, CreateNetwork command, Grant grant) {
        Cidr block = Cidr.parse(grant.getBlock());
        int groupPrefix = grant.getGroupPrefix();
        int slots = (int) block.subnetCount(groupPrefix);
        Cidr vpnSubnet = block.subnet(slots - 1, groupPrefix);
        Network network = Network.newBuilder()
                .setProject(ctx.project)
                .setPhysicalNetwork(grant.getPhysicalNetwork())
                .setVlan(grant.getVlan())
                .setCidr(block.toString())
                .setBridge("br" + grant.getVlan())
                .setGateway(block.address(1))
                .setVpnAddress(vpnSubnet.address(1))
                .setVpnClientSubnet(vpnSubnet.toString())
                .setGroupPrefix(groupPrefix)
                .setDnsServers(command.getDnsServers())
                .setDomain(command.getDomain())
                .setLeaseSeconds(command.getLeaseSeconds())
                .setNodes(grant.getNodes())
                .build();
        HoldDownPool groupSlots = HoldDownPool.empty(slots);
        groupSlots.reserve(slots - 1); // the VPN client subnet
        ctx.record.setNetwork(network);
        ctx.record.setGroupSlots(groupSlots.toState());
        ctx.slots.networkMade(grant);
        Hosts.learn(ctx, grant);
        ctx.state(Topics.STATE_NETWORKS, ctx.project, network);
        Groups.ensureDefault(ctx);
        ctx.onNetworkNode(NodeRole.ROUTING, NodeEntries.snatResource(ctx.project), NodeEntries.snat(network));
        ctx.onNetworkNode(NodeRole.ADDRESSING, NodeEntries.dhcpNetworkResource(ctx.project), NodeEntries.dhcpNetwork(network));
        // every node of the network joins its L2 (ADR 0046): the gateway on the routing node's bridge, the DHCP server's
        // address on the addressing node's when that is another node
        Hosts.publishBridges(ctx, new Hosts.Span(new java.util.TreeSet<>(), java.util.Set.of()), true);
        return network;
    }

    static Allocation allocation(Network network) {
        return Allocation.newBuilder().setVlan(network.getVlan()).setCidr(network.getCidr())
                .setGateway(network.getGateway()).setBridge(network.getBridge()).build();
    }

    static final class Create implements Handler<CreateNetwork> {
        @Override
        public Handled handle(ProjectContext ctx, CreateNetwork command) {
            validate(command);
            if (ctx.network() != null) {
                throw new Rejected(Reason.ALREADY_EXISTS, "project " + ctx.project + " has a network: "
                        + ctx.network().getCidr() + " on VLAN " + ctx.network().getVlan());
            }
            NewNetwork claim = newNetwork(ctx, command.getPhysicalNetwork());
            return new Handled.Await(claim.hops(), claim.seed());
        }

        @Override
        public Handled.Done granted(ProjectContext ctx, CreateNetwork command, Grant grant) {
            Network network = setUp(ctx, command, grant);
            return Handled.accepted("network " + network.getCidr() + " on VLAN " + network.getVlan(), allocation(network));
        }
    }

    static final class Delete implements Handler<DeleteNetwork> {
        @Override
        public Handled handle(ProjectContext ctx, DeleteNetwork command) {
            Network network = ctx.requireNetwork();
            if (ctx.record.getFixedIps() > 0) {
                throw new Rejected(Reason.IN_USE, "network of " + ctx.project + " has " + ctx.record.getFixedIps() + " fixed IPs");
            }
            if (ctx.record.getHasVpn()) {
                throw new Rejected(Reason.IN_USE, "network of " + ctx.project + " has a VPN; delete it first");
            }
            for (GroupRecord group : Groups.all(ctx)) {
                if (group.getSubnet() != null) {
                    if (Groups.dropSubnet(ctx, group)) {
                        Groups.save(ctx, group); // its fact listed the reservations
                    } else {
                        ctx.stores.groups.put(ctx.key(group.getName()), group);
                    }
                }
            }
            ctx.onNetworkNode(NodeRole.ROUTING, NodeEntries.snatResource(ctx.project), null);
            ctx.onNetworkNode(NodeRole.ADDRESSING, NodeEntries.dhcpNetworkResource(ctx.project), null);
            for (String node : Hosts.serving(ctx)) {
                ctx.node(NodeRole.BRIDGING, node, NodeEntries.bridgeResource(ctx.project), null);
            }
            ctx.state(Topics.STATE_NETWORKS, ctx.project, null);
            ctx.release(PoolKeys.vlan(network.getPhysicalNetwork()), new ReleaseVlan(network.getVlan()));
            ctx.release(PoolKeys.BLOCKS, new ReleaseBlock(network.getCidr()));
            ctx.slots.networkDeleted(network.getPhysicalNetwork(), ctx.requestId, ctx.project);
            NodePlacement nodes = network.getNodes();
            ctx.release(PoolKeys.NODES, new ReleasePlacement(List.of(new NodeRef(nodes.getRouting(), NodeRole.ROUTING),
                    new NodeRef(nodes.getAddressing(), NodeRole.ADDRESSING), new NodeRef(nodes.getBridging(), NodeRole.BRIDGING))));
            ctx.record.setNetwork(null);
            ctx.record.setGroupSlots(null);
            return Handled.accepted("network " + network.getCidr() + " deleted", allocation(network));
        }
    }

    /** Admin: moves the network's share of one role to another node: tombstones on the old node, the same entries on the new. */
    static final class Move implements Handler<MoveNetwork> {
        @Override
        public Handled handle(ProjectContext ctx, MoveNetwork command) {
            String target = Check.name("nodeId", command.getNodeId());
            Network network = ctx.requireNetwork();
            if (command.getRole() == NodeRole.TUNNELING && !ctx.record.getHasVpn()) {
                throw Rejected.notFound("project " + ctx.project + " has no VPN");
            }
            String current = ProjectContext.nodeOf(network, command.getRole());
            if (current.equals(target)) {
                return Handled.accepted("the " + command.getRole() + " share of " + ctx.project + " is on " + target + " already",
                        Allocation.newBuilder().setNodeId(target).build());
            }
            Integer oldPort = command.getRole() == NodeRole.TUNNELING
                    ? ctx.stores.vpns.get(ctx.project).getVpn().getPort() : null;
            return Handled.await(PoolKeys.hop(PoolKeys.NODES, MoveRole.newBuilder().setRole(command.getRole())
                    .setFromNode(current).setToNode(target).setOldPort(oldPort)
                    .setPhysicalNetwork(network.getPhysicalNetwork()).setVlan(network.getVlan()).build()));
        }

        @Override
        public Handled.Done granted(ProjectContext ctx, MoveNetwork command, Grant grant) {
            NodeRole role = command.getRole();
            Network network = ctx.requireNetwork();
            String from = ProjectContext.nodeOf(network, role);
            String to = grant.getNodeId();
            Hosts.Span servingBefore = Hosts.span(ctx);
            Hosts.learn(ctx, grant);
            Map<String, Object> entries = entriesFor(ctx, role);
            entries.keySet().forEach(resource -> ctx.node(role, from, resource, null));
            NodePlacement nodes = NodePlacement.newBuilder(network.getNodes()).build();
            switch (role) {
                case ROUTING -> nodes.setRouting(to);
                case ADDRESSING -> nodes.setAddressing(to);
                case BRIDGING -> nodes.setBridging(to);
                case TUNNELING -> nodes.setTunneling(to);
            }
            network.setNodes(nodes);
            ctx.record.setNetwork(network);
            ctx.state(Topics.STATE_NETWORKS, ctx.project, network);
            if (role == NodeRole.TUNNELING) {
                VpnRecord record = ctx.stores.vpns.get(ctx.project);
                Vpn vpn = record.getVpn();
                vpn.setNodeId(to);
                vpn.setPublicAddress(grant.getNodePublicAddress());
                vpn.setPort(grant.getPort());
                ctx.stores.vpns.put(ctx.project, record);
                ctx.state(Topics.STATE_VPNS, ctx.project, vpn);
                ctx.onNetworkNode(NodeRole.ROUTING, NodeEntries.vpnResource(ctx.project), NodeEntries.vpnForward(vpn));
            }
            entriesFor(ctx, role).forEach((resource, entry) -> ctx.node(role, to, resource, entry));
            if (role == NodeRole.ROUTING) {
                // the DHCP server moves off the gateway, or back onto it (ADR 0046)
                ctx.onNetworkNode(NodeRole.ADDRESSING, NodeEntries.dhcpNetworkResource(ctx.project), NodeEntries.dhcpNetwork(network));
            }
            if (role != NodeRole.TUNNELING) {
                // Every node of the network carries its bridge (ADR 0046): the new node joins the L2, the old one leaves it
                // unless it still serves otherwise (a compute host, another role), and every bridge's peers and addresses
                // change. The pool dropped the old node's hold of the VLAN with the role: one that now only hosts
                // instances is recorded as their host (it was checked when they came, and needs no underlay again).
                Hosts.publishBridges(ctx, servingBefore, true);
            }
            if (role == NodeRole.BRIDGING) {
                // The instances with a host of their own stay where they run: the old network host may still be a
                // compute host (the filters of its members).
                for (GroupRecord group : Groups.all(ctx)) {
                    if (group.getSubnet() != null && Hosts.membersOn(network, group, from) > 0) {
                        ctx.node(NodeRole.BRIDGING, from, NodeEntries.groupResource(ctx.project, group.getName()), Groups.filter(ctx, group));
                    }
                }
            }
            return Handled.accepted("the " + role + " share of " + ctx.project + " moved from " + from + " to " + to,
                    Allocation.newBuilder().setNodeId(to).setPort(role == NodeRole.TUNNELING ? grant.getPort() : null).build());
        }
    }

    /** Everything the project puts on its node of one role, by resource name. */
    static Map<String, Object> entriesFor(ProjectContext ctx, NodeRole role) {
        Network network = ctx.requireNetwork();
        String project = ctx.project;
        Map<String, Object> entries = new LinkedHashMap<>();
        switch (role) {
            case ROUTING -> {
                entries.put(NodeEntries.snatResource(project), NodeEntries.snat(network));
                for (GroupRecord group : Groups.all(ctx)) {
                    if (group.getSubnet() != null) {
                        entries.put(NodeEntries.groupResource(project, group.getName()), Groups.filter(ctx, group));
                    }
                }
                for (FloatingIp floating : ctx.stores.floatingIps.scan(project + "/").values()) {
                    if (floating.getFixedAddress() != null) {
                        entries.put(NodeEntries.floatingResource(floating.getAddress()), NodeEntries.floatingNat(floating));
                    }
                }
                if (ctx.record.getHasVpn()) {
                    entries.put(NodeEntries.vpnResource(project), NodeEntries.vpnForward(ctx.stores.vpns.get(project).getVpn()));
                }
            }
            case ADDRESSING -> {
                entries.put(NodeEntries.dhcpNetworkResource(project), NodeEntries.dhcpNetwork(network));
                for (FixedIp fixed : ctx.stores.fixedIps.scan(project + "/").values()) {
                    entries.put(NodeEntries.dhcpHostResource(project, fixed.getAddress()), NodeEntries.dhcpHost(fixed));
                }
            }
            case BRIDGING -> {
                // the network host's share: the instances without a host of their own, their groups' filters (its bridge is
                // the one of every serving node, published by Hosts)
                for (FixedIp fixed : ctx.stores.fixedIps.scan(project + "/").values()) {
                    if (fixed.getHost() == null) {
                        entries.put(NodeEntries.portResource(project, fixed.getInstance()), NodeEntries.port(fixed));
                    }
                }
                for (GroupRecord group : Groups.all(ctx)) {
                    if (group.getSubnet() != null && group.getHosts().getOrDefault(Hosts.NETWORK_HOST, 0) > 0) {
                        entries.put(NodeEntries.groupResource(project, group.getName()), Groups.filter(ctx, group));
                    }
                }
            }
            case TUNNELING -> {
                if (ctx.record.getHasVpn()) {
                    entries.put(NodeEntries.vpnResource(project), NodeEntries.vpnTunnel(ctx.stores.vpns.get(project).getVpn(), network));
                }
            }
        }
        return entries;
    }
}
