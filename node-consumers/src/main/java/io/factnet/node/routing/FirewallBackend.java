package io.factnet.node.routing;

/** One way of putting the routing model into the kernel: nftables or iptables. */
interface FirewallBackend {

    /** The tools this backend needs, for the start check. */
    java.util.List<String> tools();

    /**
     * Renders the model and applies it when it differs from the last apply or, with {@code verify},
     * when the kernel no longer holds what the last apply put there.
     */
    ApplyReport sync(RoutingModel model, boolean verify);

    /** True when {@link #applyDelta} can change the elements of the last apply (nftables' maps, after a whole apply). */
    default boolean deltas() {
        return false;
    }

    /** Changes the map elements named (map -> key -> value now, null: none), and nothing else. */
    default ApplyReport applyDelta(java.util.Map<String, java.util.Map<Comparable<?>, Object>> touched) {
        throw new UnsupportedOperationException("no element deltas in this backend");
    }

    record ApplyReport(boolean applied, long renderMillis, long applyMillis) {
    }
}
