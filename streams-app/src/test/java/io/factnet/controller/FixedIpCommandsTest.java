package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DhcpHost;
import io.factnet.model.FixedIp;
import io.factnet.model.InstanceGone;
import io.factnet.model.InstancePort;
import io.factnet.model.InstanceStatus;
import io.factnet.model.LeaseGranted;
import io.factnet.model.LeaseReleased;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.Result;
import io.factnet.topics.Topics;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FixedIpCommandsTest extends TopologyTestBase {

    /** /30 group subnets: the first (with the gateway) has one address to give, the others two. */
    void tinyGroupSubnets() {
        standardPools();
        accepted(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/19").setGroupPrefix(30).build()));
    }

    @Test
    void anInstanceGetsAnAddressAMacAndADhcpHost() {
        standardPools();
        Result vm1 = accepted(fixedIp("p1", "vm1"));
        assertThat(vm1.getAllocated().getAddress()).as("the gateway .1 is never given").isEqualTo("10.0.0.2");
        assertThat(vm1.getAllocated().getMac()).isEqualTo("fa:16:3e:00:00:01");
        assertThat(vm1.getAllocated().getHostname()).isEqualTo("vm1");
        assertThat(vm1.getAllocated().getGroup()).isEqualTo("default");
        FixedIp fact = d.fact(Topics.STATE_FIXED_IPS, "10.0.0.2");
        assertThat(fact.getInstance()).isEqualTo("vm1");
        assertThat(fact.getProject()).isEqualTo("p1");
        assertThat(fact.getLeased()).isFalse();
        DhcpHost host = (DhcpHost) d.addressing("a1/host/p1/10.0.0.2").getEntry();
        assertThat(host.getMac()).isEqualTo("fa:16:3e:00:00:01");
        assertThat(host.getHostname()).isEqualTo("vm1");

        Result vm2 = accepted(d.submit("p1", AllocateFixedIp.newBuilder().setInstance("vm_2").setMac("FA:16:3E:00:00:02").build()));
        assertThat(vm2.getAllocated().getMac()).as("given MACs are kept, in lower case").isEqualTo("fa:16:3e:00:00:02");
        assertThat(vm2.getAllocated().getHostname()).as("vm_2 is no host name").isEqualTo("host-10-0-0-3");
        assertThat(vm2.getTouched()).containsExactly(new NodeRef("a1", NodeRole.ADDRESSING), new NodeRef("b1", NodeRole.BRIDGING));
        InstancePort port = (InstancePort) d.bridging("b1/port/p1/vm_2").getEntry();
        assertThat(port.getMac()).as("the bridging node knows the instance's port by its MAC").isEqualTo("fa:16:3e:00:00:02");
        assertThat(port.getAddress()).isEqualTo("10.0.0.3");
        assertThat(port.getPort()).as("its interface, named by project and instance (ADR 0035)")
                .isEqualTo(io.factnet.topics.PortNames.of("p1", "vm_2")).matches("tap[0-9a-f]{10}");
        assertThat(port.getGroup()).isEqualTo("default");
        assertThat(d.fact(Topics.STATE_FIXED_IPS, "10.0.0.3").getStatus()).isEqualTo(InstanceStatus.UP);
        Result vm3 = accepted(fixedIp("p1", "vm3"));
        assertThat(vm3.getAllocated().getMac()).as("made MACs skip the given ones").isEqualTo("fa:16:3e:00:00:03");
        Result named = accepted(d.submit("p1", AllocateFixedIp.newBuilder().setInstance("vm4").setHostname("db-primary").build()));
        assertThat(((DhcpHost) d.addressing("a1/host/p1/" + named.getAllocated().getAddress()).getEntry()).getHostname())
                .isEqualTo("db-primary");
        assertThat(accepted(fixedIp("p2", "vm1")).getAllocated().getMac()).as("MACs are unique per VLAN").isEqualTo("fa:16:3e:00:00:01");
    }

    @Test
    void refusals() {
        rejected(fixedIp("p1", "vm1"), Reason.NOT_CONFIGURED);
        standardPools();
        rejected(fixedIp("p1", "vm/1"), Reason.INVALID_ARGUMENT);
        rejected(fixedIp("p1", "vm1", "bad group"), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", AllocateFixedIp.newBuilder().setInstance("vm1").setMac("01:00:5e:00:00:01").build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", AllocateFixedIp.newBuilder().setInstance("vm1").setMac("00:00:00:00:00:00").build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", AllocateFixedIp.newBuilder().setInstance("vm1").setMac("fa-16-3e-00-00-01").build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", AllocateFixedIp.newBuilder().setInstance("vm1").setHostname("-bad").build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", AllocateFixedIp.newBuilder().setInstance("vm1").setHostname("a.b").build()),
                Reason.INVALID_ARGUMENT);
        rejected(fixedIp("p1", "vm1", "web"), Reason.NOT_FOUND);
        assertThat(d.view(Topics.STATE_NETWORKS)).as("no network for a refused request").isEmpty();
        accepted(d.submit("p1", AllocateFixedIp.newBuilder().setInstance("vm1").setMac("02:00:00:00:00:01").build()));
        rejected(fixedIp("p1", "vm1"), Reason.ALREADY_EXISTS);
        rejected(d.submit("p1", AllocateFixedIp.newBuilder().setInstance("vm2").setMac("02:00:00:00:00:01").build()), Reason.IN_USE);
        rejected(d.submit("p1", new ReleaseFixedIp("vm9")), Reason.NOT_FOUND);
        rejected(d.submit("p2", new ReleaseFixedIp("vm1")), Reason.NOT_FOUND);
        rejected(d.submit("p1", new ReleaseFixedIp("vm 1")), Reason.INVALID_ARGUMENT);
    }

    @Test
    void aReleasedAddressIsHeldDownBeforeItIsGivenAgain() {
        tinyGroupSubnets();
        Result vm1 = accepted(fixedIp("p1", "vm1"));
        assertThat(vm1.getAllocated().getCidr()).isEqualTo("10.0.0.0/30");
        assertThat(vm1.getAllocated().getAddress()).isEqualTo("10.0.0.2");
        rejected(fixedIp("p1", "vm2"), Reason.POOL_EXHAUSTED);
        Result released = accepted(d.submit("p1", new ReleaseFixedIp("vm1")));
        assertThat(released.getTouched()).containsExactly(new NodeRef("a1", NodeRole.ADDRESSING), new NodeRef("b1", NodeRole.BRIDGING));
        assertThat(d.fact(Topics.STATE_FIXED_IPS, "10.0.0.2")).isNull();
        assertThat(d.addressing("a1/host/p1/10.0.0.2")).isNull();
        assertThat(d.bridging("b1/port/p1/vm1")).isNull();
        d.advance(Duration.ofSeconds(599));
        rejected(fixedIp("p1", "vm2"), Reason.POOL_EXHAUSTED);
        d.advance(Duration.ofSeconds(1));
        assertThat(accepted(fixedIp("p1", "vm2")).getAllocated().getAddress()).isEqualTo("10.0.0.2");
    }

    @Test
    void theHoldDownIsConfigurable() {
        d.close();
        d = new ControllerDriver(java.util.Map.of(ControllerConfig.HOLD_DOWN_MS, "0"));
        tinyGroupSubnets();
        accepted(fixedIp("p1", "vm1"));
        accepted(d.submit("p1", new ReleaseFixedIp("vm1")));
        assertThat(accepted(fixedIp("p1", "vm2")).getAllocated().getAddress()).isEqualTo("10.0.0.2");
    }

    @Test
    void leaseEventsCountOnlyForTheMacThatOwnsTheAddress() {
        tinyGroupSubnets();
        Result vm1 = accepted(fixedIp("p1", "vm1"));
        String address = vm1.getAllocated().getAddress();
        String oldMac = vm1.getAllocated().getMac();
        accepted(d.nodeEvent("p1", new LeaseGranted("a1", address, oldMac, "vm1")));
        assertThat(d.fact(Topics.STATE_FIXED_IPS, address).getLeased()).isTrue();
        accepted(d.submit("p1", new ReleaseFixedIp("vm1")));
        d.advance(Duration.ofMinutes(10));
        String newMac = accepted(fixedIp("p1", "vm2")).getAllocated().getMac();
        rejected(d.nodeEvent("p1", new LeaseGranted("a1", address, newMac, "whatever; the client's")), Reason.INVALID_ARGUMENT);
        rejected(d.nodeEvent("p1", new LeaseGranted("a1", address, newMac, "x\n$(reboot)")), Reason.INVALID_ARGUMENT);
        assertThat(d.fact(Topics.STATE_FIXED_IPS, address).getLeased()).as("a refused lease changes nothing").isFalse();
        accepted(d.nodeEvent("p1", new LeaseGranted("a1", address, newMac.toUpperCase(), "client-vm2")));
        // dnsmasq's late "del" for the old instance must not release the new one's address.
        rejected(d.nodeEvent("p1", new LeaseReleased("a1", address, oldMac)), Reason.CONFLICT);
        assertThat(d.fact(Topics.STATE_FIXED_IPS, address).getLeased()).isTrue();
        assertThat(d.fact(Topics.STATE_FIXED_IPS, address).getInstance()).isEqualTo("vm2");
        accepted(d.nodeEvent("p1", new LeaseReleased("a1", address, newMac)));
        assertThat(d.fact(Topics.STATE_FIXED_IPS, address).getLeased()).isFalse();
        rejected(d.nodeEvent("p1", new LeaseGranted("a1", "10.9.9.9", newMac, null)), Reason.NOT_FOUND);
        rejected(d.nodeEvent("p2", new LeaseGranted("a1", address, newMac, null)), Reason.NOT_FOUND);
        rejected(d.nodeEvent("p1", new LeaseGranted("a1", "10.9.9", newMac, null)), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", new LeaseGranted("a1", address, newMac, null)), Reason.UNAUTHORIZED);
    }

    @Test
    void instanceGoneReleasesTheAddressAndItsFloatingIpAtOnceWhenTheOperatorSaysSo() {
        d.close();
        d = new ControllerDriver(java.util.Map.of(ControllerConfig.RELEASE_GONE_AFTER_MS, "0"));
        standardPools();
        String fixed = accepted(fixedIp("p1", "vm1")).getAllocated().getAddress();
        String floating = accepted(floatingIp("p1")).getAllocated().getAddress();
        accepted(d.submit("p1", new AssociateFloatingIp(floating, "vm1")));
        assertThat(d.routing("r1/fip/" + floating)).isNotNull();
        rejected(d.submit("p1", new InstanceGone("vm1", "b1")), Reason.UNAUTHORIZED);
        Result gone = accepted(d.nodeEvent("p1", new InstanceGone("vm1", "b1")));
        assertThat(gone.getTouched()).containsExactlyInAnyOrder(new NodeRef("a1", NodeRole.ADDRESSING),
                new NodeRef("r1", NodeRole.ROUTING), new NodeRef("b1", NodeRole.BRIDGING));
        assertThat(d.fact(Topics.STATE_FIXED_IPS, fixed)).isNull();
        assertThat(d.fact(Topics.STATE_FLOATING_IPS, floating).getFixedAddress()).isNull();
        assertThat(d.fact(Topics.STATE_FLOATING_IPS, floating).getProject()).as("still the project's").isEqualTo("p1");
        assertThat(d.routing("r1/fip/" + floating)).isNull();
        assertThat(d.bridging("b1/port/p1/vm1")).isNull();
        rejected(d.nodeEvent("p1", new InstanceGone("vm1", "b1")), Reason.NOT_FOUND);
    }
}
