package io.factnet.net;

import java.util.Locale;

/** A unicast Ethernet address, shown as six lower-case hex octets separated by colons. */
public record MacAddress(long bits) {

    public static MacAddress parse(String text) {
        if (text == null || text.length() != 17) {
            throw new InvalidValueException("MAC address", text, "expected xx:xx:xx:xx:xx:xx");
        }
        long bits = 0;
        for (int i = 0; i < 6; i++) {
            String octet = text.substring(i * 3, i * 3 + 2);
            if (i < 5 && text.charAt(i * 3 + 2) != ':') {
                throw new InvalidValueException("MAC address", text, "expected xx:xx:xx:xx:xx:xx");
            }
            if (!octet.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 0x80)) {
                throw new InvalidValueException("MAC address", text, "octet " + Printable.quote(octet) + " is not hex");
            }
            bits = (bits << 8) | Integer.parseInt(octet, 16);
        }
        if ((bits & (1L << 40)) != 0) {
            throw new InvalidValueException("MAC address", text, "is a multicast address");
        }
        if (bits == 0) {
            throw new InvalidValueException("MAC address", text, "is all zero");
        }
        return new MacAddress(bits);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            out.append(String.format(Locale.ROOT, "%02x", (bits >>> (i * 8)) & 0xff));
            if (i > 0) {
                out.append(':');
            }
        }
        return out.toString();
    }
}
