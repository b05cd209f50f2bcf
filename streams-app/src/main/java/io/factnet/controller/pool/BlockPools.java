package io.factnet.controller.pool;

import io.factnet.controller.alloc.Bitmap;
import io.factnet.controller.alloc.Cidr;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.BlockPoolRecord;
import io.factnet.model.DefineSupernet;
import io.factnet.model.Grant;
import io.factnet.model.Reason;
import io.factnet.model.TakeBlock;
import java.util.ArrayList;
import java.util.List;

/** Project blocks of the private supernet (pool key "blocks"). */
final class BlockPools {
    private BlockPools() {
    }

    static final String KEY = "blocks";

    static String define(PoolContext ctx, DefineSupernet command) {
        BlockPoolRecord existing = ctx.blockPools().get(KEY);
        String what = command.getCidr() + " in /" + command.getBlockPrefix() + " blocks with /" + command.getGroupPrefix()
                + " group subnets";
        if (existing != null) {
            if (existing.getCidr().equals(command.getCidr()) && existing.getBlockPrefix() == command.getBlockPrefix()
                    && existing.getGroupPrefix() == command.getGroupPrefix()) {
                return "supernet " + what + " unchanged";
            }
            if (existing.getBitmap().getUsed() > 0) {
                throw new Rejected(Reason.IN_USE, existing.getBitmap().getUsed() + " blocks of " + existing.getCidr()
                        + " are given; the supernet stays");
            }
        }
        Cidr supernet = Cidr.parse(command.getCidr());
        int blocks = (int) supernet.subnetCount(command.getBlockPrefix());
        ctx.blockPools().put(KEY, BlockPoolRecord.newBuilder().setCidr(command.getCidr())
                .setBlockPrefix(command.getBlockPrefix()).setGroupPrefix(command.getGroupPrefix())
                .setBitmap(Bitmap.empty(blocks).toState()).build());
        return "supernet " + what + " defined (" + blocks + " blocks)";
    }

    /**
     * The next free block for the request (none for a refill), and one more for each slot VLAN the grant carries, up to
     * {@code stock}, while half of the blocks stays free (ADR 0044). Fewer blocks than slot VLANs: the project stage pairs
     * them in order and gives the VLANs without a block back.
     */
    static void take(PoolContext ctx, TakeBlock take, Grant grant) {
        BlockPoolRecord pool = ctx.blockPools().get(KEY);
        if (pool == null) {
            throw new Rejected(Reason.NOT_CONFIGURED, "no private supernet is defined");
        }
        Bitmap bitmap = Bitmap.of(pool.getBitmap());
        Cidr supernet = Cidr.parse(pool.getCidr());
        if (!take.getRefill()) {
            int index = bitmap.allocate();
            if (index < 0) {
                throw new Rejected(Reason.POOL_EXHAUSTED, "every /" + pool.getBlockPrefix() + " block of " + pool.getCidr()
                        + " is given (to networks or to network slots, ADR 0044)");
            }
            grant.setBlock(supernet.subnet(index, pool.getBlockPrefix()).toString());
        }
        List<String> slots = new ArrayList<>();
        int wanted = Math.min(take.getStock(), grant.getSlotVlans().size());
        int reserve = FloatingPools.stockReserve(bitmap.size());
        while (slots.size() < wanted && bitmap.free() > reserve) {
            slots.add(supernet.subnet(bitmap.allocate(), pool.getBlockPrefix()).toString());
        }
        pool.setBitmap(bitmap.toState());
        ctx.blockPools().put(KEY, pool);
        grant.setGroupPrefix(pool.getGroupPrefix());
        grant.setSlotBlocks(slots);
    }

    static void release(PoolContext ctx, String cidr) {
        BlockPoolRecord pool = ctx.blockPools().get(KEY);
        Cidr block = Cidr.parse(cidr);
        Cidr supernet = pool == null ? null : Cidr.parse(pool.getCidr());
        if (supernet == null || block.prefix() != pool.getBlockPrefix() || !supernet.contains(block)) {
            throw new IllegalStateException("block " + cidr + " is not of the supernet");
        }
        Bitmap bitmap = Bitmap.of(pool.getBitmap());
        if (!bitmap.release(supernet.subnetIndexOf(block.network(), block.prefix()))) {
            throw new IllegalStateException("block " + cidr + " was not given");
        }
        pool.setBitmap(bitmap.toState());
        ctx.blockPools().put(KEY, pool);
    }
}
