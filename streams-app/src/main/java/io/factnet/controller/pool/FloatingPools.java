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

    static void take(PoolContext ctx, String name, Grant grant) {
        FloatingPoolRecord pool = require(ctx, name);
        Bitmap bitmap = Bitmap.of(pool.getBitmap());
        int index = bitmap.allocate();
        if (index < 0) {
            throw new Rejected(Reason.POOL_EXHAUSTED, "every address of floating pool " + name + " is given");
        }
        pool.setBitmap(bitmap.toState());
        ctx.floatingPools().put(name, pool);
        grant.setFloatingPool(name);
        grant.setFloatingAddress(Ipv4.format(rangesOf(pool).addressAt(index)));
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
