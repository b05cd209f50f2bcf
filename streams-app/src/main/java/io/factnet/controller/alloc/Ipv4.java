package io.factnet.controller.alloc;

import io.factnet.net.InvalidValueException;
import io.factnet.net.Ipv4Address;

/** IPv4 addresses as unsigned 32-bit values in a long, for the allocators' arithmetic; parsed and printed by {@link Ipv4Address}. */
public final class Ipv4 {
    private Ipv4() {
    }

    public static final long MAX = 0xFFFF_FFFFL;

    /** The address, or -1 if the text is not a dotted-quad IPv4 address ({@link Ipv4Address}'s rules: the one parser). */
    public static long parseOrMinusOne(String text) {
        try {
            return Ipv4Address.parse(text).value();
        } catch (InvalidValueException e) {
            return -1;
        }
    }

    public static boolean isValid(String text) {
        return parseOrMinusOne(text) >= 0;
    }

    public static long parse(String text) {
        long value = parseOrMinusOne(text);
        if (value < 0) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        return value;
    }

    public static String format(long address) {
        return Ipv4Address.of(address).toString();
    }
}
