package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.stage.StoreNames;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.DisassociateFloatingIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.FloatingNat;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.Result;
import io.factnet.model.SetAutoAssignFloatingIp;
import io.factnet.model.SetProjectQuota;
import io.factnet.topics.Topics;
import java.util.List;
import org.junit.jupiter.api.Test;

/** nova's auto_assign_floating_ip, per project (issue 13, item 4). */
class AutoAssignFloatingIpTest extends TopologyTestBase {

    private Result autoAssign(String project, String pool) {
        return d.submit(project, new SetAutoAssignFloatingIp(pool));
    }

    @Test
    void eachNewInstanceGetsAFloatingIpThatGoesWithItsFixedIp() {
        standardPools();
        rejected(autoAssign("p1", "nope"), Reason.NOT_FOUND);
        rejected(autoAssign("p1", "bad pool"), Reason.INVALID_ARGUMENT);
        assertThat(accepted(autoAssign("p1", "public")).getAllocated().getPool()).isEqualTo("public");

        // the project's first instance: its network, fixed IP and floating IP in one request
        Result vm1 = accepted(fixedIp("p1", "vm1"));
        String floating = vm1.getAllocated().getFloatingAddress();
        assertThat(floating).isEqualTo("203.0.113.1");
        assertThat(vm1.getAllocated().getPool()).isEqualTo("public");
        assertThat(vm1.getMessage()).contains("floating IP 203.0.113.1 from public");
        assertThat(vm1.getTouched()).contains(new NodeRef("r1", NodeRole.ROUTING));
        FloatingIp fact = d.fact(Topics.STATE_FLOATING_IPS, floating);
        assertThat(fact.getAutoAssigned()).isTrue();
        assertThat(fact.getInstance()).isEqualTo("vm1");
        assertThat(fact.getFixedAddress()).isEqualTo(vm1.getAllocated().getAddress());
        FloatingNat nat = (FloatingNat) d.routing("r1/fip/" + floating).getEntry();
        assertThat(nat.getFixedAddress()).isEqualTo(vm1.getAllocated().getAddress());

        // It belongs to vm1: it is not released, disassociated or moved on its own (nova refused the same).
        Result vm2 = accepted(fixedIp("p1", "vm2"));
        assertThat(vm2.getAllocated().getFloatingAddress()).isEqualTo("203.0.113.2");
        rejected(d.submit("p1", new ReleaseFloatingIp(floating)), Reason.CONFLICT);
        rejected(d.submit("p1", new DisassociateFloatingIp(floating)), Reason.CONFLICT);
        accepted(d.submit("p1", new ReleaseFixedIp("vm2")));
        Result moved = rejected(d.submit("p1", new AssociateFloatingIp(floating, "vm3")), Reason.NOT_FOUND);
        assertThat(moved.getMessage()).contains("vm3");
        accepted(d.submit("p1", new SetAutoAssignFloatingIp(null)));
        assertThat(accepted(fixedIp("p1", "vm3")).getAllocated().getFloatingAddress()).as("auto-assign is off").isNull();
        rejected(d.submit("p1", new AssociateFloatingIp(floating, "vm3")), Reason.CONFLICT);
        assertThat(accepted(d.submit("p1", new AssociateFloatingIp(floating, "vm1"))).getTouched()).as("where it is").isEmpty();

        // Released with the fixed IP: the fact, the NAT and the address go back.
        Result released = accepted(d.submit("p1", new ReleaseFixedIp("vm1")));
        assertThat(released.getMessage()).contains("floating IP " + floating + " released");
        assertThat(d.fact(Topics.STATE_FLOATING_IPS, floating)).isNull();
        assertThat(d.fact(Topics.STATE_FLOATING_IPS, "203.0.113.2")).as("vm2's went with vm2").isNull();
        assertThat(d.routing("r1/fip/" + floating)).isNull();
        accepted(d.admin("p2", SetProjectQuota.newBuilder().setFloatingIps(6).build()));
        List<String> given = java.util.stream.IntStream.range(0, 6)
                .mapToObj(i -> accepted(floatingIp("p2")).getAllocated().getAddress()).toList();
        assertThat(given).as("both came back to the pool").contains(floating, "203.0.113.2");
    }

    @Test
    void aProjectAtItsFloatingQuotaIsRefusedBeforeAnythingIsTaken() {
        standardPools();
        accepted(autoAssign("p1", "public"));
        accepted(d.admin("p1", SetProjectQuota.newBuilder().setFloatingIps(1).build()));
        accepted(fixedIp("p1", "vm1"));
        Result refused = rejected(fixedIp("p1", "vm2"), Reason.QUOTA_EXCEEDED);
        assertThat(refused.getMessage()).contains("new instances get one from public");
        rejected(d.submit("p1", new ReleaseFixedIp("vm2")), Reason.NOT_FOUND); // no fixed IP was given
        accepted(d.submit("p1", new SetAutoAssignFloatingIp(null)));
        accepted(fixedIp("p1", "vm2"));
    }

    @Test
    void anExhaustedFloatingPoolRefusesTheFirstInstanceAndGivesBackTheNetworkItsClaimTook() {
        standardPools(); // two VLANs, six floating addresses
        accepted(d.admin("p9", SetProjectQuota.newBuilder().setFloatingIps(6).build()));
        for (int i = 0; i < 6; i++) {
            accepted(floatingIp("p9"));
        }
        accepted(autoAssign("p1", "public"));
        Result refused = rejected(fixedIp("p1", "vm1"), Reason.POOL_EXHAUSTED);
        assertThat(refused.getMessage()).contains("floating pool public");
        assertThat(d.fact(Topics.STATE_NETWORKS, "p1")).as("no network").isNull();
        // Its VLAN came back: the two VLANs still make two networks.
        accepted(d.submit("p2", CreateNetwork.newBuilder().build()));
        accepted(d.submit("p3", CreateNetwork.newBuilder().build()));
    }

    @Test
    void aFixedIpThatCannotBeGivenGivesBackTheFloatingIpItsClaimTook() {
        accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setFirst(100).setLast(101).build()));
        // groups of a /29: a handful of addresses, quickly exhausted
        accepted(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/24").setBlockPrefix(26).setGroupPrefix(29).build()));
        accepted(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("public").setCidrs(List.of("203.0.113.0/28")).build()));
        register("r1", "198.51.100.1", NodeRole.ROUTING);
        register("a1", "198.51.100.2", NodeRole.ADDRESSING);
        register("b1", "198.51.100.3", NodeRole.BRIDGING);
        accepted(autoAssign("p1", "public"));
        int instances = 0;
        Result last;
        do {
            last = d.submit("p1", AllocateFixedIp.newBuilder().setInstance("vm" + instances++).build());
        } while (last.getReason() == Reason.OK && instances < 20);
        assertThat(last.getReason()).as("the group's subnet ran out: %s", last.getMessage()).isEqualTo(Reason.POOL_EXHAUSTED);
        int given = instances - 1;
        assertThat(given).isBetween(1, 13);
        // Every floating address the refused claims took came back: the pool still has 14 - given of them, less what p1
        // holds in stock (ADR 0039).
        int stocked = d.driver.<String, io.factnet.model.ProjectRecord>getKeyValueStore(StoreNames.PROJECTS).get("p1")
                .getFloatingStock().getOrDefault("public", List.of()).size();
        accepted(d.admin("p2", SetProjectQuota.newBuilder().setFloatingIps(20).build()));
        for (int i = 0; i < 14 - given - stocked; i++) {
            accepted(floatingIp("p2"));
        }
        rejected(floatingIp("p2"), Reason.POOL_EXHAUSTED);
    }
}
