package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AllocateFixedIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateVpn;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.MoveNetwork;
import io.factnet.model.Network;
import io.factnet.model.Node;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.model.Result;
import io.factnet.model.SetProjectQuota;
import io.factnet.model.Vpn;
import io.factnet.topics.Topics;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdminCommandsTest extends TopologyTestBase {

    @Test
    void vlanRangeIsCheckedAndCannotChangeWhileAVlanIsGiven() {
        rejected(d.admin(ADMIN, DefineVlanRange.newBuilder().setFirst(0).setLast(10).build()), Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, DefineVlanRange.newBuilder().setFirst(10).setLast(4095).build()), Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, DefineVlanRange.newBuilder().setFirst(20).setLast(10).build()), Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, DefineVlanRange.newBuilder().setPhysicalNetwork("phys/1").setFirst(1).setLast(2).build()),
                Reason.INVALID_ARGUMENT);
        standardPools();
        accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setFirst(200).setLast(201).build()));
        assertThat(accepted(d.submit("p1", CreateNetwork.newBuilder().build())).getAllocated().getVlan()).isEqualTo(200);
        rejected(d.admin(ADMIN, DefineVlanRange.newBuilder().setFirst(300).setLast(301).build()), Reason.IN_USE);
        assertThat(accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setFirst(200).setLast(201).build())).getMessage())
                .contains("unchanged");
    }

    @Test
    void poolWideCommandsBelongToTheAdminProjectOnTheAdminTopic() {
        rejected(d.submit(ADMIN, DefineVlanRange.newBuilder().setFirst(1).setLast(2).build()), Reason.UNAUTHORIZED);
        rejected(d.admin("p1", DefineVlanRange.newBuilder().setFirst(1).setLast(2).build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", SetProjectQuota.newBuilder().setFloatingIps(100).build()), Reason.UNAUTHORIZED);
        rejected(d.admin(ADMIN, CreateNetwork.newBuilder().build()), Reason.INVALID_ARGUMENT);
    }

    @Test
    void supernetIsCheckedAndCannotChangeWhileABlockIsGiven() {
        rejected(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.1/16").build()), Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/16").setBlockPrefix(24).setGroupPrefix(24).build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/16").setBlockPrefix(12).build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/8").setBlockPrefix(30).build()),
                Reason.INVALID_ARGUMENT);
        standardPools();
        accepted(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("172.16.0.0/12").setBlockPrefix(22).setGroupPrefix(26).build()));
        Result network = accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        assertThat(network.getAllocated().getCidr()).isEqualTo("172.16.0.0/22");
        Network fact = d.fact(Topics.STATE_NETWORKS, "p1");
        assertThat(fact.getGroupPrefix()).isEqualTo(26);
        assertThat(fact.getVpnClientSubnet()).isEqualTo("172.16.3.192/26");
        assertThat(fact.getVpnAddress()).isEqualTo("172.16.3.193");
        rejected(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build()), Reason.IN_USE);
    }

    @Test
    void floatingPoolsGiveNeitherNetworkBroadcastNorExcludedAddresses() {
        standardPools();
        accepted(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("edge").setCidrs(List.of("192.0.2.0/29"))
                .setRanges(List.of("192.0.2.20-192.0.2.21")).setExcluded(List.of("192.0.2.3", "9.9.9.9")).build()));
        Set<String> given = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            given.add(accepted(d.submit("p1", io.factnet.model.AllocateFloatingIp.newBuilder().setPool("edge").build()))
                    .getAllocated().getAddress());
            accepted(d.admin("p1", SetProjectQuota.newBuilder().setFloatingIps(100).build()));
        }
        assertThat(given).containsExactlyInAnyOrder("192.0.2.1", "192.0.2.2", "192.0.2.4", "192.0.2.5", "192.0.2.6",
                "192.0.2.20", "192.0.2.21");
        rejected(d.submit("p1", io.factnet.model.AllocateFloatingIp.newBuilder().setPool("edge").build()), Reason.POOL_EXHAUSTED);
        rejected(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("edge").setCidrs(List.of("192.0.2.0/28")).build()),
                Reason.IN_USE);
    }

    @Test
    void floatingPoolsAreCheckedAndMustNotOverlap() {
        standardPools();
        rejected(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("x").build()), Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("x").setRanges(List.of("192.0.2.9-192.0.2.1")).build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("x").setRanges(List.of("192.0.2.1")).build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("x").setCidrs(List.of("192.0.2.0/24"))
                .setExcluded(List.of("192.0.2.300")).build()), Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("x").setCidrs(List.of("100.0.0.0/8")).build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("x").setRanges(List.of("203.0.113.6-203.0.113.9")).build()),
                Reason.CONFLICT);
        accepted(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("public").setCidrs(List.of("203.0.113.0/28")).build()));
    }

    @Test
    void nodesRegisterFromTheAdminTopicAndPublishTheirLoad() {
        rejected(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("n1").setRoles(List.of()).setPublicAddress("1.2.3.4").build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("n1").setRoles(List.of(NodeRole.ROUTING, NodeRole.ROUTING))
                .setPublicAddress("1.2.3.4").build()), Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("n1").setRoles(List.of(NodeRole.ROUTING))
                .setPublicAddress("1.2.3").build()), Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("n1").setRoles(List.of(NodeRole.TUNNELING))
                .setPublicAddress("1.2.3.4").setVpnPortFirst(9).setVpnPortLast(8).build()), Reason.INVALID_ARGUMENT);
        rejected(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("n/1").setRoles(List.of(NodeRole.ROUTING))
                .setPublicAddress("1.2.3.4").build()), Reason.INVALID_ARGUMENT);
        standardPools();
        accepted(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("r2").setRoles(List.of(NodeRole.ROUTING))
                .setPublicAddress("198.51.100.9").build()));
        assertThat(d.fact(Topics.STATE_NODES, "r2").getRoles()).containsExactly(NodeRole.ROUTING);
        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        Node r1 = d.fact(Topics.STATE_NODES, "r1");
        Node r2 = d.fact(Topics.STATE_NODES, "r2");
        assertThat(r1.getLoad().get("ROUTING") + r2.getLoad().get("ROUTING")).isEqualTo(1);
        assertThat(r1.getLoad().get("ROUTING")).as("ties go to the smallest node id").isEqualTo(1);
        accepted(d.submit("p2", CreateNetwork.newBuilder().build()));
        assertThat(d.fact(Topics.STATE_NETWORKS, "p2").getNodes().getRouting()).as("least loaded").isEqualTo("r2");
        rejected(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("r1").setRoles(List.of(NodeRole.ADDRESSING))
                .setPublicAddress("198.51.100.1").build()), Reason.IN_USE);
        assertThat(accepted(register("r1", "198.51.100.1", NodeRole.ROUTING)).getMessage()).contains("unchanged");
    }

    @Test
    void aTunnelingNodeKeepsItsAddressAndUsedPortsWhileItCarriesVpns() {
        standardPools();
        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        assertThat(accepted(d.submit("p1", new CreateVpn())).getAllocated().getPort()).isEqualTo(51820);
        rejected(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("t1").setRoles(List.of(NodeRole.TUNNELING))
                .setPublicAddress("198.51.100.99").setVpnPortFirst(51820).setVpnPortLast(51821).build()), Reason.IN_USE);
        rejected(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("t1").setRoles(List.of(NodeRole.TUNNELING))
                .setPublicAddress("198.51.100.4").setVpnPortFirst(51900).setVpnPortLast(51999).build()), Reason.IN_USE);
        accepted(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("t1").setRoles(List.of(NodeRole.TUNNELING))
                .setPublicAddress("198.51.100.4").setVpnPortFirst(51800).setVpnPortLast(51820).build()));
        assertThat(d.fact(Topics.STATE_NODES, "t1").getVpnPortFirst()).isEqualTo(51800);
    }

    @Test
    void quotasAreSetPerProjectAndChecked() {
        standardPools();
        rejected(d.admin("p1", SetProjectQuota.newBuilder().setFloatingIps(-1).build()), Reason.INVALID_ARGUMENT);
        rejected(d.admin("p1", SetProjectQuota.newBuilder().setFixedIps(-2).build()), Reason.INVALID_ARGUMENT);
        accepted(d.admin("p1", SetProjectQuota.newBuilder().setFixedIps(1).setFloatingIps(1).build()));
        accepted(fixedIp("p1", "vm1"));
        rejected(fixedIp("p1", "vm2"), Reason.QUOTA_EXCEEDED);
        accepted(floatingIp("p1"));
        rejected(floatingIp("p1"), Reason.QUOTA_EXCEEDED);
        accepted(d.admin("p1", SetProjectQuota.newBuilder().setFixedIps(-1).build()));
        accepted(fixedIp("p1", "vm2"));
        accepted(fixedIp("p2", "vm1"));
        accepted(fixedIp("p2", "vm2"));
    }

    @Test
    void moveNetworkTombstonesTheOldNodeAndWritesTheNewOne() {
        standardPools();
        register("r2", "198.51.100.11", NodeRole.ROUTING);
        register("a2", "198.51.100.12", NodeRole.ADDRESSING);
        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        assertThat(d.fact(Topics.STATE_NETWORKS, "p1").getNodes().getRouting()).isEqualTo("r1");
        accepted(fixedIp("p1", "vm1"));
        String floating = accepted(floatingIp("p1")).getAllocated().getAddress();
        accepted(d.submit("p1", io.factnet.model.AssociateFloatingIp.newBuilder().setAddress(floating).setInstance("vm1").build()));
        assertThat(d.routing("r1/fip/" + floating)).isNotNull();

        Result moved = accepted(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.ROUTING).setNodeId("r2").build()));
        // the DHCP network and every bridge are republished: the gateway moves to r2's bridge, r2 joins the L2, r1 leaves it (ADR 0046)
        assertThat(moved.getTouched()).containsExactlyInAnyOrder(new NodeRef("r1", NodeRole.ROUTING), new NodeRef("r2", NodeRole.ROUTING),
                new NodeRef("a1", NodeRole.ADDRESSING), new NodeRef("r1", NodeRole.BRIDGING), new NodeRef("r2", NodeRole.BRIDGING),
                new NodeRef("a1", NodeRole.BRIDGING), new NodeRef("b1", NodeRole.BRIDGING));
        assertThat(d.bridging("r1/bridge/p1")).as("r1 leaves the L2").isNull();
        assertThat(((io.factnet.model.BridgeNetwork) d.bridging("r2/bridge/p1").getEntry()).getGatewayHere()).isTrue();
        assertThat(d.view(Topics.NODE_ROUTING).keySet()).containsExactlyInAnyOrder("r2/snat/p1", "r2/group/p1/default",
                "r2/fip/" + floating);
        assertThat(d.fact(Topics.STATE_NETWORKS, "p1").getNodes().getRouting()).isEqualTo("r2");
        assertThat(d.fact(Topics.STATE_NODES, "r1").getLoad().get("ROUTING")).isZero();
        assertThat(d.fact(Topics.STATE_NODES, "r2").getLoad().get("ROUTING")).isEqualTo(1);

        accepted(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.ADDRESSING).setNodeId("a2").build()));
        assertThat(d.view(Topics.NODE_ADDRESSING).keySet()).containsExactlyInAnyOrder("a2/net/p1", "a2/host/p1/10.0.0.2");
        assertThat(accepted(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.ADDRESSING).setNodeId("a2").build()))
                .getTouched()).isEmpty();
    }

    @Test
    void moveNetworkRefusals() {
        standardPools();
        register("x1", "198.51.100.20", NodeRole.ADDRESSING);
        rejected(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.ROUTING).setNodeId("x1").build()), Reason.NOT_FOUND);
        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        rejected(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.ROUTING).setNodeId("bad node").build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.ROUTING).setNodeId("nobody").build()), Reason.NOT_FOUND);
        rejected(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.ROUTING).setNodeId("x1").build()), Reason.CONFLICT);
        rejected(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.TUNNELING).setNodeId("t1").build()), Reason.NOT_FOUND);
        assertThat(d.fact(Topics.STATE_NETWORKS, "p1").getNodes().getRouting()).isEqualTo("r1");
    }

    @Test
    void movingAVpnTakesAPortOnTheNewNodeAndRepointsTheForward() {
        standardPools();
        accepted(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("t2").setRoles(List.of(NodeRole.TUNNELING))
                .setPublicAddress("198.51.100.40").setVpnPortFirst(6000).setVpnPortLast(6000).build()));
        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        accepted(d.submit("p2", CreateNetwork.newBuilder().build()));
        accepted(d.submit("p1", new CreateVpn()));
        accepted(d.submit("p2", new CreateVpn()));
        Vpn p2 = d.fact(Topics.STATE_VPNS, "p2");
        assertThat(p2.getNodeId()).isEqualTo("t2");
        rejected(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.TUNNELING).setNodeId("t2").build()),
                Reason.POOL_EXHAUSTED);
        Result moved = accepted(d.admin("p2", MoveNetwork.newBuilder().setRole(NodeRole.TUNNELING).setNodeId("t1").build()));
        assertThat(moved.getAllocated().getPort()).isEqualTo(51821);
        Vpn after = d.fact(Topics.STATE_VPNS, "p2");
        assertThat(after.getNodeId()).isEqualTo("t1");
        assertThat(after.getPublicAddress()).isEqualTo("198.51.100.4");
        assertThat(d.tunneling("t2/vpn/p2")).isNull();
        assertThat(d.tunneling("t1/vpn/p2")).isNotNull();
        io.factnet.model.VpnForward forward = (io.factnet.model.VpnForward) d.routing("r1/vpn/p2").getEntry();
        assertThat(forward.getTargetAddress()).isEqualTo("198.51.100.4");
        assertThat(forward.getPublicPort()).isEqualTo(51821);
        assertThat(d.fact(Topics.STATE_NODES, "t2").getLoad().get("TUNNELING")).isZero();
        // t2's port is free again: p1 can move there now.
        accepted(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.TUNNELING).setNodeId("t2").build()));
    }
}
