package io.factnet.node.routing;

import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A set of IPv4 addresses kept as its maximal runs of consecutive addresses, and the fewest CIDR blocks that
 * cover it exactly (no address outside the set). A pool hands out its lowest free addresses, so a node's floating
 * addresses are mostly a few runs: 100k of them are a handful of blocks where they were 100k /32s (ADR 0047).
 * A change of one address alters only the runs that hold it or its two neighbours, so {@link #blocksAround} lets
 * an incremental apply touch those blocks alone.
 */
public final class AddressRuns {
    /** Run start -> run end (inclusive), as unsigned 32-bit values in longs. */
    private final TreeMap<Long, Long> runs = new TreeMap<>();

    public static AddressRuns of(Collection<Ipv4Address> addresses) {
        AddressRuns set = new AddressRuns();
        addresses.stream().mapToLong(Ipv4Address::value).sorted().forEach(set::add);
        return set;
    }

    boolean contains(long address) {
        Map.Entry<Long, Long> run = runs.floorEntry(address);
        return run != null && run.getValue() >= address;
    }

    void add(long address) {
        if (contains(address)) {
            return;
        }
        long start = address;
        long end = address;
        Map.Entry<Long, Long> below = runs.floorEntry(address - 1);
        if (below != null && below.getValue() == address - 1) {
            start = below.getKey();
        }
        Long aboveEnd = runs.remove(address + 1);
        if (aboveEnd != null) {
            end = aboveEnd;
        }
        runs.put(start, end);
    }

    void remove(long address) {
        Map.Entry<Long, Long> run = runs.floorEntry(address);
        if (run == null || run.getValue() < address) {
            return;
        }
        runs.remove(run.getKey());
        if (run.getKey() < address) {
            runs.put(run.getKey(), address - 1);
        }
        if (run.getValue() > address) {
            runs.put(address + 1, run.getValue());
        }
    }

    /** The whole cover, in address order. */
    public Set<Ipv4Cidr> blocks() {
        Set<Ipv4Cidr> blocks = new LinkedHashSet<>();
        runs.forEach((start, end) -> blocks.addAll(cover(start, end)));
        return blocks;
    }

    /** The blocks of the runs that hold {@code address} or a neighbour of it: all that a change of it can alter. */
    Set<Ipv4Cidr> blocksAround(long address) {
        Set<Ipv4Cidr> blocks = new LinkedHashSet<>();
        Long from = runs.floorKey(Math.max(0, address - 1));
        for (Map.Entry<Long, Long> run : runs.subMap(from == null ? 0L : from, true, address + 1, true).entrySet()) {
            if (run.getValue() >= address - 1) {
                blocks.addAll(cover(run.getKey(), run.getValue()));
            }
        }
        return blocks;
    }

    /** The fewest aligned CIDR blocks whose union is exactly [first, last]. */
    static List<Ipv4Cidr> cover(long first, long last) {
        List<Ipv4Cidr> blocks = new ArrayList<>();
        long next = first;
        while (next <= last) {
            int hostBits = next == 0 ? 32 : Long.numberOfTrailingZeros(next); // alignment of the block's start
            while (hostBits > 0 && next + (1L << hostBits) - 1 > last) {
                hostBits--;
            }
            blocks.add(new Ipv4Cidr(Ipv4Address.of(next), 32 - hostBits));
            next += 1L << hostBits;
        }
        return blocks;
    }
}
