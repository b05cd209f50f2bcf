package io.factnet.controller.stage;

import io.factnet.model.ClaimHop;

/** Keys of the claims topic: one pool stage key per global allocator. */
public final class PoolKeys {
    private PoolKeys() {
    }

    public static final String VLAN_PREFIX = "vlan/";
    /** The supernet and its project blocks. */
    public static final String BLOCKS = "blocks";
    /** Every floating pool: one key, so that a new pool can be checked against the others for overlap. */
    public static final String FLOATING = "floating";
    /** Every node: placement picks the least loaded one, and tunneling nodes' VPN ports. */
    public static final String NODES = "nodes";

    public static String vlan(String physicalNetwork) {
        return VLAN_PREFIX + physicalNetwork;
    }

    public static ClaimHop hop(String pool, Object op) {
        return ClaimHop.newBuilder().setPool(pool).setOp(op).build();
    }
}
