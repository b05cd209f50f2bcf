package io.factnet.controller.alloc;

import io.factnet.net.InvalidValueException;
import io.factnet.net.Ipv4Cidr;

/**
 * An aligned IPv4 CIDR block: {@code network} has no host bits set.
 *
 * @param network the first address
 * @param prefix  0..32
 */
public record Cidr(long network, int prefix) {

    public Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix " + prefix + " outside 0..32");
        }
        if ((network & hostMask(prefix)) != 0 || network < 0 || network > Ipv4.MAX) {
            throw new IllegalArgumentException(Ipv4.format(network) + "/" + prefix + " has host bits set");
        }
    }

    /** Parses "a.b.c.d/p"; null if it is not a valid, aligned CIDR ({@link Ipv4Cidr#parseNetwork}'s rules: the one parser). */
    public static Cidr parseOrNull(String text) {
        try {
            Ipv4Cidr cidr = Ipv4Cidr.parseNetwork(text);
            return new Cidr(cidr.address().value(), cidr.prefix());
        } catch (InvalidValueException e) {
            return null;
        }
    }

    public static Cidr parse(String text) {
        Cidr cidr = parseOrNull(text);
        if (cidr == null) {
            throw new IllegalArgumentException("not an aligned IPv4 CIDR: " + text);
        }
        return cidr;
    }

    static long hostMask(int prefix) {
        return prefix == 0 ? Ipv4.MAX : (1L << (32 - prefix)) - 1;
    }

    public long size() {
        return 1L << (32 - prefix);
    }

    public long last() {
        return network + size() - 1;
    }

    public boolean contains(long address) {
        return address >= network && address <= last();
    }

    public boolean contains(Cidr other) {
        return other.prefix >= prefix && contains(other.network);
    }

    public boolean overlaps(Cidr other) {
        return contains(other.network) || other.contains(network);
    }

    /** The index-th sub-block of the given (longer) prefix. */
    public Cidr subnet(int index, int childPrefix) {
        if (childPrefix < prefix) {
            throw new IllegalArgumentException("/" + childPrefix + " is larger than /" + prefix);
        }
        long count = 1L << (childPrefix - prefix);
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("sub-block " + index + " of " + count);
        }
        return new Cidr(network + index * (1L << (32 - childPrefix)), childPrefix);
    }

    /** How many sub-blocks of the given prefix this block holds. */
    public long subnetCount(int childPrefix) {
        return 1L << (childPrefix - prefix);
    }

    /** Which sub-block of the given prefix holds the address. */
    public int subnetIndexOf(long address, int childPrefix) {
        return (int) ((address - network) >>> (32 - childPrefix));
    }

    /** The n-th address of the block (0 = the network address). */
    public String address(long n) {
        return Ipv4.format(network + n);
    }

    @Override
    public String toString() {
        return Ipv4.format(network) + "/" + prefix;
    }
}
