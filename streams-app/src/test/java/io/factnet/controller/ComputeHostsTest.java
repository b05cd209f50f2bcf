package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AddRule;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.BridgeNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.GroupFilter;
import io.factnet.model.InstanceGone;
import io.factnet.model.InstancePort;
import io.factnet.model.MoveInstance;
import io.factnet.model.Network;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.Result;
import io.factnet.topics.Topics;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Instances on compute hosts (ADR 0035): the host is checked, the project's bridge follows its instances, ports are guarded. */
class ComputeHostsTest extends TopologyTestBase {

    @BeforeEach
    void cloud() {
        standardPools();
        underlay("b1", "172.16.0.3"); // the network host
        underlay("c1", "172.16.0.11");
        underlay("c2", "172.16.0.12");
        register("c3", "198.51.100.13", NodeRole.BRIDGING); // no underlay address
    }

    private void underlay(String node, String address) {
        accepted(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId(node).setRoles(List.of(NodeRole.BRIDGING))
                .setPublicAddress("198.51.100." + (20 + node.charAt(1))).setUnderlayAddress(address).build()));
    }

    private Result on(String instance, String host) {
        return d.submit("p1", AllocateFixedIp.newBuilder().setInstance(instance).setHost(host).build());
    }

    private BridgeNetwork bridge(String node) {
        var entry = d.bridging(node + "/bridge/p1");
        return entry == null ? null : (BridgeNetwork) entry.getEntry();
    }

    @Test
    void theProjectsBridgeAppearsOnAHostWithItsFirstInstanceAndGoesWithItsLast() {
        accepted(fixedIp("p1", "vm0")); // makes the network: routing r1, addressing a1, bridging b1 (the network host)
        // every node of the network carries its bridge (ADR 0046): the gateway on the routing node's, the DHCP server's own
        // address on the addressing node's (it is not the routing node), none on the bridging node's
        assertThat(bridge("r1").getGatewayHere()).isTrue();
        assertThat(bridge("b1").getGatewayHere()).isFalse();
        assertThat(bridge("a1").getGatewayHere()).isFalse();
        Network network = d.fact(Topics.STATE_NETWORKS, "p1");
        String dhcp = io.factnet.controller.alloc.Ipv4.format(io.factnet.controller.alloc.Cidr.parse(network.getVpnClientSubnet()).network() - 2);
        assertThat(List.of(bridge("r1"), bridge("a1"), bridge("b1"))).allMatch(b -> dhcp.equals(b.getDhcpAddress()));
        assertThat(bridge("a1").getDhcpHere()).isTrue();
        assertThat(bridge("r1").getDhcpHere() || bridge("b1").getDhcpHere()).isFalse();
        assertThat(((io.factnet.model.DhcpNetwork) d.addressing("a1/net/p1").getEntry()).getServerAddress()).isEqualTo(dhcp);
        assertThat(bridge("b1").getPeers()).as("r1 and a1 have no underlay address here: nothing to tunnel to").isEmpty();

        Result vm1 = accepted(on("vm1", "c1"));
        assertThat(vm1.getTouched()).containsExactlyInAnyOrder(new NodeRef("a1", NodeRole.ADDRESSING),
                new NodeRef("c1", NodeRole.BRIDGING), new NodeRef("b1", NodeRole.BRIDGING), new NodeRef("r1", NodeRole.BRIDGING),
                new NodeRef("a1", NodeRole.BRIDGING));
        assertThat(d.fact(Topics.STATE_FIXED_IPS, vm1.getAllocated().getAddress()).getHost()).isEqualTo("c1");
        InstancePort port = (InstancePort) d.bridging("c1/port/p1/vm1").getEntry();
        assertThat(port.getPort()).isEqualTo(io.factnet.topics.PortNames.of("p1", "vm1"));
        assertThat(d.bridging("b1/port/p1/vm1")).as("the port is on its host only").isNull();
        assertThat(bridge("c1").getGatewayHere()).as("a compute host's bridge carries no address").isFalse();
        assertThat(bridge("c1").getPeers()).containsExactly("172.16.0.3");
        assertThat(bridge("b1").getPeers()).containsExactly("172.16.0.11");
        assertThat(d.bridging("c1/group/p1/default").getEntry()).as("the host guards its members with the group's filter")
                .isEqualTo(d.routing("r1/group/p1/default").getEntry());

        Result second = accepted(on("vm2", "c1"));
        assertThat(second.getTouched()).as("c1 serves already: no bridge changes")
                .containsExactlyInAnyOrder(new NodeRef("a1", NodeRole.ADDRESSING), new NodeRef("c1", NodeRole.BRIDGING));
        accepted(on("vm3", "c2"));
        assertThat(bridge("c2").getPeers()).containsExactly("172.16.0.3", "172.16.0.11");
        assertThat(bridge("b1").getPeers()).containsExactly("172.16.0.11", "172.16.0.12");

        accepted(d.submit("p1", new ReleaseFixedIp("vm3")));
        assertThat(bridge("c2")).as("its last instance left").isNull();
        assertThat(d.bridging("c2/group/p1/default")).isNull();
        assertThat(bridge("b1").getPeers()).containsExactly("172.16.0.11");
    }

    @Test
    void aNodeRegisteredAgainWithAnotherUnderlayAddressIsEveryPeersNewPeer() {
        accepted(fixedIp("p1", "vm0")); // routing r1, addressing a1, bridging b1
        accepted(on("vm1", "c1"));
        accepted(on("vm2", "c2"));
        List<String> serving = List.of("r1", "a1", "b1", "c1", "c2");

        underlay("c1", "172.16.1.11"); // a compute host that hosts an instance (no placed role)
        assertThat(bridge("b1").getPeers()).containsExactly("172.16.1.11", "172.16.0.12");
        assertThat(bridge("c2").getPeers()).containsExactly("172.16.0.3", "172.16.1.11");
        assertThat(List.of(bridge("r1"), bridge("a1"))).allMatch(b -> b.getPeers().contains("172.16.1.11")
                && !b.getPeers().contains("172.16.0.11"));
        assertThat(bridge("c1").getPeers()).as("its own peers did not change").containsExactly("172.16.0.3", "172.16.0.12");

        underlay("b1", "172.16.1.3"); // the network host (a placed role)
        for (String node : serving) {
            if (!node.equals("b1")) {
                assertThat(bridge(node).getPeers()).as(node).contains("172.16.1.3").doesNotContain("172.16.0.3");
            }
        }

        // the routing node had no underlay address: given one, it joins every other bridge's peers
        accepted(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("r1").setRoles(List.of(NodeRole.ROUTING))
                .setPublicAddress("198.51.100.1").setUnderlayAddress("172.16.1.1").build()));
        for (String node : serving) {
            if (!node.equals("r1")) {
                assertThat(bridge(node).getPeers()).as(node).contains("172.16.1.1");
            }
        }
        assertThat(bridge("r1").getPeers()).containsExactly("172.16.1.3", "172.16.1.11", "172.16.0.12");

        // a later change of the hosts keeps the new addresses (the project kept them, not only its bridges)
        accepted(on("vm3", "c2"));
        accepted(d.submit("p1", new ReleaseFixedIp("vm2")));
        accepted(d.submit("p1", new ReleaseFixedIp("vm3")));
        assertThat(bridge("c2")).isNull();
        assertThat(bridge("c1").getPeers()).containsExactly("172.16.1.3", "172.16.1.1");

        // registered again without one: the others' bridges no longer tunnel to it
        accepted(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("c1").setRoles(List.of(NodeRole.BRIDGING))
                .setPublicAddress("198.51.100." + (20 + '1')).build()));
        assertThat(bridge("b1").getPeers()).containsExactly("172.16.1.1");
        assertThat(bridge("r1").getPeers()).containsExactly("172.16.1.3");
    }

    @Test
    void aHostIsCheckedByThePoolStage() {
        accepted(fixedIp("p1", "vm0"));
        rejected(on("vm1", "ghost"), Reason.NOT_FOUND);
        rejected(on("vm1", "r1"), Reason.NO_NODE);
        Result noUnderlay = rejected(on("vm1", "c3"), Reason.NOT_CONFIGURED);
        assertThat(noUnderlay.getMessage()).contains("c3", "underlay");
        rejected(on("vm1", "bad host"), Reason.INVALID_ARGUMENT);
        assertThat(d.view(Topics.NODE_BRIDGING).keySet()).as("refusals change nothing")
                .allMatch(key -> key.startsWith("b1/") || key.equals("r1/bridge/p1") || key.equals("a1/bridge/p1"));
        Result explicit = accepted(on("vm1", "b1"));
        assertThat(explicit.getTouched()).contains(new NodeRef("b1", NodeRole.BRIDGING));
        accepted(d.submit("p2", AllocateFixedIp.newBuilder().setInstance("first").setHost("c1").build()));
        assertThat(d.bridging("c1/bridge/p2")).as("a project's first instance makes its network and binds the host at once")
                .isNotNull();
    }

    @Test
    void aMovedInstanceKeepsItsAddressesAndItsPortAndFilterFollowIt() {
        accepted(d.submit("p1", CreateSecurityGroup.newBuilder().setName("db").build()));
        accepted(d.submit("p1", AddRule.newBuilder().setGroup("db").setProtocol(Protocol.TCP).setFromPort(5432).setToPort(5432)
                .setSourceCidr("10.0.0.0/8").build()));
        Result db = accepted(d.submit("p1", AllocateFixedIp.newBuilder().setInstance("db1").setGroup("db").setHost("c1").build()));
        String address = db.getAllocated().getAddress();

        Result moved = accepted(d.submit("p1", new MoveInstance("db1", "c2")));
        assertThat(moved.getAllocated().getNodeId()).isEqualTo("c2");
        assertThat(d.fact(Topics.STATE_FIXED_IPS, address).getHost()).isEqualTo("c2");
        assertThat(d.fact(Topics.STATE_FIXED_IPS, address).getMac()).isEqualTo(db.getAllocated().getMac());
        assertThat(d.bridging("c1/port/p1/db1")).isNull();
        assertThat(bridge("c1")).isNull();
        assertThat(((InstancePort) d.bridging("c2/port/p1/db1").getEntry()).getAddress()).isEqualTo(address);
        assertThat(((GroupFilter) d.bridging("c2/group/p1/db").getEntry()).getRules()).hasSize(1);
        assertThat(d.bridging("c1/group/p1/db")).isNull();
        assertThat(bridge("b1").getPeers()).containsExactly("172.16.0.12");

        assertThat(accepted(d.submit("p1", new MoveInstance("db1", "c2"))).getTouched()).as("already there").isEmpty();
        rejected(d.submit("p1", new MoveInstance("nope", "c2")), Reason.NOT_FOUND);
        rejected(d.submit("p1", new MoveInstance("db1", "c3")), Reason.NOT_CONFIGURED);

        // only its host may report it gone
        rejected(d.nodeEvent("p1", new InstanceGone("db1", "b1")), Reason.UNAUTHORIZED);
        rejected(d.nodeEvent("p1", new InstanceGone("db1", "c1")), Reason.UNAUTHORIZED);
        accepted(d.nodeEvent("p1", new InstanceGone("db1", "c2")));
    }
}
