package io.factnet.net;

/**
 * An IPv4 address with a prefix length. {@link #parseNetwork} is for blocks and subnets (no host
 * bits allowed), {@link #parseInterface} for an address on an interface ("10.0.0.1/20").
 */
public record Ipv4Cidr(Ipv4Address address, int prefix) {

    public Ipv4Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix " + prefix + " is not 0..32");
        }
    }

    public static Ipv4Cidr parseNetwork(String text) {
        Ipv4Cidr cidr = parseAny(text, "network CIDR");
        if (cidr.address.bits() != cidr.networkBits()) {
            throw new InvalidValueException("network CIDR", text, "has host bits set (network is " + cidr.network() + ")");
        }
        return cidr;
    }

    public static Ipv4Cidr parseInterface(String text) {
        return parseAny(text, "interface address");
    }

    /** A source or destination that may be a single address (taken as /32) or a network. */
    public static Ipv4Cidr parseNetworkOrAddress(String text) {
        if (text != null && !text.contains("/")) {
            return new Ipv4Cidr(Ipv4Address.parse(text), 32);
        }
        return parseNetwork(text);
    }

    private static Ipv4Cidr parseAny(String text, String what) {
        if (text == null) {
            throw new InvalidValueException(what, null, "missing");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new InvalidValueException(what, text, "expected a.b.c.d/prefix");
        }
        String prefixText = text.substring(slash + 1);
        if (prefixText.isEmpty() || prefixText.length() > 2 || !prefixText.chars().allMatch(c -> c >= '0' && c <= '9')
                || (prefixText.length() > 1 && prefixText.charAt(0) == '0')) {
            throw new InvalidValueException(what, text, "prefix is not 0..32");
        }
        int prefix = Integer.parseInt(prefixText);
        if (prefix > 32) {
            throw new InvalidValueException(what, text, "prefix is over 32");
        }
        return new Ipv4Cidr(Ipv4Address.parse(text.substring(0, slash)), prefix);
    }

    public static Ipv4Cidr host(Ipv4Address address) {
        return new Ipv4Cidr(address, 32);
    }

    private int maskBits() {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    private int networkBits() {
        return address.bits() & maskBits();
    }

    public Ipv4Address network() {
        return new Ipv4Address(networkBits());
    }

    public Ipv4Cidr networkCidr() {
        return new Ipv4Cidr(network(), prefix);
    }

    public Ipv4Address netmask() {
        return new Ipv4Address(maskBits());
    }

    public Ipv4Address last() {
        return new Ipv4Address(networkBits() | ~maskBits());
    }

    public long size() {
        return 1L << (32 - prefix);
    }

    public boolean contains(Ipv4Address other) {
        return (other.bits() & maskBits()) == networkBits();
    }

    /** True when every address of {@code other} is inside this network. */
    public boolean contains(Ipv4Cidr other) {
        return other.prefix >= prefix && contains(other.network());
    }

    public boolean overlaps(Ipv4Cidr other) {
        return contains(other.network()) || other.contains(network());
    }

    @Override
    public String toString() {
        return address + "/" + prefix;
    }
}
