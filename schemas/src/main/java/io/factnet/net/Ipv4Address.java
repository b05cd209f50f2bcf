package io.factnet.net;

/** An IPv4 address, parsed strictly: four decimal octets, no leading zeros, nothing else. */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    public static Ipv4Address parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 15) {
            throw new InvalidValueException("IPv4 address", text, "expected a.b.c.d");
        }
        // By hand, not with split and regular expressions: a routing node parses 200k of these per sync.
        int bits = 0;
        int octets = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) {
                    throw new InvalidValueException("IPv4 address", text, "an octet has a leading zero");
                }
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255) {
                    throw new InvalidValueException("IPv4 address", text, "an octet is not 0..255");
                }
            } else if (c == '.' && digits > 0 && octets < 4) {
                bits = (bits << 8) | value;
                octets++;
                value = 0;
                digits = 0;
            } else {
                throw new InvalidValueException("IPv4 address", text, "expected four octets a.b.c.d");
            }
        }
        if (octets != 4) {
            throw new InvalidValueException("IPv4 address", text, "expected four octets a.b.c.d");
        }
        return new Ipv4Address(bits);
    }

    /** The address of an unsigned 32-bit value (the allocators count addresses in longs). */
    public static Ipv4Address of(long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("not a 32-bit address value: " + value);
        }
        return new Ipv4Address((int) value);
    }

    /** The address as an unsigned 32-bit value. */
    public long value() {
        return Integer.toUnsignedLong(bits);
    }

    public Ipv4Address plus(long offset) {
        return new Ipv4Address((int) (Integer.toUnsignedLong(bits) + offset));
    }

    @Override
    public int compareTo(Ipv4Address other) {
        return Integer.compareUnsigned(bits, other.bits);
    }

    @Override
    public String toString() {
        return ((bits >>> 24) & 0xff) + "." + ((bits >>> 16) & 0xff) + "." + ((bits >>> 8) & 0xff) + "." + (bits & 0xff);
    }
}
