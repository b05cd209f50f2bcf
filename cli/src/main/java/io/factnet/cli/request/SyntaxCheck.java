package io.factnet.cli.request;

import io.factnet.net.InvalidValueException;
import io.factnet.net.Ipv4Address;
import io.factnet.net.MacAddress;
import io.factnet.net.WireGuardKey;
import java.util.Collection;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A cheap pre-check of obvious syntax, by field name, before a request leaves the CLI: a typo in a CIDR
 * is a usage error at once instead of a REJECTED result later. The controller still validates
 * everything (semantics, ranges, overlaps); this never accepts less than the controller would refuse.
 */
final class SyntaxCheck {
    private SyntaxCheck() {
    }

    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]{2,45}");

    private static final Map<String, Function<String, String>> CHECKS = Map.of(
            "cidr", SyntaxCheck::cidr,
            "cidrs", SyntaxCheck::cidr,
            "sourceCidr", SyntaxCheck::cidr,
            "address", SyntaxCheck::address,
            "publicAddress", SyntaxCheck::address,
            "underlayAddress", SyntaxCheck::address,
            "excluded", SyntaxCheck::address,
            "ranges", SyntaxCheck::range,
            "mac", SyntaxCheck::mac,
            "publicKey", SyntaxCheck::wireGuardKey);

    /** What is wrong with the value of this field, or null when it looks right (or is not checked). */
    static String problem(String field, Object value) {
        Function<String, String> check = CHECKS.get(field);
        if (check == null || value == null) {
            return null;
        }
        if (value instanceof Collection<?> values) {
            for (Object each : values) {
                String problem = check.apply(String.valueOf(each));
                if (problem != null) {
                    return problem;
                }
            }
            return null;
        }
        return check.apply(String.valueOf(value));
    }

    /** IPv4 by the one parser ({@link Ipv4Address}); IPv6 only roughly (the controller says the rest). */
    static String address(String text) {
        if (text.contains(":")) {
            return IPV6.matcher(text).matches() && text.chars().filter(c -> c == ':').count() <= 7 ? null
                    : "'" + text + "' is not an IP address";
        }
        try {
            Ipv4Address.parse(text);
            return null;
        } catch (InvalidValueException e) {
            return "'" + text + "' is not an IP address (" + e.getMessage() + ")";
        }
    }

    static String cidr(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return "'" + text + "' is not a CIDR (address/prefix, e.g. 10.0.0.0/8)";
        }
        String address = text.substring(0, slash);
        String problem = address(address);
        if (problem != null) {
            return "'" + text + "' is not a CIDR: " + problem;
        }
        int max = address.contains(":") ? 128 : 32;
        String prefix = text.substring(slash + 1);
        if (!prefix.matches("\\d{1,3}") || Integer.parseInt(prefix) > max) {
            return "'" + text + "' is not a CIDR: the prefix must be 0.." + max;
        }
        return null;
    }

    static String range(String text) {
        String[] ends = text.split("-", -1);
        if (ends.length != 2 || address(ends[0]) != null || address(ends[1]) != null) {
            return "'" + text + "' is not an address range (first-last, e.g. 203.0.113.10-203.0.113.20)";
        }
        return null;
    }

    static String mac(String text) {
        try {
            MacAddress.parse(text);
            return null;
        } catch (InvalidValueException e) {
            return "'" + text + "' is not a MAC address (e.g. fa:16:3e:00:00:01): " + e.getMessage();
        }
    }

    static String wireGuardKey(String text) {
        try {
            new WireGuardKey(text);
            return null;
        } catch (InvalidValueException e) {
            return "'" + text + "' is not a WireGuard public key (32 bytes in base64, as wg pubkey prints)";
        }
    }
}
