package io.factnet.controller.alloc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A set of IPv4 addresses as sorted, merged, inclusive intervals, numbered 0..size-1 in address order,
 * so that a {@link Bitmap} over the numbers allocates from the set (floating pools: CIDRs and ranges).
 */
public final class AddressRanges {
    private final long[] starts;
    private final long[] ends;
    /** offsets[i]: the number of the first address of interval i. */
    private final long[] offsets;
    private final long size;

    private AddressRanges(long[] starts, long[] ends) {
        this.starts = starts;
        this.ends = ends;
        this.offsets = new long[starts.length];
        long total = 0;
        for (int i = 0; i < starts.length; i++) {
            offsets[i] = total;
            total += ends[i] - starts[i] + 1;
        }
        this.size = total;
    }

    /** Merges inclusive {start, end} intervals (in any order, overlapping or adjacent) into one set. */
    public static AddressRanges merge(List<long[]> intervals) {
        List<long[]> sorted = new ArrayList<>(intervals);
        sorted.sort(Comparator.comparingLong(i -> i[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] interval : sorted) {
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && interval[0] <= last[1] + 1) {
                last[1] = Math.max(last[1], interval[1]);
            } else {
                merged.add(new long[] {interval[0], interval[1]});
            }
        }
        return new AddressRanges(merged.stream().mapToLong(i -> i[0]).toArray(),
                merged.stream().mapToLong(i -> i[1]).toArray());
    }

    public static AddressRanges of(List<Long> starts, List<Long> ends) {
        return new AddressRanges(starts.stream().mapToLong(Long::longValue).toArray(),
                ends.stream().mapToLong(Long::longValue).toArray());
    }

    public List<Long> starts() {
        return Arrays.stream(starts).boxed().toList();
    }

    public List<Long> ends() {
        return Arrays.stream(ends).boxed().toList();
    }

    public long size() {
        return size;
    }

    public long addressAt(long number) {
        if (number < 0 || number >= size) {
            throw new IndexOutOfBoundsException("address number " + number + " of " + size);
        }
        int i = Arrays.binarySearch(offsets, number);
        if (i < 0) {
            i = -i - 2; // the interval that starts before the number
        }
        return starts[i] + (number - offsets[i]);
    }

    /** The number of the address, or -1 if the set does not hold it. */
    public long numberOf(long address) {
        int i = Arrays.binarySearch(starts, address);
        if (i < 0) {
            i = -i - 2;
        }
        if (i < 0 || address > ends[i]) {
            return -1;
        }
        return offsets[i] + (address - starts[i]);
    }

    public boolean overlaps(AddressRanges other) {
        int i = 0;
        int j = 0;
        while (i < starts.length && j < other.starts.length) {
            if (ends[i] < other.starts[j]) {
                i++;
            } else if (other.ends[j] < starts[i]) {
                j++;
            } else {
                return true;
            }
        }
        return false;
    }
}
