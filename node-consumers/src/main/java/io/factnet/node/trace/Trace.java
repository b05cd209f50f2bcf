package io.factnet.node.trace;

import java.util.List;

/**
 * What the nodes' rules do with a packet: delivered (to an instance, to a node's own address, or out of the cloud by a
 * public interface) or dropped, with where and why, the hops on the way and the packet as it arrives (after NAT).
 */
public record Trace(Verdict verdict, String outcome, List<Hop> hops, Packet arrived) {
    public enum Verdict {
        DELIVERED, DROPPED
    }

    public Trace {
        hops = List.copyOf(hops);
    }

    public boolean delivered() {
        return verdict == Verdict.DELIVERED;
    }
}
