package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AddVpnPeer;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateVpn;
import io.factnet.model.DeleteVpn;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.RemoveVpnPeer;
import io.factnet.model.Result;
import io.factnet.model.TunnelPeer;
import io.factnet.model.Vpn;
import io.factnet.model.VpnForward;
import io.factnet.model.VpnTunnel;
import io.factnet.topics.Topics;
import org.junit.jupiter.api.Test;

class VpnCommandsTest extends TopologyTestBase {

    @Test
    void aVpnGetsATunnelingNodeAPortAndTheReservedAddress() {
        standardPools();
        rejected(d.submit("p1", new CreateVpn()), Reason.NOT_FOUND);
        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        Result created = accepted(d.submit("p1", new CreateVpn()));
        assertThat(created.getAllocated().getNodeId()).isEqualTo("t1");
        assertThat(created.getAllocated().getPort()).isEqualTo(51820);
        assertThat(created.getAllocated().getAddress()).isEqualTo("10.0.15.1");
        assertThat(created.getTouched()).containsExactlyInAnyOrder(new NodeRef("t1", NodeRole.TUNNELING),
                new NodeRef("r1", NodeRole.ROUTING));
        Vpn vpn = d.fact(Topics.STATE_VPNS, "p1");
        assertThat(vpn.getInterfaceName()).isEqualTo("wg100");
        assertThat(vpn.getPublicAddress()).isEqualTo("198.51.100.4");
        assertThat(vpn.getAddress()).isEqualTo("10.0.15.1/24");
        assertThat(d.fact(Topics.STATE_NETWORKS, "p1").getNodes().getTunneling()).isEqualTo("t1");
        VpnTunnel tunnel = (VpnTunnel) d.tunneling("t1/vpn/p1").getEntry();
        assertThat(tunnel.getListenPort()).isEqualTo(51820);
        assertThat(tunnel.getAddress()).isEqualTo("10.0.15.1/24");
        assertThat(tunnel.getNetworkCidr()).isEqualTo("10.0.0.0/20");
        VpnForward forward = (VpnForward) d.routing("r1/vpn/p1").getEntry();
        assertThat(forward.getPublicPort()).isEqualTo(51820);
        assertThat(forward.getTargetAddress()).isEqualTo("198.51.100.4");
        assertThat(forward.getTargetPort()).isEqualTo(51820);
        assertThat(d.fact(Topics.STATE_NODES, "t1").getLoad().get("TUNNELING")).isEqualTo(1);
        rejected(d.submit("p1", new CreateVpn()), Reason.ALREADY_EXISTS);

        accepted(d.submit("p2", CreateNetwork.newBuilder().build()));
        assertThat(accepted(d.submit("p2", new CreateVpn())).getAllocated().getPort()).isEqualTo(51821);
        Result deleted = accepted(d.submit("p1", new DeleteVpn()));
        assertThat(deleted.getTouched()).containsExactlyInAnyOrder(new NodeRef("t1", NodeRole.TUNNELING),
                new NodeRef("r1", NodeRole.ROUTING));
        assertThat(d.tunneling("t1/vpn/p1")).isNull();
        assertThat(d.routing("r1/vpn/p1")).isNull();
        assertThat(d.fact(Topics.STATE_VPNS, "p1")).isNull();
        assertThat(d.fact(Topics.STATE_NETWORKS, "p1").getNodes().getTunneling()).isNull();
        rejected(d.submit("p1", new DeleteVpn()), Reason.NOT_FOUND);
        assertThat(accepted(d.submit("p1", new CreateVpn())).getAllocated().getPort()).as("the port came back").isEqualTo(51820);
    }

    @Test
    void vpnPlacementNeedsATunnelingNodeWithAFreePort() {
        standardPools();
        accepted(d.admin(ADMIN, io.factnet.model.RegisterNode.newBuilder().setNodeId("t1")
                .setRoles(java.util.List.of(NodeRole.TUNNELING)).setPublicAddress("198.51.100.4")
                .setVpnPortFirst(51820).setVpnPortLast(51820).build()));
        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        accepted(d.submit("p2", CreateNetwork.newBuilder().build()));
        accepted(d.submit("p1", new CreateVpn()));
        rejected(d.submit("p2", new CreateVpn()), Reason.POOL_EXHAUSTED);
    }

    @Test
    void aVpnGoesToItsNetworksBridgingNodeWhenThatNodeTunnelsAndHasAFreePort() {
        accepted(d.admin(ADMIN, io.factnet.model.DefineVlanRange.newBuilder().setFirst(5).setLast(6).build()));
        accepted(d.admin(ADMIN, io.factnet.model.DefineSupernet.newBuilder().setCidr("10.0.0.0/19").build()));
        accepted(d.admin(ADMIN, io.factnet.model.RegisterNode.newBuilder().setNodeId("t1")
                .setRoles(java.util.List.of(NodeRole.TUNNELING)).setPublicAddress("198.51.100.4")
                .setVpnPortFirst(51820).setVpnPortLast(51829).build()));
        // "z1" carries every role and sorts after "t1": the least loaded rule alone would pick t1
        accepted(d.admin(ADMIN, io.factnet.model.RegisterNode.newBuilder().setNodeId("z1")
                .setRoles(java.util.List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING, NodeRole.TUNNELING))
                .setPublicAddress("198.51.100.5").setVpnPortFirst(52000).setVpnPortLast(52000).build()));
        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        accepted(d.submit("p2", CreateNetwork.newBuilder().build()));

        Result first = accepted(d.submit("p1", new CreateVpn()));
        assertThat(first.getAllocated().getNodeId()).as("on the bridge of p1's network").isEqualTo("z1");
        assertThat(first.getAllocated().getPort()).isEqualTo(52000);
        Result second = accepted(d.submit("p2", new CreateVpn()));
        assertThat(second.getAllocated().getNodeId()).as("z1 has no free port left").isEqualTo("t1");
    }

    @Test
    void tunnelingNodesMayNotShareVpnPortsSinceARoutingNodeForwardsEachPortFromItsOneAddress() {
        standardPools(); // t1: 51820-51821
        Result overlap = rejected(d.admin(ADMIN, io.factnet.model.RegisterNode.newBuilder().setNodeId("t9")
                .setRoles(java.util.List.of(NodeRole.TUNNELING)).setPublicAddress("198.51.100.9")
                .setVpnPortFirst(51821).setVpnPortLast(51830).build()), Reason.CONFLICT);
        assertThat(overlap.getMessage()).contains("overlap those of tunneling node t1 (51820-51821)");
        accepted(d.admin(ADMIN, io.factnet.model.RegisterNode.newBuilder().setNodeId("t9")
                .setRoles(java.util.List.of(NodeRole.TUNNELING)).setPublicAddress("198.51.100.9")
                .setVpnPortFirst(51822).setVpnPortLast(51830).build()));
        // ranges of nodes without the tunneling role are never used
        accepted(d.admin(ADMIN, io.factnet.model.RegisterNode.newBuilder().setNodeId("r9")
                .setRoles(java.util.List.of(NodeRole.ROUTING)).setPublicAddress("198.51.100.10")
                .setVpnPortFirst(51820).setVpnPortLast(51830).build()));
        // t1 registering again with its own range is not an overlap with itself
        accepted(d.admin(ADMIN, io.factnet.model.RegisterNode.newBuilder().setNodeId("t1").setRoles(java.util.List.of(NodeRole.TUNNELING))
                .setPublicAddress("198.51.100.4").setVpnPortFirst(51820).setVpnPortLast(51821).build()));
    }

    @Test
    void noTunnelingNodeMeansNoVpn() {
        accepted(d.admin(ADMIN, io.factnet.model.DefineVlanRange.newBuilder().setFirst(5).setLast(5).build()));
        accepted(d.admin(ADMIN, io.factnet.model.DefineSupernet.newBuilder().setCidr("10.0.0.0/20").build()));
        register("n1", "198.51.100.1", NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);
        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        rejected(d.submit("p1", new CreateVpn()), Reason.NO_NODE);
    }

    @Test
    void peersGetAddressesOfTheVpnClientSubnet() {
        standardPools();
        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        rejected(d.submit("p1", new AddVpnPeer(KEY_A)), Reason.NOT_FOUND);
        accepted(d.submit("p1", new CreateVpn()));
        rejected(d.submit("p1", new AddVpnPeer("not-a-key")), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", new AddVpnPeer(KEY_A.substring(1) + "=")), Reason.INVALID_ARGUMENT);
        Result a = accepted(d.submit("p1", new AddVpnPeer(KEY_A)));
        assertThat(a.getAllocated().getAddress()).as(".0 network, .1 the VPN's own").isEqualTo("10.0.15.2");
        assertThat(a.getTouched()).containsExactly(new NodeRef("t1", NodeRole.TUNNELING));
        rejected(d.submit("p1", new AddVpnPeer(KEY_A)), Reason.ALREADY_EXISTS);
        assertThat(accepted(d.submit("p1", new AddVpnPeer(KEY_B))).getAllocated().getAddress()).isEqualTo("10.0.15.3");
        VpnTunnel tunnel = (VpnTunnel) d.tunneling("t1/vpn/p1").getEntry();
        assertThat(tunnel.getPeers()).extracting(TunnelPeer::getAllowedIp).containsExactly("10.0.15.2/32", "10.0.15.3/32");
        assertThat(tunnel.getPeers()).extracting(TunnelPeer::getPublicKey).containsExactly(KEY_A, KEY_B);
        assertThat(d.fact(Topics.STATE_VPNS, "p1").getPeers()).hasSize(2);
        accepted(d.submit("p1", new RemoveVpnPeer(KEY_A)));
        rejected(d.submit("p1", new RemoveVpnPeer(KEY_A)), Reason.NOT_FOUND);
        rejected(d.submit("p1", new RemoveVpnPeer("")), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p2", new RemoveVpnPeer(KEY_B)), Reason.NOT_FOUND);
        assertThat(((VpnTunnel) d.tunneling("t1/vpn/p1").getEntry()).getPeers()).extracting(TunnelPeer::getPublicKey)
                .containsExactly(KEY_B);
    }

    @Test
    void theVpnClientSubnetRunsOut() {
        standardPools();
        // /20 blocks with /29 group subnets: the VPN client subnet has 8 addresses, 5 for peers.
        accepted(d.admin(ADMIN, io.factnet.model.DefineSupernet.newBuilder().setCidr("10.0.0.0/19").setGroupPrefix(29).build()));
        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        accepted(d.submit("p1", new CreateVpn()));
        for (int i = 0; i < 5; i++) {
            accepted(d.submit("p1", new AddVpnPeer(key(i))));
        }
        rejected(d.submit("p1", new AddVpnPeer(key(5))), Reason.POOL_EXHAUSTED);
    }

    static String key(int i) {
        byte[] bytes = new byte[32];
        bytes[0] = (byte) i;
        return java.util.Base64.getEncoder().encodeToString(bytes);
    }
}
