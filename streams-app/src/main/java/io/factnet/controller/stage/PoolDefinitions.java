package io.factnet.controller.stage;

import io.factnet.controller.alloc.AddressRanges;
import io.factnet.controller.alloc.Cidr;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/** Validation of the admin commands that define pools, shared by both stages (the project stage checks, the pool stage builds). */
public final class PoolDefinitions {
    private PoolDefinitions() {
    }

    /** At most 2^20 addresses per floating pool (a /12): its bitmap is one 128 KiB store record. */
    public static final long MAX_FLOATING_POOL = 1L << 20;
    /** Physical networks a node may name: each is a bridge uplink on the node. */
    public static final int MAX_PHYSICAL_NETWORKS = 64;
    /** At most 2^20 blocks in a supernet. */
    public static final int MAX_BLOCK_BITS = 20;

    public static void check(DefineVlanRange command) {
        Check.name("physicalNetwork", command.getPhysicalNetwork());
        Check.range("first", command.getFirst(), 1, 4094);
        Check.range("last", command.getLast(), 1, 4094);
        Check.that(command.getFirst() <= command.getLast(), "first must not be above last");
    }

    public static void check(DefineSupernet command) {
        Cidr supernet = Check.cidr("cidr", command.getCidr());
        int block = Check.range("blockPrefix", command.getBlockPrefix(), supernet.prefix(), 29);
        int group = Check.range("groupPrefix", command.getGroupPrefix(), 16, 30);
        Check.that(group > block, "groupPrefix must be longer than blockPrefix: a block holds group subnets and the VPN client subnet");
        Check.that(block - supernet.prefix() <= MAX_BLOCK_BITS, "at most 2^" + MAX_BLOCK_BITS + " blocks per supernet");
    }

    public static void check(RegisterNode command) {
        Check.name("nodeId", command.getNodeId());
        Check.that(!command.getRoles().isEmpty(), "roles must not be empty");
        Check.that(new HashSet<NodeRole>(command.getRoles()).size() == command.getRoles().size(), "roles must not repeat");
        Check.ipv4("publicAddress", command.getPublicAddress());
        Check.range("vpnPortFirst", command.getVpnPortFirst(), 1, 65535);
        Check.range("vpnPortLast", command.getVpnPortLast(), 1, 65535);
        Check.that(command.getVpnPortFirst() <= command.getVpnPortLast(), "vpnPortFirst must not be above vpnPortLast");
        Check.that(command.getPhysicalNetworks().size() <= MAX_PHYSICAL_NETWORKS,
                "at most " + MAX_PHYSICAL_NETWORKS + " physicalNetworks");
        command.getPhysicalNetworks().forEach(network -> Check.name("physicalNetworks", network));
        Check.that(new HashSet<>(command.getPhysicalNetworks()).size() == command.getPhysicalNetworks().size(),
                "physicalNetworks must not repeat");
        if (command.getUnderlayAddress() != null) {
            Check.ipv4("underlayAddress", command.getUnderlayAddress());
        }
        if (command.getPublicKey() != null) {
            Check.wireguardKey(command.getPublicKey());
            Check.that(command.getRoles().contains(NodeRole.TUNNELING), "publicKey is the WireGuard key of a tunneling node");
        }
    }

    /** The pool's addresses: its CIDRs without network and broadcast address (for /30 and larger), and its ranges. */
    public static AddressRanges addresses(DefineFloatingPool command) {
        Check.name("pool", command.getPool());
        Check.that(!command.getCidrs().isEmpty() || !command.getRanges().isEmpty(), "give at least one of cidrs and ranges");
        List<long[]> intervals = new ArrayList<>();
        for (String text : command.getCidrs()) {
            Cidr cidr = Check.cidr("cidrs", text);
            intervals.add(cidr.prefix() <= 30 ? new long[] {cidr.network() + 1, cidr.last() - 1}
                    : new long[] {cidr.network(), cidr.last()});
        }
        for (String text : command.getRanges()) {
            String[] ends = text.split("-", -1);
            Check.that(ends.length == 2, "ranges must look like a.b.c.d-a.b.c.e: " + Check.quote(text));
            long first = Check.ipv4("ranges", ends[0]);
            long last = Check.ipv4("ranges", ends[1]);
            Check.that(first <= last, "a range must not end before it starts: " + Check.quote(text));
            intervals.add(new long[] {first, last});
        }
        for (String excluded : command.getExcluded()) {
            Check.ipv4("excluded", excluded);
        }
        for (long[] interval : intervals) {
            Check.that(interval[1] - interval[0] < MAX_FLOATING_POOL, "at most " + MAX_FLOATING_POOL + " addresses per pool");
        }
        AddressRanges ranges = AddressRanges.merge(intervals);
        Check.that(ranges.size() <= MAX_FLOATING_POOL, "at most " + MAX_FLOATING_POOL + " addresses per pool");
        return ranges;
    }
}
