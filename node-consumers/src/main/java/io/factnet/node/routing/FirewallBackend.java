package io.factnet.node.routing;

/** One way of putting the routing model into the kernel: nftables or iptables. */
interface FirewallBackend {

    /** The tools this backend needs, for the start check. */
    java.util.List<String> tools();

    /**
     * Renders the model and applies it when it differs from the last apply or, with {@code verify},
     * when the kernel no longer holds what the last apply put there.
     */
    Outcome sync(RoutingModel model, boolean verify);

    record Outcome(boolean applied, long renderMillis, long applyMillis) {
    }
}
