package io.factnet.controller.stage;

import io.factnet.controller.alloc.Cidr;
import io.factnet.controller.alloc.Ipv4;
import io.factnet.net.InvalidValueException;
import io.factnet.net.MacAddress;
import io.factnet.net.WireGuardKey;
import io.factnet.text.SafeText;
import java.util.regex.Pattern;

/**
 * Field validation of requests. Everything that reaches a state topic ends up in a rule file, a
 * hosts file or an interface name on a node, so names get a small character set and a length limit,
 * and addresses are parsed, not pattern-matched. A failed check is a {@link Rejected} INVALID_ARGUMENT
 * that names the field.
 */
public final class Check {
    private Check() {
    }

    /** Projects, groups, instances, pools, physical networks, node ids: no '/', which separates store keys. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    public static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    /** One DNS label (RFC 1123): what dnsmasq accepts as a host name. */
    public static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    public static final Pattern DOMAIN = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final Pattern PRINTABLE = Pattern.compile("[\\p{Print}&&[^\\p{Cntrl}]]{0,255}");

    public static String name(String field, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw Rejected.invalid(field + " must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit: "
                    + quote(value));
        }
        return value;
    }

    public static String hostname(String value) {
        if (value == null || !HOST_LABEL.matcher(value).matches()) {
            throw Rejected.invalid("hostname must be one DNS label (1-63 of A-Z a-z 0-9 -, no - at either end): "
                    + quote(value));
        }
        return value;
    }

    public static String domain(String value) {
        if (value == null || !DOMAIN.matcher(value).matches()) {
            throw Rejected.invalid("domain must be a DNS name: " + quote(value));
        }
        return value;
    }

    public static String description(String value) {
        if (value == null || !PRINTABLE.matcher(value).matches()) {
            throw Rejected.invalid("description must be at most 255 printable characters");
        }
        return value;
    }

    /** A unicast, non-zero MAC; returned in lower case (the one parser: {@link MacAddress}). */
    public static String mac(String value) {
        try {
            return MacAddress.parse(value).toString();
        } catch (InvalidValueException e) {
            throw Rejected.invalid("mac must be six hex octets separated by ':', unicast and not all zeros: " + e.getMessage());
        }
    }

    public static long ipv4(String field, String value) {
        long address = Ipv4.parseOrMinusOne(value);
        if (address < 0) {
            throw Rejected.invalid(field + " must be an IPv4 address (a.b.c.d): " + quote(value));
        }
        return address;
    }

    public static Cidr cidr(String field, String value) {
        Cidr cidr = Cidr.parseOrNull(value);
        if (cidr == null) {
            throw Rejected.invalid(field + " must be an aligned IPv4 CIDR (a.b.c.d/n with no host bits): " + quote(value));
        }
        return cidr;
    }

    /** A WireGuard public key: base64 of 32 bytes, canonical as {@code wg pubkey} prints it (the node takes no other). */
    public static String wireguardKey(String value) {
        try {
            return new WireGuardKey(value).base64();
        } catch (InvalidValueException e) {
            throw Rejected.invalid("publicKey must be a WireGuard key (base64 of 32 bytes): " + quote(value));
        }
    }

    public static int range(String field, Integer value, int min, int max) {
        if (value == null || value < min || value > max) {
            throw Rejected.invalid(field + " must be in " + min + ".." + max + ": " + value);
        }
        return value;
    }

    public static void that(boolean condition, String message) {
        if (!condition) {
            throw Rejected.invalid(message);
        }
    }

    /** A value for a message: quoted, shortened, control characters escaped (it may be hostile). */
    public static String quote(String value) {
        return SafeText.quote(value);
    }
}
