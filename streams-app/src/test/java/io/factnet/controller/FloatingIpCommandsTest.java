package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.DisassociateFloatingIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.FloatingNat;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.Result;
import io.factnet.model.SetProjectQuota;
import io.factnet.topics.Topics;
import org.junit.jupiter.api.Test;

class FloatingIpCommandsTest extends TopologyTestBase {

    /** With the stock off (factnet.floating.stock=0, ADR 0039): each allocation takes the pool's next address. */
    @Test
    void allocateTakesTheNextAddressOfThePoolWithinTheQuota() {
        d.close();
        d = new ControllerDriver(java.util.Map.of(ControllerConfig.FLOATING_STOCK, "0"));
        standardPools();
        Result first = accepted(floatingIp("p1"));
        assertThat(first.getAllocated().getAddress()).as("not the network address").isEqualTo("203.0.113.1");
        assertThat(first.getAllocated().getPool()).isEqualTo("public");
        FloatingIp fact = d.fact(Topics.STATE_FLOATING_IPS, "203.0.113.1");
        assertThat(fact.getProject()).isEqualTo("p1");
        assertThat(fact.getFixedAddress()).isNull();
        assertThat(accepted(floatingIp("p2")).getAllocated().getAddress()).isEqualTo("203.0.113.2");
        rejected(d.submit("p1", AllocateFloatingIp.newBuilder().setPool("nope").build()), Reason.NOT_FOUND);
        rejected(d.submit("p1", AllocateFloatingIp.newBuilder().setPool("bad pool").build()), Reason.INVALID_ARGUMENT);
        accepted(d.admin("p1", SetProjectQuota.newBuilder().setFloatingIps(2).build()));
        accepted(floatingIp("p1"));
        rejected(floatingIp("p1"), Reason.QUOTA_EXCEEDED);
        accepted(d.admin("p1", SetProjectQuota.newBuilder().setFloatingIps(10).build()));
        accepted(floatingIp("p1"));
        accepted(floatingIp("p1"));
        assertThat(accepted(floatingIp("p1")).getAllocated().getAddress()).as("not the broadcast address").isEqualTo("203.0.113.6");
        rejected(floatingIp("p1"), Reason.POOL_EXHAUSTED);
    }

    @Test
    void associationNatsTheFloatingIpToTheFixedIpOnTheRoutingNode() {
        standardPools();
        String fixed1 = accepted(fixedIp("p1", "vm1")).getAllocated().getAddress();
        String fixed2 = accepted(fixedIp("p1", "vm2")).getAllocated().getAddress();
        String floating = accepted(floatingIp("p1")).getAllocated().getAddress();
        Result associated = accepted(d.submit("p1", new AssociateFloatingIp(floating, "vm1")));
        assertThat(associated.getTouched()).containsExactly(new NodeRef("r1", NodeRole.ROUTING));
        FloatingNat nat = (FloatingNat) d.routing("r1/fip/" + floating).getEntry();
        assertThat(nat.getFixedAddress()).isEqualTo(fixed1);
        assertThat(nat.getFloatingAddress()).isEqualTo(floating);
        assertThat(nat.getInstance()).as("the routing node's public DNS name of it (ADR 0032)").isEqualTo("vm1");
        assertThat(d.fact(Topics.STATE_FLOATING_IPS, floating).getInstance()).isEqualTo("vm1");
        assertThat(accepted(d.submit("p1", new AssociateFloatingIp(floating, "vm1"))).getTouched()).as("no change").isEmpty();

        // Re-associating moves it.
        accepted(d.submit("p1", new AssociateFloatingIp(floating, "vm2")));
        assertThat(((FloatingNat) d.routing("r1/fip/" + floating).getEntry()).getFixedAddress()).isEqualTo(fixed2);
        assertThat(((FloatingNat) d.routing("r1/fip/" + floating).getEntry()).getInstance()).isEqualTo("vm2");
        assertThat(d.fact(Topics.STATE_FLOATING_IPS, floating).getFixedAddress()).isEqualTo(fixed2);
        // vm1 is free for another floating IP; vm2 has one already.
        String second = accepted(floatingIp("p1")).getAllocated().getAddress();
        rejected(d.submit("p1", new AssociateFloatingIp(second, "vm2")), Reason.IN_USE);
        accepted(d.submit("p1", new AssociateFloatingIp(second, "vm1")));

        rejected(d.submit("p1", new ReleaseFloatingIp(floating)), Reason.IN_USE);
        accepted(d.submit("p1", new DisassociateFloatingIp(floating)));
        assertThat(d.routing("r1/fip/" + floating)).isNull();
        rejected(d.submit("p1", new DisassociateFloatingIp(floating)), Reason.CONFLICT);
        Result released = accepted(d.submit("p1", new ReleaseFloatingIp(floating)));
        assertThat(released.getTouched()).isEmpty();
        assertThat(d.fact(Topics.STATE_FLOATING_IPS, floating)).isNull();
        rejected(d.submit("p1", new ReleaseFloatingIp(floating)), Reason.NOT_FOUND);
    }

    @Test
    void anotherProjectsFloatingIpDoesNotExistForYou() {
        standardPools();
        accepted(fixedIp("p1", "vm1"));
        accepted(fixedIp("p2", "vm1"));
        String theirs = accepted(floatingIp("p2")).getAllocated().getAddress();
        String mine = accepted(floatingIp("p1")).getAllocated().getAddress();
        Result associate = rejected(d.submit("p1", new AssociateFloatingIp(theirs, "vm1")), Reason.NOT_FOUND);
        Result unknown = rejected(d.submit("p1", new AssociateFloatingIp("203.0.113.5", "vm1")), Reason.NOT_FOUND);
        assertThat(associate.getMessage()).isEqualTo(unknown.getMessage().replace("203.0.113.5", theirs));
        rejected(d.submit("p1", new DisassociateFloatingIp(theirs)), Reason.NOT_FOUND);
        rejected(d.submit("p1", new ReleaseFloatingIp(theirs)), Reason.NOT_FOUND);
        rejected(d.submit("p1", new AssociateFloatingIp(mine, "vm9")), Reason.NOT_FOUND);
        rejected(d.submit("p1", new AssociateFloatingIp("203.0.113", "vm1")), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", new AssociateFloatingIp(mine, "vm 1")), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", new DisassociateFloatingIp("203.0.113.01")), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", new ReleaseFloatingIp("mine")), Reason.INVALID_ARGUMENT);
        assertThat(d.fact(Topics.STATE_FLOATING_IPS, theirs).getProject()).isEqualTo("p2");
    }

    @Test
    void releasingTheFixedIpDisassociatesAndAReleasedAddressGoesBackToThePool() {
        standardPools();
        accepted(fixedIp("p1", "vm1"));
        String floating = accepted(floatingIp("p1")).getAllocated().getAddress();
        accepted(d.submit("p1", new AssociateFloatingIp(floating, "vm1")));
        accepted(d.submit("p1", new ReleaseFixedIp("vm1")));
        assertThat(d.routing("r1/fip/" + floating)).isNull();
        accepted(d.submit("p1", new ReleaseFloatingIp(floating)));
        accepted(d.admin("p2", SetProjectQuota.newBuilder().setFloatingIps(20).build()));
        java.util.Set<String> given = new java.util.HashSet<>();
        for (int i = 0; i < 6; i++) {
            given.add(accepted(floatingIp("p2")).getAllocated().getAddress());
        }
        assertThat(given).as("the released address came back").contains(floating).hasSize(6);
    }
}
