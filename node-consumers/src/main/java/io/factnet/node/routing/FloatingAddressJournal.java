package io.factnet.node.routing;

import io.factnet.net.Ipv4Address;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The routing agent's {@code floating-addresses} state file: one line per floating address and the
 * fixed address it points to, and, appended by incremental changes, lines that move an address
 * ({@code F X2}) or end its association ({@code F -}). The last line for an address wins. Two files
 * that read to the same map mean the same state, whether written whole or as a journal.
 */
public final class FloatingAddressJournal {
    /** In the file, a floating address no longer associated. */
    static final String REMOVED = "-";

    private FloatingAddressJournal() {
    }

    /** The associations a file's text holds (a last line without its end, cut short by a crash, is not a record). */
    public static SortedMap<Ipv4Address, Ipv4Address> read(String text) {
        SortedMap<Ipv4Address, Ipv4Address> map = new TreeMap<>();
        String complete = text.endsWith("\n") ? text : text.substring(0, text.lastIndexOf('\n') + 1);
        complete.lines().filter(l -> !l.isBlank()).forEach(line -> {
            String[] parts = line.split(" ");
            if (parts[1].equals(REMOVED)) {
                map.remove(Ipv4Address.parse(parts[0]));
            } else {
                map.put(Ipv4Address.parse(parts[0]), Ipv4Address.parse(parts[1]));
            }
        });
        return map;
    }

    /** The whole file for these associations. */
    static String write(Map<Ipv4Address, Ipv4Address> map) {
        StringBuilder out = new StringBuilder(map.size() * 32);
        map.forEach((floating, fixed) -> out.append(floating).append(' ').append(fixed).append('\n'));
        return out.toString();
    }

    /** One appended line: the address now points to {@code fixed}, or (null) is no longer associated. */
    static String change(Ipv4Address floating, Ipv4Address fixed) {
        return floating + " " + (fixed == null ? REMOVED : fixed.toString()) + "\n";
    }
}
