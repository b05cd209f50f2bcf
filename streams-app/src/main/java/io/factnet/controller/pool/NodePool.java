package io.factnet.controller.pool;

import io.factnet.controller.alloc.Bitmap;
import io.factnet.controller.stage.Rejected;
import io.factnet.controller.stage.Sinks;
import io.factnet.model.Grant;
import io.factnet.model.MoveRole;
import io.factnet.model.Node;
import io.factnet.model.NodePlacement;
import io.factnet.model.NodeRecord;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.topics.Topics;
import java.util.Comparator;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Registered nodes (pool key "nodes"): placement of networks on the least loaded node per role (ties:
 * the smallest node id, so placement is deterministic), and each tunneling node's VPN ports.
 */
final class NodePool {
    private NodePool() {
    }

    static int load(Node node, NodeRole role) {
        return node.getLoad().getOrDefault(role.name(), 0);
    }

    static void save(PoolContext ctx, NodeRecord record) {
        ctx.nodes().put(record.getNode().getNodeId(), record);
        ctx.tx().emit(Sinks.of(Topics.STATE_NODES), record.getNode().getNodeId(), record.getNode());
    }

    static void addLoad(PoolContext ctx, String nodeId, NodeRole role, int delta) {
        NodeRecord record = ctx.nodes().get(nodeId);
        if (record == null) {
            return; // released by a node that is gone: nothing to give back
        }
        Map<String, Integer> load = new TreeMap<>(record.getNode().getLoad());
        load.put(role.name(), Math.max(0, load.getOrDefault(role.name(), 0) + delta));
        record.getNode().setLoad(load);
        save(ctx, record);
    }

    static String register(PoolContext ctx, RegisterNode command) {
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
            publicKey = old.getPublicKey();
            Node updated = Node.newBuilder().setNodeId(id).setRoles(command.getRoles()).setPublicAddress(command.getPublicAddress())
                    .setVpnPortFirst(first).setVpnPortLast(last).setLoad(load).setPublicKey(publicKey).build();
            if (updated.equals(old)) {
                return "node " + id + " unchanged";
            }
        }
        Node node = Node.newBuilder().setNodeId(id).setRoles(command.getRoles()).setPublicAddress(command.getPublicAddress())
                .setVpnPortFirst(first).setVpnPortLast(last).setLoad(load).setPublicKey(publicKey).build();
        save(ctx, NodeRecord.newBuilder().setNode(node).setPorts(ports.toState()).build());
        return "node " + id + (existing == null ? " registered" : " updated") + " with roles " + command.getRoles();
    }

    /** The least loaded node of the role (ties: the smallest node id) among those the filter accepts. */
    static Optional<NodeRecord> leastLoaded(PoolContext ctx, NodeRole role, Predicate<NodeRecord> filter) {
        return ctx.nodes().scan("").values().stream()
                .filter(r -> r.getNode().getRoles().contains(role))
                .filter(filter)
                .min(Comparator.<NodeRecord>comparingInt(r -> load(r.getNode(), role)).thenComparing(r -> r.getNode().getNodeId()));
    }

    static void placeNetwork(PoolContext ctx, Grant grant) {
        List<NodeRole> roles = List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);
        String[] chosen = new String[roles.size()];
        for (int i = 0; i < roles.size(); i++) {
            NodeRole role = roles.get(i);
            chosen[i] = leastLoaded(ctx, role, r -> true)
                    .orElseThrow(() -> new Rejected(Reason.NO_NODE, "no node is registered with role " + role))
                    .getNode().getNodeId();
        }
        for (int i = 0; i < roles.size(); i++) {
            addLoad(ctx, chosen[i], roles.get(i), 1);
        }
        grant.setNodes(NodePlacement.newBuilder().setRouting(chosen[0]).setAddressing(chosen[1]).setBridging(chosen[2]).build());
    }

    /**
     * On {@code preferNode} (the network's bridging node) when it tunnels and has a free port: a VPN elsewhere
     * has no way onto the network's bridge, where its clients reach the instances (ADR 0018). Else the least
     * loaded tunneling node with a free port.
     */
    static void placeVpn(PoolContext ctx, Grant grant, String preferNode) {
        if (leastLoaded(ctx, NodeRole.TUNNELING, r -> true).isEmpty()) {
            throw new Rejected(Reason.NO_NODE, "no node is registered with role TUNNELING");
        }
        Predicate<NodeRecord> freePort = r -> r.getPorts().getUsed() < r.getPorts().getSize();
        NodeRecord preferred = preferNode == null ? null : ctx.nodes().get(preferNode);
        NodeRecord record = preferred != null && preferred.getNode().getRoles().contains(NodeRole.TUNNELING) && freePort.test(preferred)
                ? preferred
                : leastLoaded(ctx, NodeRole.TUNNELING, freePort)
                        .orElseThrow(() -> new Rejected(Reason.POOL_EXHAUSTED, "every VPN port of every tunneling node is given"));
        int port = takePort(record);
        save(ctx, record);
        addLoad(ctx, record.getNode().getNodeId(), NodeRole.TUNNELING, 1);
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

    static void releaseVpn(PoolContext ctx, String nodeId, int port) {
        releasePort(ctx, nodeId, port);
        addLoad(ctx, nodeId, NodeRole.TUNNELING, -1);
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

    static void releasePlacement(PoolContext ctx, List<NodeRef> nodes) {
        for (NodeRef ref : nodes) {
            addLoad(ctx, ref.getNodeId(), ref.getRole(), -1);
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
        if (command.getRole() == NodeRole.TUNNELING) {
            int port = takePort(target);
            save(ctx, target);
            grant.setPort(port);
            if (command.getOldPort() != null) {
                releasePort(ctx, command.getFromNode(), command.getOldPort());
            }
        }
        addLoad(ctx, command.getFromNode(), command.getRole(), -1);
        addLoad(ctx, command.getToNode(), command.getRole(), 1);
        grant.setNodeId(command.getToNode());
        grant.setNodePublicAddress(target.getNode().getPublicAddress());
    }

    static void publicKey(PoolContext ctx, String nodeId, String publicKey) {
        NodeRecord record = ctx.nodes().get(nodeId);
        if (record != null && !publicKey.equals(record.getNode().getPublicKey())) {
            record.getNode().setPublicKey(publicKey);
            save(ctx, record);
        }
    }
}
