package io.factnet.controller.pool;

import io.factnet.controller.stage.Rejected;
import io.factnet.model.Node;
import io.factnet.model.NodeRecord;
import io.factnet.model.NodeRole;
import io.factnet.model.NodeVlan;
import io.factnet.model.Reason;
import java.util.List;
import java.util.Optional;

/**
 * Where a project network's share of a role may go (ADR 0025): on a node that serves its physical network
 * (a node registered without physical networks serves every one), and not on a node that carries the same VLAN id of
 * another physical network: every role names interfaces by the VLAN id (the bridge br&lt;vlan&gt; and its link on
 * every node of the network, ADR 0046; dnsmasq on br&lt;vlan&gt;, tunneling wg&lt;vlan&gt;), two physical networks may
 * hand out the same VLAN id, and the second network would take the first one's bridge.
 *
 * @param physicalNetwork null for a claim written before the field existed: then nothing is checked
 */
record NetworkSite(String project, String physicalNetwork, Integer vlan) {

    boolean known() {
        return physicalNetwork != null && vlan != null;
    }

    static boolean serves(Node node, String physicalNetwork) {
        return serves(node.getPhysicalNetworks(), physicalNetwork);
    }

    static boolean serves(List<String> served, String physicalNetwork) {
        return physicalNetwork == null || served.isEmpty() || served.contains(physicalNetwork);
    }

    /** The network of another physical network with this VLAN id whose interface names the role would take on the node. */
    Optional<NodeVlan> clash(NodeRecord record, NodeRole role) {
        if (!known()) {
            return Optional.empty();
        }
        return record.getVlans().stream()
                .filter(v -> v.getVlan() == vlan && !v.getPhysicalNetwork().equals(physicalNetwork))
                .findFirst();
    }

    boolean fits(NodeRecord record, NodeRole role) {
        return serves(record.getNode(), physicalNetwork) && clash(record, role).isEmpty();
    }

    /** Why the node cannot carry the role's share of this network; empty when it can. */
    Optional<Rejected> refusal(NodeRecord record, NodeRole role) {
        Node node = record.getNode();
        if (!serves(node, physicalNetwork)) {
            return Optional.of(new Rejected(Reason.CONFLICT, "node " + node.getNodeId() + " does not serve physical network "
                    + physicalNetwork + " (it serves " + node.getPhysicalNetworks() + ")"));
        }
        return clash(record, role).map(other -> new Rejected(Reason.CONFLICT, "node " + node.getNodeId() + " carries VLAN " + vlan
                + " of physical network " + other.getPhysicalNetwork() + " (project " + other.getProject() + "): the "
                + role + " share of a network on VLAN " + vlan + " of " + physicalNetwork + " would take its interface names"));
    }

    /** Why no node of the role can carry this network, given the nodes that have the role (none of which fits). */
    Rejected noneFits(List<NodeRecord> withRole, NodeRole role) {
        if (withRole.isEmpty()) {
            return new Rejected(Reason.NO_NODE, "no node is registered with role " + role);
        }
        if (withRole.stream().noneMatch(r -> serves(r.getNode(), physicalNetwork))) {
            return new Rejected(Reason.NO_NODE, "no node with role " + role + " serves physical network " + physicalNetwork);
        }
        return new Rejected(Reason.CONFLICT, "every node with role " + role + " that serves physical network " + physicalNetwork
                + " carries VLAN " + vlan + " of another physical network (its interface names would clash)");
    }

    NodeVlan entry(NodeRole role) {
        return NodeVlan.newBuilder().setProject(project).setRole(role).setPhysicalNetwork(physicalNetwork).setVlan(vlan).build();
    }
}
