package io.factnet.controller.project;

import io.factnet.controller.alloc.Cidr;
import io.factnet.controller.alloc.HoldDownPool;
import io.factnet.controller.alloc.Ipv4;
import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.Allocation;
import io.factnet.model.GroupRecord;
import io.factnet.model.Reason;
import io.factnet.model.Reservation;
import io.factnet.model.ReserveFixedAddress;
import io.factnet.model.UnreserveFixedAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Reserved fixed addresses (issue 13): an address of a group's subnet taken in the group's address pool without an
 * instance, so the allocator never hands it out, and listed on the group's fact. The pool stays the one record of
 * what is taken; the group's list says why.
 */
final class ReservationHandlers {
    /** Reservations a group may hold: they live in the group's record, which every rule change rewrites. */
    static final int MAX_PER_GROUP = 256;

    private ReservationHandlers() {
    }

    static final class Reserve implements Handler<ReserveFixedAddress> {
        @Override
        public Handled handle(ProjectContext ctx, ReserveFixedAddress command) {
            String name = Check.name("group", command.getGroup());
            long address = Check.ipv4("address", command.getAddress());
            Check.description(command.getDescription());
            GroupRecord group = ctx.requireGroup(name);
            if (group.getSubnet() == null) {
                ctx.requireNetwork();
                Groups.carveSubnet(ctx, group);
                group = ctx.requireGroup(name);
            }
            Cidr subnet = Cidr.parse(group.getSubnet());
            String text = Ipv4.format(address);
            if (!subnet.contains(address)) {
                throw new Rejected(Reason.INVALID_ARGUMENT, text + " is not in " + subnet + ", the subnet of security group " + name);
            }
            if (group.getReserved().stream().anyMatch(r -> r.getAddress().equals(text))) {
                throw new Rejected(Reason.ALREADY_EXISTS, text + " is reserved in security group " + name);
            }
            if (group.getReserved().size() >= MAX_PER_GROUP) {
                throw new Rejected(Reason.QUOTA_EXCEEDED, "security group " + name + " has " + MAX_PER_GROUP + " reserved addresses");
            }
            int index = (int) (address - subnet.network());
            if (index == 0 || address == subnet.last() || text.equals(ctx.requireNetwork().getGateway())
                    || address == Hosts.dhcpAddressOf(ctx.requireNetwork())) {
                throw new Rejected(Reason.INVALID_ARGUMENT, text + " is the network, broadcast, gateway or DHCP server address of " + subnet);
            }
            String holder = ctx.stores.fixedIpAddresses.get(ctx.key(text));
            if (holder != null) {
                throw new Rejected(Reason.IN_USE, text + " is the fixed IP of instance " + holder);
            }
            HoldDownPool pool = HoldDownPool.of(ctx.stores.groupAddresses.get(ctx.key(name)));
            pool.expire(ctx.now);
            if (pool.isTaken(index)) {
                throw new Rejected(Reason.IN_USE, text + " was released lately and is held until its hold-down ends");
            }
            pool.reserve(index);
            ctx.stores.groupAddresses.put(ctx.key(name), pool.toState());
            List<Reservation> reserved = new ArrayList<>(group.getReserved());
            reserved.add(Reservation.newBuilder().setAddress(text).setDescription(command.getDescription()).build());
            group.setReserved(reserved);
            Groups.save(ctx, group);
            return Handled.accepted(text + " reserved in security group " + name,
                    Allocation.newBuilder().setAddress(text).setGroup(name).setCidr(subnet.toString()).build());
        }
    }

    static final class Unreserve implements Handler<UnreserveFixedAddress> {
        @Override
        public Handled handle(ProjectContext ctx, UnreserveFixedAddress command) {
            String name = Check.name("group", command.getGroup());
            String text = Ipv4.format(Check.ipv4("address", command.getAddress()));
            GroupRecord group = ctx.requireGroup(name);
            List<Reservation> reserved = new ArrayList<>(group.getReserved());
            if (!reserved.removeIf(r -> r.getAddress().equals(text))) {
                throw Rejected.notFound(text + " is not reserved in security group " + name);
            }
            Cidr subnet = Cidr.parse(group.getSubnet());
            HoldDownPool pool = HoldDownPool.of(ctx.stores.groupAddresses.get(ctx.key(name)));
            pool.free((int) (Ipv4.parse(text) - subnet.network()));
            ctx.stores.groupAddresses.put(ctx.key(name), pool.toState());
            group.setReserved(reserved);
            Groups.save(ctx, group);
            return Handled.accepted(text + " no longer reserved in security group " + name,
                    Allocation.newBuilder().setAddress(text).setGroup(name).build());
        }
    }
}
