package io.factnet.node.net;

/** An IPv4 address, parsed strictly: four decimal octets, no leading zeros, nothing else. */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    public static Ipv4Address parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 15) {
            throw new InvalidValueException("IPv4 address", text, "expected a.b.c.d");
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new InvalidValueException("IPv4 address", text, "expected four octets a.b.c.d");
        }
        int bits = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (part.length() > 1 && part.charAt(0) == '0')) {
                throw new InvalidValueException("IPv4 address", text, "octet " + Printable.quote(part) + " is not 0..255");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new InvalidValueException("IPv4 address", text, "octet " + octet + " is over 255");
            }
            bits = (bits << 8) | octet;
        }
        return new Ipv4Address(bits);
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
