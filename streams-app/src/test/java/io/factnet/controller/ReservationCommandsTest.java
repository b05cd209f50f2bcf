package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.Reservation;
import io.factnet.model.ReserveFixedAddress;
import io.factnet.model.Result;
import io.factnet.model.SecurityGroup;
import io.factnet.model.UnreserveFixedAddress;
import io.factnet.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reserved fixed addresses (issue 13): never given to an instance until unreserved, listed on the group's fact. */
class ReservationCommandsTest extends TopologyTestBase {

    /** Groups of /29: 8 addresses, network and broadcast never given, the gateway in the first group's. */
    void smallGroups() {
        accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setFirst(100).setLast(101).build()));
        accepted(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/19").setBlockPrefix(24).setGroupPrefix(29).build()));
        register("n1", "198.51.100.1", NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);
    }

    static ReserveFixedAddress reserve(String group, String address) {
        return ReserveFixedAddress.newBuilder().setGroup(group).setAddress(address).setDescription("appliance").build();
    }

    static UnreserveFixedAddress unreserve(String group, String address) {
        return UnreserveFixedAddress.newBuilder().setGroup(group).setAddress(address).build();
    }

    String cidrOf(String project, String group) {
        Result first = accepted(fixedIp(project, "probe", group));
        accepted(d.submit(project, ReleaseFixedIp.newBuilder().setInstance("probe").build()));
        return first.getAllocated().getCidr();
    }

    @Test
    void aReservedAddressIsNeverGivenUntilItIsUnreserved() {
        smallGroups();
        accepted(d.submit("p1", CreateSecurityGroup.newBuilder().setName("web").build()));
        accepted(fixedIp("p1", "vm0", "default")); // the network, and the default group's subnet with the gateway
        Result first = accepted(fixedIp("p1", "vm1", "web"));
        String cidr = first.getAllocated().getCidr();
        String prefix = cidr.substring(0, cidr.lastIndexOf('.') + 1);
        int base = Integer.parseInt(cidr.substring(cidr.lastIndexOf('.') + 1, cidr.indexOf('/')));
        List<String> free = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            String address = prefix + (base + i);
            if (!address.equals(first.getAllocated().getAddress())) {
                free.add(address);
            }
        }
        assertThat(free).hasSize(5);
        Result reserved = accepted(d.submit("p1", reserve("web", free.get(0))));
        assertThat(reserved.getAllocated().getAddress()).isEqualTo(free.get(0));
        accepted(d.submit("p1", reserve("web", free.get(1))));
        SecurityGroup fact = d.fact(Topics.STATE_GROUPS, "p1/web");
        assertThat(fact.getReserved()).extracting(Reservation::getAddress).containsExactly(free.get(0), free.get(1));
        assertThat(fact.getReserved()).extracting(Reservation::getDescription).containsOnly("appliance");

        List<String> given = new ArrayList<>();
        for (int i = 2; i <= 4; i++) {
            given.add(accepted(fixedIp("p1", "vm" + i, "web")).getAllocated().getAddress());
        }
        assertThat(given).containsExactlyInAnyOrderElementsOf(free.subList(2, 5));
        rejected(fixedIp("p1", "vm5", "web"), Reason.POOL_EXHAUSTED);

        accepted(d.submit("p1", unreserve("web", free.get(1))));
        assertThat(accepted(fixedIp("p1", "vm5", "web")).getAllocated().getAddress()).isEqualTo(free.get(1));
        assertThat(d.fact(Topics.STATE_GROUPS, "p1/web").getReserved()).extracting(Reservation::getAddress)
                .containsExactly(free.get(0));
    }

    @Test
    void whatCannotBeReservedIsRefusedWithAReason() {
        smallGroups();
        rejected(d.submit("p1", reserve("default", "10.0.0.2")), Reason.NOT_FOUND); // no network yet
        Result vm = accepted(fixedIp("p1", "vm1"));
        String cidr = vm.getAllocated().getCidr();
        String prefix = cidr.substring(0, cidr.lastIndexOf('.') + 1);
        int base = Integer.parseInt(cidr.substring(cidr.lastIndexOf('.') + 1, cidr.indexOf('/')));

        assertThat(rejected(d.submit("p1", reserve("default", vm.getAllocated().getAddress())), Reason.IN_USE).getMessage())
                .contains("vm1");
        assertThat(rejected(d.submit("p1", reserve("default", prefix + base)), Reason.INVALID_ARGUMENT).getMessage()).contains("network");
        rejected(d.submit("p1", reserve("default", prefix + (base + 7))), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", reserve("default", vm.getAllocated().getGateway())), Reason.INVALID_ARGUMENT);
        assertThat(rejected(d.submit("p1", reserve("default", "192.0.2.10")), Reason.INVALID_ARGUMENT).getMessage())
                .contains("is not in " + cidr);
        rejected(d.submit("p1", reserve("default", "10.0.0.999")), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", reserve("default", "10.0.0.3\n$(reboot)")), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", reserve("nope", prefix + (base + 3))), Reason.NOT_FOUND);
        rejected(d.submit("p2", reserve("default", prefix + (base + 3))), Reason.NOT_FOUND); // another project: no network

        String spare = vm.getAllocated().getAddress().equals(prefix + (base + 3)) ? prefix + (base + 4) : prefix + (base + 3);
        accepted(d.submit("p1", reserve("default", spare)));
        rejected(d.submit("p1", reserve("default", spare)), Reason.ALREADY_EXISTS);
        rejected(d.submit("p1", unreserve("default", vm.getAllocated().getAddress())), Reason.NOT_FOUND);

        // a released address is held down: it cannot be reserved until the hold-down ends
        accepted(d.submit("p1", ReleaseFixedIp.newBuilder().setInstance("vm1").build()));
        assertThat(rejected(d.submit("p1", reserve("default", vm.getAllocated().getAddress())), Reason.IN_USE).getMessage())
                .contains("hold-down");
    }
}
