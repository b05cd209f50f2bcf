package io.factnet.controller.alloc;

/** IPv4 addresses as unsigned 32-bit values in a long, parsed strictly (four decimal octets, no leading zeros). */
public final class Ipv4 {
    private Ipv4() {
    }

    public static final long MAX = 0xFFFF_FFFFL;

    /** The address, or -1 if the text is not a dotted-quad IPv4 address. */
    public static long parseOrMinusOne(String text) {
        if (text == null || text.length() < 7 || text.length() > 15) {
            return -1;
        }
        long value = 0;
        int octets = 0;
        int i = 0;
        while (i <= text.length()) {
            int start = i;
            int octet = 0;
            while (i < text.length() && text.charAt(i) != '.') {
                char c = text.charAt(i);
                if (c < '0' || c > '9' || i - start >= 3) {
                    return -1;
                }
                octet = octet * 10 + (c - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || octet > 255 || (digits > 1 && text.charAt(start) == '0')) {
                return -1;
            }
            value = (value << 8) | octet;
            octets++;
            i++; // skip the dot (or step past the end)
        }
        return octets == 4 ? value : -1;
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
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }
}
