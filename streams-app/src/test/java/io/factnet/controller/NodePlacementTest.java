package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.BridgeNetwork;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateVpn;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.DeleteNetwork;
import io.factnet.model.MoveNetwork;
import io.factnet.model.NodePlacement;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.model.Result;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topics;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Placement only where the node can serve the network (issue 16, item 7). */
class NodePlacementTest extends TopologyTestBase {
    private static final List<NodeRole> NETWORK_HOST = List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);

    /** Two physical networks with the same VLAN range, and a supernet of four blocks. */
    private void twoPhysicalNetworks() {
        accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setPhysicalNetwork("physnet1").setFirst(100).setLast(101).build()));
        accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setPhysicalNetwork("physnet2").setFirst(100).setLast(101).build()));
        accepted(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/18").build()));
    }

    private Result node(String id, List<NodeRole> roles, String... physicalNetworks) {
        return d.admin(ADMIN, RegisterNode.newBuilder().setNodeId(id).setRoles(roles).setPublicAddress("198.51.100.9")
                .setPhysicalNetworks(List.of(physicalNetworks)).build());
    }

    private Result network(String project, String physicalNetwork) {
        return d.submit(project, CreateNetwork.newBuilder().setPhysicalNetwork(physicalNetwork).build());
    }

    private NodePlacement placement(String project) {
        return d.fact(Topics.STATE_NETWORKS, project).getNodes();
    }

    /** Every node's bridges: a name at most once per node. */
    private void assertBridgeNamesUniquePerNode() {
        Set<String> seen = new HashSet<>();
        d.view(Topics.NODE_BRIDGING).forEach((key, entry) -> {
            String bridge = NodeKeys.nodeIdOf(key) + "/" + ((BridgeNetwork) entry.getEntry()).getBridge();
            assertThat(seen.add(bridge)).as("bridge %s given twice", bridge).isTrue();
        });
    }

    @Test
    void aNetworkGoesOnlyToNodesThatServeItsPhysicalNetwork() {
        twoPhysicalNetworks();
        accepted(node("n1", NETWORK_HOST, "physnet1"));
        accepted(node("n2", NETWORK_HOST, "physnet2"));
        accepted(network("p1", "physnet2"));
        assertThat(placement("p1")).isEqualTo(new NodePlacement("n2", "n2", "n2", null));
        accepted(network("p2", "physnet2"));
        assertThat(placement("p2").getBridging()).as("n1 is less loaded but has no interface on physnet2").isEqualTo("n2");
        accepted(network("p3", "physnet1"));
        assertThat(placement("p3")).isEqualTo(new NodePlacement("n1", "n1", "n1", null));
        assertThat(d.fact(Topics.STATE_NODES, "n1").getPhysicalNetworks()).containsExactly("physnet1");
    }

    @Test
    void noNodeOnThePhysicalNetworkIsNoNodeAndGivesTheVlanBack() {
        twoPhysicalNetworks();
        accepted(node("n1", NETWORK_HOST, "physnet1"));
        Result refused = rejected(network("p1", "physnet2"), Reason.NO_NODE);
        assertThat(refused.getMessage()).contains("physnet2");
        assertThat(d.view(Topics.NODE_BRIDGING)).isEmpty();
        accepted(node("n2", NETWORK_HOST, "physnet1", "physnet2"));
        // both VLANs of physnet2 are there to give: the refused network gave its VLAN back
        assertThat(accepted(network("p1", "physnet2")).getAllocated().getVlan()).isEqualTo(101);
        assertThat(accepted(network("p2", "physnet2")).getAllocated().getVlan()).isEqualTo(100);
    }

    @Test
    void oneVlanIdOfTwoPhysicalNetworksNeverMeetsOnOneNode() {
        twoPhysicalNetworks();
        accepted(node("n1", NETWORK_HOST)); // no physical networks named: every one
        assertThat(accepted(network("p1", "physnet1")).getAllocated().getBridge()).isEqualTo("br100");
        Result refused = rejected(network("p2", "physnet2"), Reason.CONFLICT);
        assertThat(refused.getMessage()).contains("VLAN 100", "physnet2");
        assertBridgeNamesUniquePerNode();

        accepted(node("n2", NETWORK_HOST));
        assertThat(accepted(network("p3", "physnet2")).getAllocated().getBridge()).isEqualTo("br101");
        assertThat(placement("p3").getBridging()).isEqualTo("n2");
        // n1 and n2 carry one network each: the tie would go to n1, which has another br100
        assertThat(accepted(network("p4", "physnet2")).getAllocated().getBridge()).isEqualTo("br100");
        assertThat(placement("p4")).as("the network host is the node that fits all three roles, routing included")
                .isEqualTo(new NodePlacement("n2", "n2", "n2", null));
        assertBridgeNamesUniquePerNode();
    }

    @Test
    void moveNetworkRefusesANodeThatCannotCarryTheNetwork() {
        twoPhysicalNetworks();
        accepted(node("n1", NETWORK_HOST));
        accepted(node("n2", NETWORK_HOST, "physnet2"));
        accepted(node("n3", NETWORK_HOST, "physnet1"));
        accepted(network("p1", "physnet1"));
        assertThat(placement("p1").getBridging()).isEqualTo("n1");
        accepted(network("p2", "physnet2"));
        assertThat(placement("p2").getBridging()).isEqualTo("n2");

        Result clash = rejected(d.admin("p2", MoveNetwork.newBuilder().setRole(NodeRole.BRIDGING).setNodeId("n1").build()),
                Reason.CONFLICT);
        assertThat(clash.getMessage()).contains("VLAN 100");
        Result elsewhere = rejected(d.admin("p2", MoveNetwork.newBuilder().setRole(NodeRole.ADDRESSING).setNodeId("n3").build()),
                Reason.CONFLICT);
        assertThat(elsewhere.getMessage()).contains("physnet2");
        assertThat(placement("p2").getBridging()).isEqualTo("n2");
        // the routing node carries the bridge br<vlan> too (ADR 0046): routing may not go to n1 either
        Result routing = rejected(d.admin("p2", MoveNetwork.newBuilder().setRole(NodeRole.ROUTING).setNodeId("n1").build()),
                Reason.CONFLICT);
        assertThat(routing.getMessage()).contains("VLAN 100");
        // once p1 leaves n1 for n3 (every role), p2's bridge may go there
        accepted(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.BRIDGING).setNodeId("n3").build()));
        accepted(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.ADDRESSING).setNodeId("n3").build()));
        accepted(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.ROUTING).setNodeId("n3").build()));
        accepted(d.admin("p2", MoveNetwork.newBuilder().setRole(NodeRole.BRIDGING).setNodeId("n1").build()));
        assertBridgeNamesUniquePerNode();
    }

    @Test
    void aVpnGoesWhereItsWireGuardInterfaceNameIsFree() {
        twoPhysicalNetworks();
        accepted(node("n1", NETWORK_HOST, "physnet1"));
        accepted(node("n2", NETWORK_HOST, "physnet2"));
        accepted(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("t1").setRoles(List.of(NodeRole.TUNNELING))
                .setPublicAddress("198.51.100.4").build()));
        accepted(network("p1", "physnet1"));
        accepted(network("p2", "physnet2"));
        assertThat(accepted(d.submit("p1", new CreateVpn())).getAllocated().getNodeId()).isEqualTo("t1");
        Result refused = rejected(d.submit("p2", new CreateVpn()), Reason.CONFLICT);
        assertThat(refused.getMessage()).contains("VLAN 100");
        accepted(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("t2").setRoles(List.of(NodeRole.TUNNELING))
                .setPublicAddress("198.51.100.5").setVpnPortFirst(6000).setVpnPortLast(6009).build()));
        assertThat(accepted(d.submit("p2", new CreateVpn())).getAllocated().getNodeId()).isEqualTo("t2");
        rejected(d.admin("p2", MoveNetwork.newBuilder().setRole(NodeRole.TUNNELING).setNodeId("t1").build()), Reason.CONFLICT);
    }

    @Test
    void aPhysicalNetworkInUseCannotBeTakenFromANodeUntilItsNetworkIsGone() {
        twoPhysicalNetworks();
        accepted(node("n1", NETWORK_HOST, "physnet1", "physnet2"));
        accepted(network("p1", "physnet2"));
        rejected(node("n1", NETWORK_HOST, "physnet1"), Reason.IN_USE);
        rejected(node("n1", NETWORK_HOST, "physnet1", "physnet1"), Reason.INVALID_ARGUMENT);
        rejected(node("n1", NETWORK_HOST, "phys net"), Reason.INVALID_ARGUMENT);
        accepted(d.submit("p1", new DeleteNetwork()));
        accepted(node("n1", NETWORK_HOST, "physnet1"));
        rejected(network("p2", "physnet2"), Reason.NO_NODE);
    }
}
