package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.FixedIp;
import io.factnet.model.InstanceBack;
import io.factnet.model.InstanceGone;
import io.factnet.model.InstancePort;
import io.factnet.model.InstanceStatus;
import io.factnet.model.LeaseGranted;
import io.factnet.model.MoveNetwork;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.Result;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Crashed instances (issue 13, item 6; ADR 0031): the network's bridging node reports an instance whose port left its
 * bridge, the controller marks it down on its fixed IP fact, up again when it comes back, and releases its address
 * by the operator's policy ({@value ControllerConfig#RELEASE_GONE_AFTER_MS}).
 */
class InstanceGoneTest extends TopologyTestBase {

    FixedIp fixed(String address) {
        return d.fact(Topics.STATE_FIXED_IPS, address);
    }

    @Test
    void theBridgingNodeMarksAnInstanceDownAndBackAndByDefaultTheAddressStays() {
        standardPools();
        Result vm1 = accepted(fixedIp("p1", "vm1"));
        String address = vm1.getAllocated().getAddress();
        String mac = vm1.getAllocated().getMac();
        assertThat(((InstancePort) d.bridging("b1/port/p1/vm1").getEntry()).getMac()).isEqualTo(mac);
        d.advance(Duration.ofMinutes(3));
        long goneAt = ControllerDriver.START.toEpochMilli() + Duration.ofMinutes(3).toMillis();

        Result gone = accepted(d.nodeEvent("p1", new InstanceGone("vm1", "b1")));
        assertThat(gone.getTouched()).as("a fact changes, no node's desired state").isEmpty();
        assertThat(gone.getAllocated().getAddress()).isEqualTo(address);
        assertThat(fixed(address).getStatus()).isEqualTo(InstanceStatus.DOWN);
        assertThat(fixed(address).getDownSince()).as("the project's event time of the report").isEqualTo(goneAt);
        assertThat(d.addressing("a1/host/p1/" + address)).as("the address stays the instance's").isNotNull();

        d.advance(Duration.ofMinutes(1));
        accepted(d.nodeEvent("p1", new InstanceGone("vm1", "b1")));
        assertThat(fixed(address).getDownSince()).as("a second report does not move the time it went down").isEqualTo(goneAt);

        d.advance(Duration.ofDays(30));
        accepted(d.submit("p1", CreateSecurityGroup.newBuilder().setName("web").build()));
        assertThat(fixed(address)).as("never released by default").isNotNull();
        assertThat(fixed(address).getStatus()).isEqualTo(InstanceStatus.DOWN);

        Result back = accepted(d.nodeEvent("p1", new InstanceBack("b1", "vm1")));
        assertThat(back.getTouched()).isEmpty();
        assertThat(fixed(address).getStatus()).isEqualTo(InstanceStatus.UP);
        assertThat(fixed(address).getDownSince()).isNull();
        assertThat(accepted(d.nodeEvent("p1", new InstanceBack("b1", "vm1"))).getMessage()).contains("up already");

        accepted(d.nodeEvent("p1", new InstanceGone("vm1", "b1")));
        assertThat(fixed(address).getStatus()).isEqualTo(InstanceStatus.DOWN);
        accepted(d.nodeEvent("p1", new LeaseGranted("a1", address, mac, "vm1")));
        assertThat(fixed(address).getStatus()).as("an instance that asks for its lease is there").isEqualTo(InstanceStatus.UP);
        assertThat(fixed(address).getLeased()).isTrue();
    }

    @Test
    void onlyTheInstancesHostMayReportIt() {
        standardPools();
        register("b2", "198.51.100.5", NodeRole.BRIDGING);
        String address = accepted(fixedIp("p1", "vm1")).getAllocated().getAddress();
        FixedIp before = fixed(address);

        Result foreign = rejected(d.nodeEvent("p1", new InstanceGone("vm1", "b2")), Reason.UNAUTHORIZED);
        assertThat(foreign.getMessage()).contains("b2", "carries no bridge of the network of p1");
        rejected(d.nodeEvent("p1", new InstanceGone("vm1", "a1")), Reason.UNAUTHORIZED);
        rejected(d.nodeEvent("p1", new InstanceGone("vm9", "b2")), Reason.UNAUTHORIZED); // nothing about vm9 is told to b2
        rejected(d.nodeEvent("p1", new InstanceGone("vm1", null)), Reason.INVALID_ARGUMENT);
        rejected(d.nodeEvent("p1", new InstanceGone("vm1", "b 1")), Reason.INVALID_ARGUMENT);
        rejected(d.nodeEvent("p1", new InstanceGone("vm/1", "b1")), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", new InstanceGone("vm1", "b1")), Reason.UNAUTHORIZED);
        rejected(d.admin("p1", new InstanceBack("b1", "vm1")), Reason.UNAUTHORIZED);
        rejected(d.nodeEvent("p1", new InstanceGone("vm9", "b1")), Reason.NOT_FOUND);
        rejected(d.nodeEvent("p2", new InstanceGone("vm1", "b1")), Reason.NOT_FOUND);
        assertThat(fixed(address)).as("refused reports change nothing").isEqualTo(before);

        accepted(d.nodeEvent("p1", new InstanceGone("vm1", "b1")));
        rejected(d.nodeEvent("p1", new InstanceBack("b2", "vm1")), Reason.UNAUTHORIZED);
        assertThat(fixed(address).getStatus()).isEqualTo(InstanceStatus.DOWN);

        // The bridging share moves: the ports go with it, and from now on b2 watches them and b1 may not report.
        Result moved = accepted(d.admin("p1", MoveNetwork.newBuilder().setRole(NodeRole.BRIDGING).setNodeId("b2").build()));
        assertThat(moved.getTouched()).contains(new NodeRef("b2", NodeRole.BRIDGING));
        assertThat(d.bridging("b2/port/p1/vm1")).isNotNull();
        assertThat(d.bridging("b1/port/p1/vm1")).isNull();
        rejected(d.nodeEvent("p1", new InstanceBack("b1", "vm1")), Reason.UNAUTHORIZED);
        accepted(d.nodeEvent("p1", new InstanceBack("b2", "vm1")));
        assertThat(fixed(address).getStatus()).isEqualTo(InstanceStatus.UP);
    }

    @Test
    void theOperatorsPolicyReleasesTheAddressOfAnInstanceDownForTheDelay() {
        d.close();
        d = new ControllerDriver(Map.of(ControllerConfig.RELEASE_GONE_AFTER_MS, String.valueOf(Duration.ofHours(1).toMillis())));
        standardPools();
        String vm1 = accepted(fixedIp("p1", "vm1")).getAllocated().getAddress();
        String vm2 = accepted(fixedIp("p1", "vm2")).getAllocated().getAddress();
        String vm3 = accepted(fixedIp("p1", "vm3")).getAllocated().getAddress();
        String floating = accepted(floatingIp("p1")).getAllocated().getAddress();
        accepted(d.submit("p1", new AssociateFloatingIp(floating, "vm1")));
        accepted(d.nodeEvent("p1", new InstanceGone("vm1", "b1")));
        accepted(d.nodeEvent("p1", new InstanceGone("vm2", "b1")));
        accepted(d.nodeEvent("p1", new InstanceGone("vm3", "b1")));
        accepted(d.submit("p1", new ReleaseFixedIp("vm3"))); // the project released one itself

        d.advance(Duration.ofMinutes(30));
        accepted(d.nodeEvent("p1", new InstanceBack("b1", "vm2"))); // back in time: it keeps its address
        d.advance(Duration.ofMinutes(29));
        accepted(d.submit("p1", CreateSecurityGroup.newBuilder().setName("web").build()));
        assertThat(fixed(vm1).getStatus()).as("down for 59 minutes: kept").isEqualTo(InstanceStatus.DOWN);

        d.advance(Duration.ofMinutes(1));
        Result next = accepted(d.submit("p1", CreateSecurityGroup.newBuilder().setName("db").build()));
        assertThat(next.getTouched()).as("the release is not the request's doing").isEmpty();
        assertThat(fixed(vm1)).as("down for an hour: released").isNull();
        assertThat(d.addressing("a1/host/p1/" + vm1)).isNull();
        assertThat(d.bridging("b1/port/p1/vm1")).isNull();
        assertThat(d.fact(Topics.STATE_FLOATING_IPS, floating).getFixedAddress()).as("its floating IP disassociated").isNull();
        assertThat(d.routing("r1/fip/" + floating)).isNull();
        assertThat(fixed(vm2).getStatus()).isEqualTo(InstanceStatus.UP);
        assertThat(fixed(vm3)).isNull();
        rejected(d.submit("p1", new ReleaseFixedIp("vm1")), Reason.NOT_FOUND);
        accepted(d.submit("p1", AllocateFixedIp.newBuilder().setInstance("vm1").build())); // the instance name is free again
    }
}
