package io.factnet.reliability.check;

/** An IPv4 range [first, last], parsed from an address or a CIDR, for overlap and containment checks. */
record Block(long first, long last, String text) {

    static long address(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        long value = 0;
        for (String part : parts) {
            int octet = Integer.parseInt(part);
            if (octet < 0 || octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            value = value << 8 | octet;
        }
        return value;
    }

    static Block cidr(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            long single = address(text);
            return new Block(single, single, text);
        }
        long base = address(text.substring(0, slash));
        int prefix = Integer.parseInt(text.substring(slash + 1));
        long size = 1L << (32 - prefix);
        long first = base & ~(size - 1) & 0xffffffffL;
        return new Block(first, first + size - 1, text);
    }

    boolean overlaps(Block other) {
        return first <= other.last && other.first <= last;
    }

    boolean contains(long address) {
        return first <= address && address <= last;
    }
}
