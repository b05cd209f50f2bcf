package io.factnet.node.routing;

import io.factnet.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Renders the routing node's whole state as one nft script: our table, created if missing, deleted
 * and made again, in one transaction. Floating addresses live in maps (one element per address),
 * never in a chain or a map per address: nft loads 100k of them in about a second.
 */
public final class NftRenderer {
    public static final String FAMILY = "ip";
    public static final String TABLE = "factnet";
    /** The forward chain's check that a routed packet stays in its project (ADR 0042). */
    static final String ISOLATE = "isolate";

    private NftRenderer() {
    }

    public static String render(RoutingModel model, RoutingConfig config) {
        StringBuilder out = new StringBuilder(64 + model.floating().size() * 64);
        out.append("# factnet routing: the node's whole NAT and filter state, one transaction (nft -f).\n");
        out.append("# Only table ").append(FAMILY).append(' ').append(TABLE).append(" is touched: made if missing, deleted, made again.\n");
        out.append("table ").append(FAMILY).append(' ').append(TABLE).append('\n');
        out.append("delete table ").append(FAMILY).append(' ').append(TABLE).append('\n');
        out.append("table ").append(FAMILY).append(' ').append(TABLE).append(" {\n");

        Map<String, Map<Comparable<?>, Object>> maps = deltaMaps(model);
        collection(out, "floating_dnat", "ipv4_addr : ipv4_addr", maps.get("floating_dnat"));
        collection(out, "floating_snat", "ipv4_addr : ipv4_addr", maps.get("floating_snat"));
        collection(out, "vpn_forward", "inet_service : ipv4_addr . inet_service", maps.get("vpn_forward"));

        // Networks, exemptions and groups are few: anonymous sets inside the rules, so that the table's
        // structure (everything but the big maps' elements) shows in nft's terse listing (docs/adr/0011).
        String blocks = anonymous(model.blocks().stream().map(Ipv4Cidr::toString).toList());
        String internal = anonymous(model.blocks().stream().map(b -> b + " . " + b).toList());
        List<String> exempt = config.snatExemptions();
        String groups = anonymous(model.groups().stream().map(g -> g.subnet() + " : jump " + chain(g)).toList());
        String egress = anonymous(model.groups().stream().filter(g -> g.egress().isPresent())
                .map(g -> g.subnet() + " : jump " + egressChain(g)).toList());
        List<String> postrouting = new ArrayList<>();
        if (blocks != null) {
            postrouting.add("ip saddr . ip daddr " + internal + " ct status & dnat == 0 accept");
            postrouting.add("ip saddr " + blocks + " ip daddr " + anonymous(exempt) + " accept");
        }
        postrouting.add("snat to ip saddr map @floating_snat");
        if (blocks != null) {
            postrouting.add("ip saddr " + blocks + " snat to " + config.publicAddress());
        }
        List<String> forward = new ArrayList<>();
        forward.add("ct state established,related accept");
        // Out the interface it came in on, not DNATed: east-west on a project's bridge, seen here through br_netfilter
        // (ADR 0035). The bridging agent filters it at the ports; this node's group chains are for what it routes. nft
        // has no "is bridged" outside the bridge family (no physdev, no meta ibrname there): the FIB answers it.
        forward.add("ct status & dnat == 0 fib daddr . iif oif exists accept");
        if (blocks != null) {
            // Routed from one project's block to another's, not through a floating address: the other project's fixed
            // addresses are not reachable, whatever its groups open to 0.0.0.0/0 (ADR 0042). Its own block returns.
            forward.add("ip saddr " + blocks + " ip daddr " + blocks + " ct status & dnat == 0 jump " + ISOLATE);
        }
        // Egress first: its chains return what they allow, so the destination's own group filter still decides.
        if (egress != null) {
            forward.add("ip saddr vmap " + egress);
        }
        if (groups != null) {
            forward.add("ip daddr vmap " + groups);
        }

        List<String> prerouting = new ArrayList<>();
        prerouting.add("dnat to ip daddr map @floating_dnat");
        prerouting.add("ip daddr " + config.publicAddress() + " dnat ip to udp dport map @vpn_forward");
        if (blocks != null && config.metadataServer().isPresent()) {
            // The instances' metadata requests, to the metadata server; the source stays: it is how the server knows them (ADR 0033).
            prerouting.add("ip saddr " + blocks + " ip daddr " + RoutingConfig.METADATA_ADDRESS + " tcp dport "
                    + RoutingConfig.METADATA_PORT + nat(config.metadataServer().get()));
        }
        chain(out, "prerouting", "type nat hook prerouting priority dstnat; policy accept;", prerouting);
        chain(out, "output", "type nat hook output priority -100; policy accept;", List.of(
                "dnat to ip daddr map @floating_dnat"));
        chain(out, "postrouting", "type nat hook postrouting priority srcnat; policy accept;", postrouting);
        chain(out, "forward", "type filter hook forward priority filter; policy accept;", forward);
        List<String> input = new ArrayList<>();
        if (blocks != null) {
            // A network's own addresses on this node (its gateway: dnsmasq's DNS and DHCP, the metadata redirect) answer
            // that network only: another project routed through this node must not reach them (ADR 0034).
            input.add("ip saddr . ip daddr " + internal + " accept");
            input.add("ip saddr " + blocks + " ip daddr " + blocks + " drop");
        }
        chain(out, "input", "type filter hook input priority filter; policy accept;", input);
        if (blocks != null) {
            chain(out, ISOLATE, null, List.of("ip saddr . ip daddr " + internal + " return", "drop"));
        }
        for (RoutingModel.GroupChain group : model.groups()) {
            List<String> rules = new ArrayList<>();
            group.rules().forEach(rule -> rules.add(rule(rule)));
            rules.add("drop");
            chain(out, chain(group), null, rules);
        }
        for (RoutingModel.GroupChain group : model.groups()) {
            if (group.egress().isPresent()) {
                List<String> rules = new ArrayList<>();
                group.egress().get().forEach(rule -> rules.add(egressRule(rule)));
                rules.add("drop");
                chain(out, egressChain(group), null, rules);
            }
        }
        out.append("}\n");
        return out.toString();
    }

    /** The maps whose elements change one by one (associations, VPN ports): a change to them alone is a delta. */
    static final Set<String> DELTA_MAPS = Set.of("floating_dnat", "floating_snat", "vpn_forward");

    /** Everything but the delta maps' elements: when this is unchanged, a delta is enough. */
    static RoutingModel structure(RoutingModel model) {
        return new RoutingModel(List.of(), model.blocks(), List.of(), model.groups());
    }

    /**
     * The delta maps by name, key -> value, typed (a diff of 100k entries must not build 200k
     * strings), in the model's order: floating_dnat floating -> fixed, floating_snat fixed ->
     * floating, vpn_forward public port -> "target . port".
     */
    static Map<String, Map<Comparable<?>, Object>> deltaMaps(RoutingModel model) {
        Map<Comparable<?>, Object> dnat = new LinkedHashMap<>();
        Map<Comparable<?>, Object> snat = new LinkedHashMap<>();
        for (RoutingModel.FloatingMapping f : model.floating()) {
            dnat.put(f.floating(), f.fixed());
            if (f.snat()) {
                snat.put(f.fixed(), f.floating());
            }
        }
        Map<Comparable<?>, Object> forwards = new LinkedHashMap<>();
        model.forwards().forEach(f -> forwards.put(f.publicPort(), f.target() + " . " + f.targetPort()));
        return Map.of("floating_dnat", dnat, "floating_snat", snat, "vpn_forward", forwards);
    }

    /** The delta maps' elements as nft writes and lists them ("key : value"), for the drift check. */
    static Map<String, Set<String>> deltaElements(RoutingModel model) {
        return elements(deltaMaps(model));
    }

    /** Typed delta maps (see {@link #deltaMaps}) as nft lists their elements. */
    static Map<String, Set<String>> elements(Map<String, Map<Comparable<?>, Object>> maps) {
        Map<String, Set<String>> out = new TreeMap<>();
        maps.forEach((map, entries) -> {
            Set<String> elements = new HashSet<>();
            entries.forEach((key, value) -> elements.add(key + " : " + value));
            out.put(map, elements);
        });
        return out;
    }

    /**
     * One transaction that turns the delta maps of {@code from} into those of {@code to}: changed and
     * removed keys deleted, then changed and new elements added. Empty when nothing differs.
     */
    static String delta(RoutingModel from, RoutingModel to) {
        return delta(deltaMaps(from), deltaMaps(to));
    }

    /**
     * The same from typed delta maps (see {@link #deltaMaps}); a null value is no element. The maps may hold
     * only some keys (an incremental apply's: the keys it touched, before and after): keys in neither are
     * left alone.
     */
    static String delta(Map<String, Map<Comparable<?>, Object>> before,
                        Map<String, Map<Comparable<?>, Object>> after) {
        StringBuilder deletes = new StringBuilder();
        StringBuilder adds = new StringBuilder();
        for (String map : new TreeSet<>(DELTA_MAPS)) {
            Map<Comparable<?>, Object> old = before.getOrDefault(map, Map.of());
            Map<Comparable<?>, Object> now = after.getOrDefault(map, Map.of());
            List<String> gone = sorted(old.keySet().stream().filter(k -> old.get(k) != null && !old.get(k).equals(now.get(k)))
                    .toList()).stream().map(Object::toString).toList();
            List<String> come = sorted(now.keySet().stream().filter(k -> now.get(k) != null && !now.get(k).equals(old.get(k)))
                    .toList()).stream().map(k -> k + " : " + now.get(k)).toList();
            if (!gone.isEmpty()) {
                deletes.append("delete element ").append(FAMILY).append(' ').append(TABLE).append(' ').append(map)
                        .append(" { ").append(String.join(", ", gone)).append(" }\n");
            }
            if (!come.isEmpty()) {
                adds.append("add element ").append(FAMILY).append(' ').append(TABLE).append(' ').append(map)
                        .append(" { ").append(String.join(", ", come)).append(" }\n");
            }
        }
        return deletes.length() + adds.length() == 0 ? ""
                : "# factnet routing: changed associations and VPN ports only\n" + deletes + adds;
    }

    /** Keys of one map are all addresses or all ports: sorted in their own order. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<Comparable<?>> sorted(List<Comparable<?>> keys) {
        List<Comparable> copy = new ArrayList<>(keys);
        java.util.Collections.sort(copy);
        return (List) copy;
    }

    /** DNAT to the metadata server, or a redirect to its port on this node (the address of the interface it came in on). */
    private static String nat(RoutingConfig.MetadataServer server) {
        return server.address().isPresent() ? " dnat to " + server : " redirect to :" + server.port();
    }

    /** "{ a, b }", or null for none (nft has no empty anonymous set). */
    private static String anonymous(List<String> elements) {
        return elements.isEmpty() ? null : "{ " + String.join(", ", elements) + " }";
    }

    static String chain(RoutingModel.GroupChain group) {
        return "group_" + group.id();
    }

    /** The chain of a group's egress rules (only a group that has some has one). */
    static String egressChain(RoutingModel.GroupChain group) {
        return "egress_" + group.id();
    }

    /** An ingress rule: from its source, to the group; accepted. */
    public static String rule(RoutingModel.AllowRule rule) {
        return match(rule, "saddr") + "accept" + comment(rule);
    }

    /**
     * An egress rule: from the group, to its destination. It returns, not accepts: the packet goes on to the filter
     * of the group it is going to, as any other packet (a group's egress rule never opens another group's ingress).
     */
    public static String egressRule(RoutingModel.AllowRule rule) {
        return match(rule, "daddr") + "return" + comment(rule);
    }

    /**
     * The group rule's id as a comment, where nft lists it (after the verdict): {@code factnet trace} maps a matched
     * rule back to the group rule and the request that created it. The id is validated (r1, r2, ...: AllowRule), well
     * within nft's 128 bytes.
     */
    static String comment(RoutingModel.AllowRule rule) {
        return rule.comment().map(c -> " comment \"" + c + "\"").orElse("");
    }

    private static String match(RoutingModel.AllowRule rule, String remote) {
        StringBuilder out = new StringBuilder();
        if (!rule.anyRemote()) {
            out.append("ip ").append(remote).append(' ').append(rule.remote()).append(' ');
        }
        switch (rule.protocol()) {
            case TCP, UDP -> {
                String proto = rule.protocol().name().toLowerCase(java.util.Locale.ROOT);
                if (rule.fromPort().isPresent()) {
                    out.append(proto).append(" dport ").append(rule.fromPort().get());
                    if (!rule.toPort().equals(rule.fromPort())) {
                        out.append('-').append(rule.toPort().get());
                    }
                    out.append(' ');
                } else {
                    out.append("meta l4proto ").append(proto).append(' ');
                }
            }
            case ICMP -> {
                if (rule.icmpType().isPresent()) {
                    out.append("icmp type ").append(rule.icmpType().get()).append(' ');
                    rule.icmpCode().ifPresent(code -> out.append("icmp code ").append(code).append(' '));
                } else {
                    out.append("meta l4proto icmp ");
                }
            }
            case ANY -> {
                // any protocol: the remote end (if any) is the whole match
            }
        }
        return out.toString();
    }

    private static void collection(StringBuilder out, String name, String type, Map<Comparable<?>, Object> elements) {
        out.append("\tmap ").append(name).append(" {\n");
        out.append("\t\ttype ").append(type).append('\n');
        if (!elements.isEmpty()) {
            out.append("\t\telements = {\n");
            int left = elements.size();
            for (Map.Entry<Comparable<?>, Object> element : elements.entrySet()) {
                out.append("\t\t\t").append(element.getKey()).append(" : ").append(element.getValue()).append(--left > 0 ? ",\n" : "\n");
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
