package io.factnet.reliability.check;

import static io.factnet.reliability.check.Facts.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.GroupSubnet;
import io.factnet.model.Network;
import io.factnet.model.NodePlacement;
import io.factnet.model.Vpn;
import io.factnet.reliability.read.Decoded;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateCheckTest {
    static Network network(String project, int vlan, String cidr) {
        return Network.newBuilder().setProject(project).setPhysicalNetwork("physnet1").setVlan(vlan).setCidr(cidr)
                .setBridge("br" + vlan).setGateway("x").setVpnAddress("x").setVpnClientSubnet("x").setGroupPrefix(24)
                .setDomain("novalocal").setLeaseSeconds(3600)
                .setNodes(NodePlacement.newBuilder().setRouting("n").setAddressing("n").setBridging("n").build()).build();
    }

    static FixedIp fixed(String address, String project, String instance, String mac) {
        return FixedIp.newBuilder().setAddress(address).setProject(project).setGroup("default").setInstance(instance)
                .setMac(mac).setHostname(instance).build();
    }

    static FloatingIp floating(String address, String project, String fixedAddress, String instance) {
        return FloatingIp.newBuilder().setAddress(address).setPool("public").setProject(project)
                .setFixedAddress(fixedAddress).setInstance(instance).build();
    }

    static Vpn vpn(String project, int port, String address) {
        return Vpn.newBuilder().setProject(project).setNodeId("node-1").setPublicAddress("198.18.0.1").setPort(port)
                .setInterfaceName("wg" + port).setAddress(address).build();
    }

    static GroupSubnet subnet(String project, String cidr) {
        return GroupSubnet.newBuilder().setProject(project).setGroup("default").setCidr(cidr).build();
    }

    /** Two projects, each with a network, a default group, an instance with a floating IP and a VPN. */
    static List<List<? extends Decoded<?>>> healthy() {
        return List.of(
                new ArrayList<>(List.of(at("n", "p1", network("p1", 100, "10.0.0.0/20")), at("n", "p2", network("p2", 101, "10.0.16.0/20")))),
                new ArrayList<>(List.of(at("g", "p1/default", subnet("p1", "10.0.0.0/24")), at("g", "p2/default", subnet("p2", "10.0.16.0/24")))),
                new ArrayList<>(List.of(at("f", "10.0.0.2", fixed("10.0.0.2", "p1", "vm1", "02:00:00:00:00:01")),
                        at("f", "10.0.16.2", fixed("10.0.16.2", "p2", "vm1", "02:00:00:00:00:01")))),
                new ArrayList<>(List.of(at("fl", "203.0.113.2", floating("203.0.113.2", "p1", "10.0.0.2", "vm1")))),
                new ArrayList<>(List.of(at("v", "p1", vpn("p1", 51820, "10.255.0.1")), at("v", "p2", vpn("p2", 51821, "10.255.0.2")))));
    }

    @SuppressWarnings("unchecked")
    static StateCheck.Report check(List<List<? extends Decoded<?>>> topics) {
        return StateCheck.check(new StateCheck.Snapshot((List<Decoded<Network>>) topics.get(0), (List<Decoded<GroupSubnet>>) topics.get(1),
                (List<Decoded<FixedIp>>) topics.get(2), (List<Decoded<FloatingIp>>) topics.get(3), (List<Decoded<Vpn>>) topics.get(4)));
    }

    @SuppressWarnings("unchecked")
    static <V> void add(List<List<? extends Decoded<?>>> topics, int topic, Decoded<V> record) {
        ((List<Decoded<V>>) topics.get(topic)).add(record);
    }

    @Test
    void aHealthyStateHasNoProblemsAndAReleaseBeforeTheNextOwnerIsFine() {
        List<List<? extends Decoded<?>>> topics = healthy();
        add(topics, 2, at("f", "10.0.0.3", fixed("10.0.0.3", "p1", "vm2", "02:00:00:00:00:02")));
        add(topics, 2, at("f", "10.0.0.3", null));
        add(topics, 2, at("f", "10.0.0.3", fixed("10.0.0.3", "p1", "vm3", "02:00:00:00:00:03")));
        StateCheck.Report report = check(topics);
        assertThat(report.problems()).isEmpty();
        assertThat(report.fixedIps()).isEqualTo(3);
        assertThat(report.networks()).isEqualTo(2);
    }

    @Test
    void everythingHeldTwiceIsFound() {
        List<List<? extends Decoded<?>>> topics = healthy();
        add(topics, 0, at("n", "p3", network("p3", 100, "10.0.8.0/21")));            // VLAN 100 again, inside p1's block
        add(topics, 1, at("g", "p3/default", subnet("p3", "10.0.8.0/24")));
        add(topics, 1, at("g", "p4/default", subnet("p4", "10.0.32.0/24")));           // a subnet without a network
        add(topics, 2, at("f", "10.0.0.9", fixed("10.0.0.9", "p1", "vm9", "02:00:00:00:00:01"))); // MAC again on VLAN 100
        add(topics, 2, at("f", "10.0.16.2", fixed("10.0.16.2", "p1", "vm7", "02:00:00:00:00:07"))); // given to p1 while p2 holds it
        add(topics, 3, at("fl", "203.0.113.3", floating("203.0.113.3", "p1", "10.0.0.2", "vm1")));  // a second floating on vm1
        add(topics, 3, at("fl", "203.0.113.4", floating("203.0.113.4", "p2", "10.0.0.9", "vm9")));  // p2 pointing at p1's instance
        add(topics, 4, at("v", "p3", vpn("p3", 51820, "10.255.0.3")));               // port 51820 of node-1 again
        add(topics, 4, at("v", "p4", vpn("p4", 51830, "wrong-key-value")));
        add(topics, 4, at("v", "p5", vpn("p4", 51831, "10.255.0.9")));                // a key holding another's value
        List<String> problems = check(topics).problems();
        assertThat(String.join("\n", problems)).contains(
                "physnet1 VLAN 100 is held twice",
                "10.0.8.0/21 (network of p3) overlaps 10.0.0.0/20 (network of p1)",
                "group subnet 10.0.32.0/24 of p4/default is held, but the project has no network",
                "MAC 02:00:00:00:00:01 on VLAN 100 is held twice",
                "10.0.16.2 was given to p1/vm7 while p2/vm1 held it",
                "fixed IP 10.0.0.2 behind a floating IP is held twice",
                "floating IP 203.0.113.4 of p2 points at 10.0.0.9 (vm9), which is held by p1/vm9",
                "VPN port node-1:51820 is held twice",
                "key p5 holds the value of p4");
    }
}
