package io.factnet.controller.pool;

import io.factnet.controller.alloc.AddressRanges;
import io.factnet.controller.alloc.Bitmap;
import io.factnet.controller.alloc.Ipv4;
import io.factnet.controller.stage.PoolDefinitions;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.FloatingPoolRecord;
import io.factnet.model.Grant;
import io.factnet.model.Reason;
import io.factnet.model.TakeFloatingIp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Floating (public) pools, all under the pool key "floating" so that pools can be checked for overlap. */
final class FloatingPools {
    private FloatingPools() {
    }

    static String define(PoolContext ctx, DefineFloatingPool command) {
        String name = command.getPool();
        AddressRanges ranges = PoolDefinitions.addresses(command);
        FloatingPoolRecord existing = ctx.floatingPools().get(name);
        if (existing != null) {
            if (existing.getDefinition().equals(command)) {
                return "floating pool " + name + " unchanged";
            }
            int given = existing.getBitmap().getUsed() - existing.getReserved();
            if (given > 0) {
                throw new Rejected(Reason.IN_USE, given + " addresses of floating pool " + name + " are given; it stays as it is");
            }
        }
        for (Map.Entry<String, FloatingPoolRecord> other : ctx.floatingPools().scan("").entrySet()) {
            if (!other.getKey().equals(name) && ranges.overlaps(rangesOf(other.getValue()))) {
                throw new Rejected(Reason.CONFLICT, "floating pool " + name + " overlaps floating pool " + other.getKey());
            }
        }
        Bitmap bitmap = Bitmap.empty((int) ranges.size());
        int reserved = 0;
        for (String excluded : command.getExcluded()) {
            long number = ranges.numberOf(Ipv4.parse(excluded));
            if (number >= 0 && bitmap.take((int) number)) {
                reserved++;
            }
        }
        ctx.floatingPools().put(name, FloatingPoolRecord.newBuilder().setDefinition(command)
                .setStarts(ranges.starts()).setEnds(ranges.ends()).setReserved(reserved)
                .setBitmap(bitmap.toState()).build());
        return "floating pool " + name + " defined with " + (ranges.size() - reserved) + " addresses";
    }

    static AddressRanges rangesOf(FloatingPoolRecord pool) {
        return AddressRanges.of(pool.getStarts(), pool.getEnds());
    }

    static FloatingPoolRecord require(PoolContext ctx, String name) {
        FloatingPoolRecord pool = ctx.floatingPools().get(name);
        if (pool == null) {
            throw Rejected.notFound("no floating pool " + name);
        }
        return pool;
    }

    /**
     * The next free address for the request (none for a refill), and up to {@code stock} more for the project's stock
     * (ADR 0039), all marked taken here, in the transaction of the grant that gives them to the project. Stock is
     * given only while half of the pool's addresses stays free ({@link #stockReserve}): the second half of a pool goes
     * one address per request, to whoever asks.
     */
    static void take(PoolContext ctx, TakeFloatingIp take, Grant grant) {
        String name = take.getPool();
        FloatingPoolRecord pool = require(ctx, name);
        Bitmap bitmap = Bitmap.of(pool.getBitmap());
        AddressRanges ranges = rangesOf(pool);
        if (!take.getRefill()) {
            int index = bitmap.allocate();
            if (index < 0) {
                throw new Rejected(Reason.POOL_EXHAUSTED, "every address of floating pool " + name + " is given"
                        + " (to floating IPs or to projects' stocks, ADR 0039)");
            }
            grant.setFloatingAddress(Ipv4.format(ranges.addressAt(index)));
        }
        int reserve = stockReserve(bitmap.size() - pool.getReserved());
        List<String> stock = new ArrayList<>();
        while (stock.size() < take.getStock() && bitmap.free() > reserve) {
            stock.add(Ipv4.format(ranges.addressAt(bitmap.allocate())));
        }
        pool.setBitmap(bitmap.toState());
        ctx.floatingPools().put(name, pool);
        grant.setFloatingPool(name);
        grant.setFloatingStock(stock);
    }

    /** Free addresses a pool of this many keeps out of stocks: half (ADR 0039). */
    static int stockReserve(int addresses) {
        return addresses / 2;
    }

    static void release(PoolContext ctx, String name, String address) {
        FloatingPoolRecord pool = ctx.floatingPools().get(name);
        long number = pool == null ? -1 : rangesOf(pool).numberOf(Ipv4.parse(address));
        Bitmap bitmap = pool == null ? null : Bitmap.of(pool.getBitmap());
        if (number < 0 || !bitmap.release((int) number)) {
            throw new IllegalStateException("floating IP " + address + " of " + name + " was not given");
        }
        pool.setBitmap(bitmap.toState());
        ctx.floatingPools().put(name, pool);
    }
}
