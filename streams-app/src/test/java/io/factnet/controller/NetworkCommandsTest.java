package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AddRule;
import io.factnet.model.BridgeNetwork;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateVpn;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.DeleteNetwork;
import io.factnet.model.DeleteVpn;
import io.factnet.model.DhcpNetwork;
import io.factnet.model.Network;
import io.factnet.model.NetworkSnat;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.Result;
import io.factnet.topics.Topics;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkCommandsTest extends TopologyTestBase {

    static CreateNetwork network() {
        return CreateNetwork.newBuilder().build();
    }

    @Test
    void createNetworkTakesAVlanABlockAndANodePerRoleAndPublishesThem() {
        standardPools();
        Result result = accepted(d.submit("p1", CreateNetwork.newBuilder().setDnsServers(List.of("192.0.2.53"))
                .setDomain("example.org").setLeaseSeconds(600).build()));
        assertThat(result.getAllocated().getVlan()).isEqualTo(100);
        assertThat(result.getAllocated().getCidr()).isEqualTo("10.0.0.0/20");
        assertThat(result.getAllocated().getGateway()).isEqualTo("10.0.0.1");
        assertThat(result.getAllocated().getBridge()).isEqualTo("br100");
        assertThat(result.getTouched()).containsExactlyInAnyOrder(new NodeRef("r1", NodeRole.ROUTING),
                new NodeRef("a1", NodeRole.ADDRESSING), new NodeRef("b1", NodeRole.BRIDGING),
                // every node of the network joins its L2 (ADR 0046)
                new NodeRef("r1", NodeRole.BRIDGING), new NodeRef("a1", NodeRole.BRIDGING));

        Network network = d.fact(Topics.STATE_NETWORKS, "p1");
        assertThat(network.getVpnClientSubnet()).isEqualTo("10.0.15.0/24");
        assertThat(network.getVpnAddress()).isEqualTo("10.0.15.1");
        assertThat(network.getNodes().getTunneling()).isNull();
        assertThat(d.fact(Topics.STATE_GROUPS, "p1/default")).as("default group exists for every network").isNotNull();
        assertThat(((NetworkSnat) d.routing("r1/snat/p1").getEntry()).getCidr()).isEqualTo("10.0.0.0/20");
        assertThat(d.routing("r1/snat/p1").getRequestId()).isEqualTo(result.getRequestId());
        DhcpNetwork dhcp = (DhcpNetwork) d.addressing("a1/net/p1").getEntry();
        assertThat(dhcp.getBridge()).isEqualTo("br100");
        assertThat(dhcp.getDnsServers()).containsExactly("192.0.2.53");
        assertThat(dhcp.getDomain()).isEqualTo("example.org");
        assertThat(dhcp.getLeaseSeconds()).isEqualTo(600);
        BridgeNetwork bridge = (BridgeNetwork) d.bridging("b1/bridge/p1").getEntry();
        assertThat(bridge.getVlan()).isEqualTo(100);
        assertThat(bridge.getGatewayCidr()).isEqualTo("10.0.0.1/20");
        assertThat(bridge.getPhysicalNetwork()).isEqualTo("physnet1");

        assertThat(accepted(d.submit("p2", network())).getAllocated().getCidr()).isEqualTo("10.0.16.0/20");
        rejected(d.submit("p1", network()), Reason.ALREADY_EXISTS);
    }

    @Test
    void createNetworkValidatesItsFields() {
        standardPools();
        rejected(d.submit("p1", CreateNetwork.newBuilder().setPhysicalNetwork("").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", CreateNetwork.newBuilder().setDnsServers(List.of("8.8.8")).build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", CreateNetwork.newBuilder().setDnsServers(List.of("1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4")).build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", CreateNetwork.newBuilder().setDomain("bad domain;rm -rf").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", CreateNetwork.newBuilder().setLeaseSeconds(5).build()), Reason.INVALID_ARGUMENT);
        assertThat(d.view(Topics.STATE_NETWORKS)).isEmpty();
    }

    @Test
    void refusalsOfThePoolsAreCompensated() {
        rejected(d.submit("p1", network()), Reason.NOT_CONFIGURED);
        accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setFirst(100).setLast(100).build()));
        rejected(d.submit("p1", network()), Reason.NOT_CONFIGURED);
        accepted(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/20").build()));
        Result noNode = rejected(d.submit("p1", network()), Reason.NO_NODE);
        assertThat(noNode.getMessage()).contains("ROUTING");
        register("r1", "198.51.100.1", NodeRole.ROUTING);
        register("a1", "198.51.100.2", NodeRole.ADDRESSING);
        rejected(d.submit("p1", network()), Reason.NO_NODE);
        register("b1", "198.51.100.3", NodeRole.BRIDGING);
        // The refusals gave back the VLAN and the block they took: the one VLAN and the one block are free.
        accepted(d.submit("p1", network()));
        rejected(d.submit("p2", network()), Reason.POOL_EXHAUSTED);
        accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setPhysicalNetwork("physnet2").setFirst(7).setLast(8).build()));
        Result blocks = rejected(d.submit("p2", CreateNetwork.newBuilder().setPhysicalNetwork("physnet2").build()),
                Reason.POOL_EXHAUSTED);
        assertThat(blocks.getMessage()).contains("block");
        assertThat(d.fact(Topics.STATE_NODES, "r1").getLoad().get("ROUTING")).isEqualTo(1);
        accepted(d.submit("p1", new DeleteNetwork()));
        // physnet2's VLAN 7 went back when its block was refused; next fit goes on from 8 first.
        assertThat(accepted(d.submit("p2", CreateNetwork.newBuilder().setPhysicalNetwork("physnet2").build()))
                .getAllocated().getVlan()).isEqualTo(8);
        accepted(d.submit("p2", new DeleteNetwork()));
        assertThat(accepted(d.submit("p3", CreateNetwork.newBuilder().setPhysicalNetwork("physnet2").build()))
                .getAllocated().getVlan()).isEqualTo(7);
    }

    @Test
    void deleteNetworkIsRefusedWhileInUseAndGivesVlanAndBlockBack() {
        standardPools();
        rejected(d.submit("p1", new DeleteNetwork()), Reason.NOT_FOUND);
        accepted(fixedIp("p1", "vm1"));
        accepted(d.submit("p1", AddRule.newBuilder().setGroup("default").setProtocol(Protocol.TCP).setFromPort(22).setToPort(22)
                .setSourceCidr("0.0.0.0/0").build()));
        rejected(d.submit("p1", new DeleteNetwork()), Reason.IN_USE);
        accepted(d.submit("p1", new ReleaseFixedIp("vm1")));
        accepted(d.submit("p1", new CreateVpn()));
        rejected(d.submit("p1", new DeleteNetwork()), Reason.IN_USE);
        accepted(d.submit("p1", new DeleteVpn()));
        Result deleted = accepted(d.submit("p1", new DeleteNetwork()));
        assertThat(deleted.getTouched()).containsExactlyInAnyOrder(new NodeRef("r1", NodeRole.ROUTING),
                new NodeRef("a1", NodeRole.ADDRESSING), new NodeRef("b1", NodeRole.BRIDGING),
                new NodeRef("r1", NodeRole.BRIDGING), new NodeRef("a1", NodeRole.BRIDGING));
        assertThat(d.view(Topics.STATE_NETWORKS)).isEmpty();
        assertThat(d.view(Topics.STATE_GROUP_SUBNETS)).isEmpty();
        assertThat(d.view(Topics.NODE_ROUTING)).isEmpty();
        assertThat(d.view(Topics.NODE_ADDRESSING)).isEmpty();
        assertThat(d.view(Topics.NODE_BRIDGING)).isEmpty();
        assertThat(d.fact(Topics.STATE_GROUPS, "p1/default").getRules()).as("groups belong to the project").hasSize(1);
        assertThat(d.fact(Topics.STATE_NODES, "r1").getLoad().get("ROUTING")).isZero();
        // Tombstones carry the request id in a header, so a waiter can find them.
        var last = d.history.get(Topics.NODE_BRIDGING).get(d.history.get(Topics.NODE_BRIDGING).size() - 1);
        assertThat(last.value()).isNull();
        assertThat(new String(last.headers().lastHeader("factnet.request-id").value())).isEqualTo(deleted.getRequestId());
        // Both VLANs and both blocks are free again.
        accepted(d.submit("p2", network()));
        accepted(d.submit("p3", network()));
    }

    @Test
    void theFirstFixedIpChecksItsGroupBeforeMakingTheNetworkAndGroupsCanRunOutOfSubnets() {
        standardPools();
        accepted(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/19").setBlockPrefix(20).setGroupPrefix(21).build()));
        // /20 in /21 groups: one group slot and the VPN slot. A second group has no subnet left.
        accepted(d.submit("p1", io.factnet.model.CreateSecurityGroup.newBuilder().setName("web").build()));
        accepted(fixedIp("p1", "vm1"));
        rejected(fixedIp("p1", "vm2", "web"), Reason.POOL_EXHAUSTED);
        Result implicit = rejected(d.submit("p2", io.factnet.model.AllocateFixedIp.newBuilder().setInstance("vm1")
                .setGroup("web").build()), Reason.NOT_FOUND);
        assertThat(implicit.getTouched()).isEmpty();
        assertThat(d.fact(Topics.STATE_NETWORKS, "p2")).isNull();
        accepted(fixedIp("p2", "vm1"));
        assertThat(d.fact(Topics.STATE_NETWORKS, "p2").getCidr()).isEqualTo("10.0.16.0/20");
    }
}
