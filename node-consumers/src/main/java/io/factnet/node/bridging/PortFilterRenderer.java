package io.factnet.node.bridging;

import io.factnet.node.routing.NftRenderer;
import io.factnet.node.routing.RoutingModel;
import io.factnet.net.Ipv4Address;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Renders the port guard (ADR 0035) as one nft script of two tables, only ours: {@code bridge factnet-ports}
 * (anti-spoofing: what a port may send) and {@code inet factnet-groups} (its group's ingress and egress rules, reached
 * by bridged IPv4 through br_netfilter, where connection tracking is). Everything that grows with instances is a
 * named set or map ({@link #elements}): an instance that comes or goes is an element delta, never a chain rewrite;
 * chains are per group.
 */
final class PortFilterRenderer {
    static final String PORTS_FAMILY = "bridge";
    static final String PORTS_TABLE = "factnet-ports";
    static final String GROUPS_FAMILY = "inet";
    static final String GROUPS_TABLE = "factnet-groups";
    /** set name -> its family and table. */
    static final Map<String, String> SETS = sets();

    private PortFilterRenderer() {
    }

    private static Map<String, String> sets() {
        Map<String, String> sets = new LinkedHashMap<>();
        for (String set : List.of("ports", "macs", "guarded", "strangers")) {
            sets.put(set, PORTS_FAMILY + " " + PORTS_TABLE);
        }
        for (String map : List.of("ingress", "egress")) {
            sets.put(map, GROUPS_FAMILY + " " + GROUPS_TABLE);
        }
        return Map.copyOf(sets);
    }

    /**
     * The structure: everything but the sets' elements. Two structures with the same forward chain differ by their
     * groups' chains only ({@code chains}: name -> rules), which a delta replaces chain by chain.
     */
    record Structure(boolean sameGroupTraffic, List<Ipv4Address> dhcpServers, Map<String, List<String>> chains) {
        boolean sameForward(Structure other) {
            return other != null && sameGroupTraffic == other.sameGroupTraffic && dhcpServers.equals(other.dhcpServers);
        }
    }

    static Structure structure(PortSecurity model, boolean sameGroupTraffic) {
        return new Structure(sameGroupTraffic, model.dhcpServers(), groupChains(model, sameGroupTraffic));
    }

    /** The groups' ingress chains, then their egress chains, by name, in the order they are declared. */
    private static Map<String, List<String>> groupChains(PortSecurity model, boolean sameGroupTraffic) {
        Map<String, List<String>> chains = new LinkedHashMap<>();
        for (RoutingModel.GroupChain group : model.groups()) {
            List<String> rules = new ArrayList<>();
            // Not "ct state invalid drop" in the forward chain: traffic to what we do not host is none of ours.
            rules.add("ct state invalid counter drop");
            if (sameGroupTraffic) {
                rules.add("ip saddr " + group.subnet() + " accept");
            }
            group.rules().forEach(rule -> rules.add(NftRenderer.rule(rule)));
            rules.add("counter drop");
            chains.put(groupChain(group.id()), List.copyOf(rules));
        }
        for (RoutingModel.GroupChain group : model.groups()) {
            if (group.egress().isPresent()) {
                List<String> rules = new ArrayList<>();
                group.egress().get().forEach(rule -> rules.add(NftRenderer.egressRule(rule)));
                rules.add("counter drop");
                chains.put(egressChain(group.id()), List.copyOf(rules));
            }
        }
        return chains;
    }

    /** Every set's and map's elements as nft writes them (sorted): set name -> elements. */
    static Map<String, Set<String>> elements(PortSecurity model, Set<String> strangers) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        SETS.keySet().stream().sorted().forEach(set -> out.put(set, new TreeSet<>()));
        for (PortSecurity.GuardedPort port : model.ports()) {
            String name = quoted(port.port().name());
            out.get("ports").add(name + " . " + port.mac() + " . " + port.address());
            out.get("macs").add(name + " . " + port.mac());
            out.get("guarded").add(name);
            out.get("ingress").add(port.address() + " : " + port.group().map(g -> "jump " + groupChain(g)).orElse("drop"));
            if (port.egress()) {
                out.get("egress").add(port.address() + " : jump " + egressChain(port.group().orElseThrow()));
            }
        }
        strangers.forEach(s -> out.get("strangers").add(quoted(s)));
        return out;
    }

    static String render(PortSecurity model, boolean sameGroupTraffic, Set<String> strangers) {
        Map<String, Set<String>> elements = elements(model, strangers);
        StringBuilder out = new StringBuilder();
        out.append("# factnet bridging: the instance ports' guard (ADR 0035), one transaction (nft -f).\n");
        out.append("# Only tables ").append(PORTS_FAMILY).append(' ').append(PORTS_TABLE).append(" and ").append(GROUPS_FAMILY).append(' ')
                .append(GROUPS_TABLE).append(" are touched: made if missing, deleted, made again.\n");
        begin(out, PORTS_FAMILY, PORTS_TABLE);
        set(out, "set", "ports", "ifname . ether_addr . ipv4_addr", elements);
        set(out, "set", "macs", "ifname . ether_addr", elements);
        set(out, "set", "guarded", "ifname", elements);
        set(out, "set", "strangers", "ifname", elements);
        chain(out, "prerouting", "type filter hook prerouting priority filter; policy accept;", List.of(
                // A port on one of our bridges that is no known instance's and no link to the other nodes.
                "iifname @strangers counter drop",
                // Frames from the other nodes (their own host guards them), other bridges, unguarded instances.
                "iifname != @guarded accept",
                "iifname . ether saddr . ip saddr @ports accept",
                // DHCP before the instance has its address: only its own MAC, only to a server.
                "iifname . ether saddr @macs ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 accept",
                // ARP for its own address only, the frame's and the packet's sender both its own.
                "iifname . ether saddr . arp saddr ip @ports iifname . arp saddr ether . arp saddr ip @ports accept",
                "counter drop"));
        out.append("}\n");

        begin(out, GROUPS_FAMILY, GROUPS_TABLE);
        set(out, "map", "ingress", "ipv4_addr : verdict", elements);
        set(out, "map", "egress", "ipv4_addr : verdict", elements);
        List<String> forward = new ArrayList<>();
        forward.add("ct state established,related accept");
        if (!model.dhcpServers().isEmpty()) {
            // The DHCP server's answers (nova's allow-dhcp-server): unicast to an instance that asked by broadcast,
            // so no connection matches them. Only from the networks' gateway addresses, which no port may send from.
            List<String> servers = model.dhcpServers().stream().map(Ipv4Address::toString).toList();
            forward.add("ip saddr " + (servers.size() == 1 ? servers.get(0) : "{ " + String.join(", ", servers) + " }")
                    + " udp sport 67 udp dport 68 accept");
        }
        // Egress first: its chains return what they allow, the destination's ingress still decides (as on the routing node).
        forward.add("ip saddr vmap @egress");
        // Addresses not hosted here pass: their own host filters them.
        forward.add("ip daddr vmap @ingress");
        chain(out, "forward", "type filter hook forward priority filter; policy accept;", forward);
        structure(model, sameGroupTraffic).chains().forEach((name, rules) -> chain(out, name, null, rules));
        out.append("}\n");
        return out.toString();
    }

    /** A script that removes our tables (where they are: made first, so the delete never fails). */
    static String remove() {
        return "# factnet bridging: no port to guard, so no tables\n"
                + "table " + PORTS_FAMILY + " " + PORTS_TABLE + "\ndelete table " + PORTS_FAMILY + " " + PORTS_TABLE + "\n"
                + "table " + GROUPS_FAMILY + " " + GROUPS_TABLE + "\ndelete table " + GROUPS_FAMILY + " " + GROUPS_TABLE + "\n";
    }

    /**
     * One transaction from {@code from} to {@code to} when their forward chains are equal: new and changed group chains
     * first (a changed one flushed and filled again, so a rule change costs that group's rules, not its members'
     * elements), then the element deletes and adds, then the chains no element jumps to any more are deleted. Empty
     * when nothing differs.
     */
    static String delta(Structure from, Map<String, Set<String>> fromElements, Structure to, Map<String, Set<String>> toElements) {
        StringBuilder chains = new StringBuilder();
        to.chains().forEach((name, rules) -> {
            List<String> before = from.chains().get(name);
            if (!rules.equals(before)) {
                if (before != null) {
                    chains.append("flush chain ").append(GROUPS_FAMILY).append(' ').append(GROUPS_TABLE).append(' ').append(name).append('\n');
                }
                chains.append("table ").append(GROUPS_FAMILY).append(' ').append(GROUPS_TABLE).append(" {\n");
                chain(chains, name, null, rules);
                chains.append("}\n");
            }
        });
        StringBuilder gone = new StringBuilder();
        from.chains().keySet().stream().filter(name -> !to.chains().containsKey(name)).forEach(name -> gone.append("delete chain ")
                .append(GROUPS_FAMILY).append(' ').append(GROUPS_TABLE).append(' ').append(name).append('\n'));
        String elements = delta(fromElements, toElements);
        return chains.length() + gone.length() == 0 ? elements
                : "# factnet bridging: changed groups and ports only\n" + chains + elements + gone;
    }

    /** The element deletes, then adds, that turn {@code from} into {@code to}; empty when they are equal. */
    static String delta(Map<String, Set<String>> from, Map<String, Set<String>> to) {
        StringBuilder deletes = new StringBuilder();
        StringBuilder adds = new StringBuilder();
        for (String set : new TreeSet<>(SETS.keySet())) {
            Set<String> before = from.getOrDefault(set, Set.of());
            Set<String> after = to.getOrDefault(set, Set.of());
            // A map's element is deleted by its key.
            List<String> gone = before.stream().filter(e -> !after.contains(e)).map(e -> e.contains(" : ") ? e.substring(0, e.indexOf(" : ")) : e)
                    .sorted().toList();
            List<String> come = after.stream().filter(e -> !before.contains(e)).sorted().toList();
            if (!gone.isEmpty()) {
                deletes.append("delete element ").append(SETS.get(set)).append(' ').append(set).append(" { ")
                        .append(String.join(", ", gone)).append(" }\n");
            }
            if (!come.isEmpty()) {
                adds.append("add element ").append(SETS.get(set)).append(' ').append(set).append(" { ")
                        .append(String.join(", ", come)).append(" }\n");
            }
        }
        return deletes.length() + adds.length() == 0 ? "" : "# factnet bridging: changed ports only\n" + deletes + adds;
    }

    /** Group ids are hashes (16 hex digits) of project and group name, never the names (user text). */
    static String groupChain(String id) {
        return "group_" + id;
    }

    static String egressChain(String id) {
        return "egress_" + id;
    }

    /** Interface names are validated (letters, digits, '_', '.', '-'): safe inside quotes. */
    private static String quoted(String name) {
        return "\"" + name + "\"";
    }

    private static void begin(StringBuilder out, String family, String table) {
        out.append("table ").append(family).append(' ').append(table).append('\n');
        out.append("delete table ").append(family).append(' ').append(table).append('\n');
        out.append("table ").append(family).append(' ').append(table).append(" {\n");
    }

    private static void set(StringBuilder out, String kind, String name, String type, Map<String, Set<String>> elements) {
        out.append('\t').append(kind).append(' ').append(name).append(" {\n\t\ttype ").append(type).append('\n');
        Set<String> values = elements.get(name);
        if (!values.isEmpty()) {
            out.append("\t\telements = {\n");
            int left = values.size();
            for (String value : values) {
                out.append("\t\t\t").append(value).append(--left > 0 ? ",\n" : "\n");
            }
            out.append("\t\t}\n");
        }
        out.append("\t}\n");
    }

    private static void chain(StringBuilder out, String name, String hook, List<String> rules) {
        out.append("\tchain ").append(name).append(" {\n");
        if (hook != null) {
            out.append("\t\t").append(hook).append('\n');
        }
        rules.forEach(rule -> out.append("\t\t").append(rule).append('\n'));
        out.append("\t}\n");
    }
}
