package io.factnet.controller.pool;

import io.factnet.controller.alloc.Bitmap;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.Grant;
import io.factnet.model.Reason;
import io.factnet.model.TakeVlan;
import io.factnet.model.VlanPoolRecord;
import java.util.ArrayList;
import java.util.List;

/** VLAN ids per physical network (pool key vlan/&lt;physical network&gt;). */
final class VlanPools {
    private VlanPools() {
    }

    /** A range may be redefined while none of its VLANs is given (or to the same range). */
    static String define(PoolContext ctx, DefineVlanRange command) {
        String physnet = command.getPhysicalNetwork();
        VlanPoolRecord existing = ctx.vlanPools().get(physnet);
        String range = command.getFirst() + "-" + command.getLast();
        if (existing != null) {
            if (existing.getFirst() == command.getFirst() && existing.getLast() == command.getLast()) {
                return "VLAN range " + range + " of " + physnet + " unchanged";
            }
            if (existing.getBitmap().getUsed() > 0) {
                throw new Rejected(Reason.IN_USE, existing.getBitmap().getUsed() + " VLANs of " + physnet
                        + " are given; its range stays " + existing.getFirst() + "-" + existing.getLast());
            }
        }
        ctx.vlanPools().put(physnet, VlanPoolRecord.newBuilder().setFirst(command.getFirst()).setLast(command.getLast())
                .setBitmap(Bitmap.empty(command.getLast() - command.getFirst() + 1).toState()).build());
        return "VLAN range " + range + " of " + physnet + " defined";
    }

    /**
     * The next free VLAN for the request (none for a refill), and up to {@code stock} more for the project-stage task's
     * network slots (ADR 0044), all marked taken here, in the transaction that passes the grant on. Slots are given only
     * while half of the range stays free: the second half goes one VLAN per new network, to whichever project asks.
     */
    static void take(PoolContext ctx, String physnet, TakeVlan take, Grant grant) {
        VlanPoolRecord pool = ctx.vlanPools().get(physnet);
        if (pool == null) {
            throw new Rejected(Reason.NOT_CONFIGURED, "no VLAN range is defined for physical network " + physnet);
        }
        Bitmap bitmap = Bitmap.of(pool.getBitmap());
        grant.setPhysicalNetwork(physnet);
        if (!take.getRefill()) {
            int index = bitmap.allocate();
            if (index < 0) {
                throw new Rejected(Reason.POOL_EXHAUSTED, "every VLAN of " + physnet + " (" + pool.getFirst() + "-"
                        + pool.getLast() + ") is given (to networks or to network slots, ADR 0044)");
            }
            grant.setVlan(pool.getFirst() + index);
        }
        List<Integer> slots = new ArrayList<>();
        int reserve = FloatingPools.stockReserve(bitmap.size());
        while (slots.size() < take.getStock() && bitmap.free() > reserve) {
            slots.add(pool.getFirst() + bitmap.allocate());
        }
        pool.setBitmap(bitmap.toState());
        ctx.vlanPools().put(physnet, pool);
        grant.setSlotVlans(slots);
    }

    static void release(PoolContext ctx, String physnet, int vlan) {
        VlanPoolRecord pool = ctx.vlanPools().get(physnet);
        if (pool == null || vlan < pool.getFirst() || vlan > pool.getLast()) {
            throw new IllegalStateException("VLAN " + vlan + " is not of " + physnet + "'s range");
        }
        Bitmap bitmap = Bitmap.of(pool.getBitmap());
        if (!bitmap.release(vlan - pool.getFirst())) {
            throw new IllegalStateException("VLAN " + vlan + " of " + physnet + " was not given");
        }
        pool.setBitmap(bitmap.toState());
        ctx.vlanPools().put(physnet, pool);
    }
}
