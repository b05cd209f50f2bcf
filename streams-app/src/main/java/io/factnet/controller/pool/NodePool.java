package io.factnet.controller.pool;

import io.factnet.controller.alloc.Bitmap;
import io.factnet.controller.stage.Rejected;
import io.factnet.controller.stage.Sinks;
import io.factnet.model.BindHost;
import io.factnet.model.Grant;
import io.factnet.model.MoveRole;
import io.factnet.model.Node;
import io.factnet.model.NodePlacement;
import io.factnet.model.NodeRecord;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.NodeVlan;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.topics.Topics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registered nodes (pool key "nodes"): placement of networks on the least loaded node per role that can
 * carry them (ties: the smallest node id, so placement is deterministic; {@link NetworkSite}), each
 * tunneling node's VPN ports, and its WireGuard key.
 */
final class NodePool {
    private static final Logger log = LoggerFactory.getLogger(NodePool.class);

    private NodePool() {
    }

    static int load(Node node, NodeRole role) {
        return node.getLoad().getOrDefault(role.name(), 0);
    }

    static void save(PoolContext ctx, NodeRecord record) {
        ctx.nodes().put(record.getNode().getNodeId(), record);
        ctx.tx().emit(Sinks.of(Topics.STATE_NODES), record.getNode().getNodeId(), record.getNode());
    }

    /** One more network on the node for the role, and its VLAN there (what later placements must not clash with). */
    static void carry(PoolContext ctx, String nodeId, NodeRole role, NetworkSite site) {
        NodeRecord record = ctx.nodes().get(nodeId);
        if (record == null) {
            return;
        }
        List<NodeVlan> vlans = withoutEntry(record, role, site.project());
        if (site.known()) {
            vlans.add(site.entry(role));
        }
        record.setVlans(vlans);
        addLoad(ctx, record, role, 1);
    }

    /** The project's network leaves the node for the role: one unit of load and its VLAN entry. */
    static void drop(PoolContext ctx, String nodeId, NodeRole role, String project) {
        NodeRecord record = ctx.nodes().get(nodeId);
        if (record == null) {
            return; // released by a node that is gone: nothing to give back
        }
        record.setVlans(withoutEntry(record, role, project));
        addLoad(ctx, record, role, -1);
    }

    private static List<NodeVlan> withoutEntry(NodeRecord record, NodeRole role, String project) {
        List<NodeVlan> vlans = new ArrayList<>(record.getVlans());
        vlans.removeIf(v -> v.getRole() == role && v.getProject().equals(project));
        return vlans;
    }

    private static void addLoad(PoolContext ctx, NodeRecord record, NodeRole role, int delta) {
        Map<String, Integer> load = new TreeMap<>(record.getNode().getLoad());
        load.put(role.name(), Math.max(0, load.getOrDefault(role.name(), 0) + delta));
        record.getNode().setLoad(load);
        save(ctx, record);
    }

    static String register(PoolContext ctx, RegisterNode command, String requestId) {
        String id = command.getNodeId();
        int first = command.getVpnPortFirst();
        int last = command.getVpnPortLast();
        if (command.getRoles().contains(NodeRole.TUNNELING)) {
            // a routing node forwards each VPN's port from its own public address (its vpn_forward map): two
            // tunneling nodes handing out the same port number would make two VPNs claim one port there
            for (NodeRecord other : ctx.nodes().scan("").values()) {
                Node node = other.getNode();
                if (!node.getNodeId().equals(id) && node.getRoles().contains(NodeRole.TUNNELING)
                        && first <= node.getVpnPortLast() && node.getVpnPortFirst() <= last) {
                    throw new Rejected(Reason.CONFLICT, "VPN ports " + first + "-" + last + " overlap those of tunneling node "
                            + node.getNodeId() + " (" + node.getVpnPortFirst() + "-" + node.getVpnPortLast()
                            + "); every tunneling node needs a range of its own");
                }
            }
        }
        NodeRecord existing = ctx.nodes().get(id);
        Bitmap ports = Bitmap.empty(last - first + 1);
        Map<String, Integer> load = new TreeMap<>();
        command.getRoles().forEach(role -> load.put(role.name(), 0));
        String publicKey = null;
        if (existing != null) {
            Node old = existing.getNode();
            for (Map.Entry<String, Integer> entry : old.getLoad().entrySet()) {
                boolean kept = command.getRoles().stream().anyMatch(r -> r.name().equals(entry.getKey()));
                if (!kept && entry.getValue() > 0) {
                    throw new Rejected(Reason.IN_USE, "node " + id + " carries " + entry.getValue() + " networks as "
                            + entry.getKey() + "; move them before taking the role away");
                }
                if (kept) {
                    load.put(entry.getKey(), entry.getValue());
                }
            }
            if (!old.getPublicAddress().equals(command.getPublicAddress()) && load(old, NodeRole.TUNNELING) > 0) {
                throw new Rejected(Reason.IN_USE, "node " + id + " carries VPNs at " + old.getPublicAddress()
                        + "; move them before changing its public address");
            }
            Bitmap oldPorts = Bitmap.of(existing.getPorts());
            for (int i = 0; i < oldPorts.size(); i++) {
                if (oldPorts.isTaken(i)) {
                    int port = old.getVpnPortFirst() + i;
                    if (port < first || port > last) {
                        throw new Rejected(Reason.IN_USE, "VPN port " + port + " of node " + id + " is in use outside "
                                + first + "-" + last);
                    }
                    ports.take(port - first);
                }
            }
            for (NodeVlan carried : existing.getVlans()) {
                if (!NetworkSite.serves(command.getPhysicalNetworks(), carried.getPhysicalNetwork())) {
                    throw new Rejected(Reason.IN_USE, "node " + id + " carries the " + carried.getRole() + " share of the network of "
                            + carried.getProject() + " on physical network " + carried.getPhysicalNetwork()
                            + "; move it before taking the physical network away");
                }
            }
            publicKey = command.getPublicKey() != null ? command.getPublicKey() : old.getPublicKey();
            Node updated = node(command, load, publicKey);
            if (updated.equals(old)) {
                return "node " + id + " unchanged";
            }
        } else {
            publicKey = command.getPublicKey();
        }
        List<NodeVlan> vlans = existing == null ? List.of() : existing.getVlans();
        save(ctx, NodeRecord.newBuilder().setNode(node(command, load, publicKey)).setPorts(ports.toState()).setVlans(vlans).build());
        if (existing != null && !Objects.equals(command.getUnderlayAddress(), existing.getNode().getUnderlayAddress())) {
            // the VXLAN peers of the networks the node carries name its old address: each project learns the new one
            // ("" when the node has none now: the peers drop it)
            String underlay = command.getUnderlayAddress() == null ? "" : command.getUnderlayAddress();
            Set<String> projects = new TreeSet<>();
            vlans.forEach(v -> projects.add(v.getProject()));
            projects.forEach(project -> noticeUnderlay(ctx, requestId, project, id, underlay));
        }
        return "node " + id + (existing == null ? " registered" : " updated") + " with roles " + command.getRoles()
                + (command.getPhysicalNetworks().isEmpty() ? "" : " on physical networks " + command.getPhysicalNetworks());
    }

    private static Node node(RegisterNode command, Map<String, Integer> load, String publicKey) {
        return Node.newBuilder().setNodeId(command.getNodeId()).setRoles(command.getRoles()).setPublicAddress(command.getPublicAddress())
                .setVpnPortFirst(command.getVpnPortFirst()).setVpnPortLast(command.getVpnPortLast()).setLoad(load)
                .setPublicKey(publicKey).setPhysicalNetworks(command.getPhysicalNetworks())
                .setUnderlayAddress(command.getUnderlayAddress()).build();
    }

    /**
     * Binds a project's network to a compute host (ADR 0035): the host must be registered with the BRIDGING role and
     * serve the network's physical network without another physical network's VLAN of the same id (its bridge is
     * br&lt;vlan&gt; there too); a host other than the network host needs an underlay address, and so does the network
     * host then. Records the VLAN on the host (no load: load counts networks placed, not instances) and grants the
     * underlay addresses. The network's physical network and VLAN come from the grant when this saga made the network.
     */
    static void bindHost(PoolContext ctx, BindHost command, Grant grant) {
        String physicalNetwork = grant.getPhysicalNetwork() != null ? grant.getPhysicalNetwork() : command.getPhysicalNetwork();
        int vlan = grant.getVlan() != null ? grant.getVlan() : command.getVlan();
        String networkHost = grant.getNodes() != null ? grant.getNodes().getBridging() : command.getNetworkHost();
        String hostId = command.getNodeId();
        NodeRecord host = ctx.nodes().get(hostId);
        if (host == null) {
            throw Rejected.notFound("node " + hostId + " is not registered");
        }
        if (!host.getNode().getRoles().contains(NodeRole.BRIDGING)) {
            throw new Rejected(Reason.NO_NODE, "node " + hostId + " does not have role BRIDGING: it cannot host instances");
        }
        NetworkSite site = new NetworkSite(grant.getProject(), physicalNetwork, vlan);
        Optional<Rejected> refusal = site.refusal(host, NodeRole.BRIDGING);
        if (refusal.isPresent()) {
            throw refusal.get();
        }
        Map<String, String> underlays = new TreeMap<>(grant.getUnderlays());
        if (!hostId.equals(networkHost)) {
            for (String nodeId : List.of(hostId, networkHost)) {
                NodeRecord node = ctx.nodes().get(nodeId);
                String underlay = node == null ? null : node.getNode().getUnderlayAddress();
                if (underlay == null) {
                    throw new Rejected(Reason.NOT_CONFIGURED, "node " + nodeId + " has no underlay address: a project's L2 spans"
                            + " hosts over the underlay (register the node with --underlay-address)");
                }
                underlays.put(nodeId, underlay);
            }
        }
        if (hostId.equals(networkHost)) {
            // The record: the project stage sends it (fire and forget, with the host as its own network host) when the
            // host's first instance is placed, in the transaction that places it, so a bind whose claim is refused or
            // not used later holds nothing. For the real network host it is the entry its placement made already.
            List<NodeVlan> vlans = withoutEntry(host, NodeRole.BRIDGING, grant.getProject());
            vlans.add(site.entry(NodeRole.BRIDGING));
            if (!vlans.equals(host.getVlans())) {
                host.setVlans(vlans);
                save(ctx, host);
                if (host.getNode().getUnderlayAddress() != null) {
                    // the check of this host may have granted an address the host changed since (a RegisterNode between
                    // the check and this record found no network on it to tell): the project gets the current one
                    noticeUnderlay(ctx, grant.getRequestId(), grant.getProject(), hostId, host.getNode().getUnderlayAddress());
                }
            }
        }
        grant.setUnderlays(underlays);
    }

    /**
     * Tells a project a node of its network has this underlay address now (ADR 0046): a grant no request waits for, on
     * the grants topic keyed by project, in the transaction that changed the node. The project ignores an address it has.
     */
    private static void noticeUnderlay(PoolContext ctx, String requestId, String project, String nodeId, String underlay) {
        ctx.tx().emit(Sinks.GRANTS, project, Grant.newBuilder().setRequestId(requestId).setProject(project)
                .setUnderlays(Map.of(nodeId, underlay)).setUnderlayChange(true).build());
    }

    /** A compute host's last instance of the project left (ADR 0035): its VLAN record goes. */
    static void unbindHost(PoolContext ctx, String nodeId, String project) {
        NodeRecord record = ctx.nodes().get(nodeId);
        if (record != null) {
            record.setVlans(withoutEntry(record, NodeRole.BRIDGING, project));
            save(ctx, record);
        }
    }

    /** The least loaded node of the role (ties: the smallest node id) among those the filter accepts. */
    static Optional<NodeRecord> leastLoaded(PoolContext ctx, NodeRole role, Predicate<NodeRecord> filter) {
        return ctx.nodes().scan("").values().stream()
                .filter(r -> r.getNode().getRoles().contains(role))
                .filter(filter)
                .min(Comparator.<NodeRecord>comparingInt(r -> load(r.getNode(), role)).thenComparing(r -> r.getNode().getNodeId()));
    }

    private static boolean hasRole(NodeRecord record, NodeRole role) {
        return record.getNode().getRoles().contains(role);
    }

    private static List<NodeRecord> withRole(PoolContext ctx, NodeRole role) {
        return ctx.nodes().scan("").values().stream().filter(r -> r.getNode().getRoles().contains(role)).toList();
    }

    /** Placement needs the physical network and VLAN the earlier hops of the network's saga took (in the grant). */
    static void placeNetwork(PoolContext ctx, Grant grant) {
        NetworkSite site = new NetworkSite(grant.getProject(), grant.getPhysicalNetwork(), grant.getVlan());
        List<NodeRole> roles = List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);
        String[] chosen = new String[roles.size()];
        // The network host (ADR 0038): the three roles go to one node that has them all when one fits; each role is placed
        // on the node of the role before it when that node can take it, else on the least loaded node of its own. Split
        // roles work (ADR 0046: each node joins the L2 with its own address), one node is simply fewer parts.
        NodeRecord previous = leastLoaded(ctx, NodeRole.ROUTING, r -> roles.stream().allMatch(role -> hasRole(r, role) && site.fits(r, role)))
                .orElse(null);
        for (int i = 0; i < roles.size(); i++) {
            NodeRole role = roles.get(i);
            NodeRecord node = previous != null && hasRole(previous, role) && site.fits(previous, role) ? previous
                    : leastLoaded(ctx, role, r -> site.fits(r, role)).orElseThrow(() -> site.noneFits(withRole(ctx, role), role));
            chosen[i] = node.getNode().getNodeId();
            previous = node;
        }
        for (int i = 0; i < roles.size(); i++) {
            carry(ctx, chosen[i], roles.get(i), site);
        }
        grant.setNodes(NodePlacement.newBuilder().setRouting(chosen[0]).setAddressing(chosen[1]).setBridging(chosen[2]).build());
        for (String nodeId : chosen) {
            grantUnderlay(ctx, grant, nodeId); // every node of the network joins its L2 (ADR 0046)
        }
    }

    /**
     * On {@code preferNode} (the network's routing node, ADR 0046) when it tunnels and has a free port: a VPN elsewhere
     * has no way onto the bridge with the gateway, whose proxy ARP lets instances reach its clients (ADR 0018). Else the least
     * loaded tunneling node with a free port.
     */
    static void placeVpn(PoolContext ctx, Grant grant, String preferNode, NetworkSite site) {
        Predicate<NodeRecord> fits = r -> site.fits(r, NodeRole.TUNNELING);
        if (leastLoaded(ctx, NodeRole.TUNNELING, fits).isEmpty()) {
            throw site.noneFits(withRole(ctx, NodeRole.TUNNELING), NodeRole.TUNNELING);
        }
        Predicate<NodeRecord> freePort = r -> r.getPorts().getUsed() < r.getPorts().getSize();
        NodeRecord preferred = preferNode == null ? null : ctx.nodes().get(preferNode);
        NodeRecord record = preferred != null && preferred.getNode().getRoles().contains(NodeRole.TUNNELING)
                && fits.test(preferred) && freePort.test(preferred)
                ? preferred
                : leastLoaded(ctx, NodeRole.TUNNELING, fits.and(freePort))
                        .orElseThrow(() -> new Rejected(Reason.POOL_EXHAUSTED, "every VPN port of every tunneling node"
                                + (site.known() ? " that can carry this network" : "") + " is given"));
        int port = takePort(record);
        save(ctx, record);
        carry(ctx, record.getNode().getNodeId(), NodeRole.TUNNELING, site);
        grant.setNodeId(record.getNode().getNodeId());
        grant.setNodePublicAddress(record.getNode().getPublicAddress());
        grant.setPort(port);
    }

    private static int takePort(NodeRecord record) {
        Bitmap ports = Bitmap.of(record.getPorts());
        int index = ports.allocate();
        if (index < 0) {
            throw new Rejected(Reason.POOL_EXHAUSTED, "every VPN port of node " + record.getNode().getNodeId() + " is given");
        }
        record.setPorts(ports.toState());
        return record.getNode().getVpnPortFirst() + index;
    }

    static void releaseVpn(PoolContext ctx, String nodeId, int port, String project) {
        releasePort(ctx, nodeId, port);
        drop(ctx, nodeId, NodeRole.TUNNELING, project);
    }

    private static void releasePort(PoolContext ctx, String nodeId, int port) {
        NodeRecord record = ctx.nodes().get(nodeId);
        if (record == null) {
            return;
        }
        int index = port - record.getNode().getVpnPortFirst();
        Bitmap ports = Bitmap.of(record.getPorts());
        if (index < 0 || index >= ports.size() || !ports.release(index)) {
            throw new IllegalStateException("VPN port " + port + " of node " + nodeId + " was not given");
        }
        record.setPorts(ports.toState());
        save(ctx, record);
    }

    static void releasePlacement(PoolContext ctx, List<NodeRef> nodes, String project) {
        for (NodeRef ref : nodes) {
            drop(ctx, ref.getNodeId(), ref.getRole(), project);
        }
    }

    static void move(PoolContext ctx, MoveRole command, Grant grant) {
        NodeRecord target = ctx.nodes().get(command.getToNode());
        if (target == null) {
            throw Rejected.notFound("node " + command.getToNode() + " is not registered");
        }
        if (!target.getNode().getRoles().contains(command.getRole())) {
            throw new Rejected(Reason.CONFLICT, "node " + command.getToNode() + " does not have role " + command.getRole());
        }
        NetworkSite site = new NetworkSite(grant.getProject(), command.getPhysicalNetwork(), command.getVlan());
        Optional<Rejected> refusal = site.refusal(target, command.getRole());
        if (refusal.isPresent()) {
            throw refusal.get();
        }
        if (command.getRole() == NodeRole.TUNNELING) {
            int port = takePort(target);
            save(ctx, target);
            grant.setPort(port);
            if (command.getOldPort() != null) {
                releasePort(ctx, command.getFromNode(), command.getOldPort());
            }
        }
        drop(ctx, command.getFromNode(), command.getRole(), grant.getProject());
        carry(ctx, command.getToNode(), command.getRole(), site);
        grant.setNodeId(command.getToNode());
        grant.setNodePublicAddress(target.getNode().getPublicAddress());
        if (command.getRole() != NodeRole.TUNNELING) {
            grantUnderlay(ctx, grant, command.getToNode());
        }
    }

    /** A new node's underlay address, for the VXLAN peers of the other nodes of the network (ADR 0035, 0046). */
    private static void grantUnderlay(PoolContext ctx, Grant grant, String nodeId) {
        NodeRecord record = ctx.nodes().get(nodeId);
        if (record != null && record.getNode().getUnderlayAddress() != null) {
            Map<String, String> underlays = new TreeMap<>(grant.getUnderlays());
            underlays.put(nodeId, record.getNode().getUnderlayAddress());
            grant.setUnderlays(underlays);
        }
    }

    /**
     * A tunneling agent's key, from its ack. Acks are not authenticated (anyone who may write node events can
     * send one), so an ack may set a key only where there is none yet: pinned by the operator's RegisterNode,
     * or the agent's first ack (ADR 0025). Changing it takes a RegisterNode with publicKey.
     */
    static void publicKey(PoolContext ctx, String nodeId, String publicKey) {
        NodeRecord record = ctx.nodes().get(nodeId);
        if (record == null || publicKey.equals(record.getNode().getPublicKey())) {
            return;
        }
        if (record.getNode().getPublicKey() != null) {
            log.warn("an ack of node {} names another WireGuard key than the one it has; ignored (the operator changes it"
                    + " with register-node --public-key)", nodeId);
            return;
        }
        record.getNode().setPublicKey(publicKey);
        save(ctx, record);
    }
}
