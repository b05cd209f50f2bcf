package io.factnet.node.routing;

import io.factnet.node.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders the routing node's whole state as one nft script: our table, created if missing, deleted
 * and made again, in one transaction. Floating addresses live in maps (one element per address),
 * never in a chain or a map per address: nft loads 100k of them in about a second.
 */
public final class NftRenderer {
    public static final String FAMILY = "ip";
    public static final String TABLE = "factnet";

    private NftRenderer() {
    }

    public static String render(RoutingModel model, RoutingConfig config) {
        StringBuilder out = new StringBuilder(64 + model.floating().size() * 64);
        out.append("# factnet routing: the node's whole NAT and filter state, one transaction (nft -f).\n");
        out.append("# Only table ").append(FAMILY).append(' ').append(TABLE).append(" is touched: made if missing, deleted, made again.\n");
        out.append("table ").append(FAMILY).append(' ').append(TABLE).append('\n');
        out.append("delete table ").append(FAMILY).append(' ').append(TABLE).append('\n');
        out.append("table ").append(FAMILY).append(' ').append(TABLE).append(" {\n");

        List<String> dnat = new ArrayList<>();
        List<String> snat = new ArrayList<>();
        for (RoutingModel.FloatingMapping f : model.floating()) {
            dnat.add(f.floating() + " : " + f.fixed());
            if (f.snat()) {
                snat.add(f.fixed() + " : " + f.floating());
            }
        }
        collection(out, "map", "floating_dnat", "ipv4_addr : ipv4_addr", null, dnat);
        collection(out, "map", "floating_snat", "ipv4_addr : ipv4_addr", null, snat);
        collection(out, "set", "blocks", "ipv4_addr", "interval", model.blocks().stream().map(Ipv4Cidr::toString).toList());
        collection(out, "set", "block_internal", "ipv4_addr . ipv4_addr", "interval",
                model.blocks().stream().map(b -> b + " . " + b).toList());
        List<String> exempt = new ArrayList<>();
        exempt.add(config.metadataHost().toString());
        config.dmzCidrs().forEach(d -> exempt.add(d.toString()));
        collection(out, "set", "snat_exempt", "ipv4_addr", "interval; auto-merge", exempt);
        collection(out, "map", "vpn_forward", "inet_service : ipv4_addr . inet_service", null,
                model.forwards().stream().map(f -> f.publicPort() + " : " + f.target() + " . " + f.targetPort()).toList());
        collection(out, "map", "group_filter", "ipv4_addr : verdict", "interval",
                model.groups().stream().map(g -> g.subnet() + " : jump " + chain(g)).toList());

        chain(out, "prerouting", "type nat hook prerouting priority dstnat; policy accept;", List.of(
                "dnat to ip daddr map @floating_dnat",
                "ip daddr " + config.publicAddress() + " dnat ip to udp dport map @vpn_forward"));
        chain(out, "output", "type nat hook output priority -100; policy accept;", List.of(
                "dnat to ip daddr map @floating_dnat"));
        chain(out, "postrouting", "type nat hook postrouting priority srcnat; policy accept;", List.of(
                "ip saddr . ip daddr @block_internal ct status & dnat == 0 accept",
                "ip saddr @blocks ip daddr @snat_exempt accept",
                "snat to ip saddr map @floating_snat",
                "ip saddr @blocks snat to " + config.publicAddress()));
        chain(out, "forward", "type filter hook forward priority filter; policy accept;", List.of(
                "ct state established,related accept",
                "ip daddr vmap @group_filter"));
        for (RoutingModel.GroupChain group : model.groups()) {
            List<String> rules = new ArrayList<>();
            group.rules().forEach(rule -> rules.add(rule(rule)));
            rules.add("drop");
            chain(out, chain(group), null, rules);
        }
        out.append("}\n");
        return out.toString();
    }

    static String chain(RoutingModel.GroupChain group) {
        return "group_" + group.id();
    }

    static String rule(RoutingModel.AllowRule rule) {
        StringBuilder out = new StringBuilder();
        if (!rule.anySource()) {
            out.append("ip saddr ").append(rule.source()).append(' ');
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
                // any protocol: the source (if any) is the whole match
            }
        }
        return out.append("accept").toString();
    }

    private static void collection(StringBuilder out, String kind, String name, String type, String flags,
                                   List<String> elements) {
        out.append('\t').append(kind).append(' ').append(name).append(" {\n");
        out.append("\t\ttype ").append(type).append('\n');
        if (flags != null) {
            out.append("\t\tflags ").append(flags).append('\n');
        }
        if (!elements.isEmpty()) {
            out.append("\t\telements = {\n");
            for (int i = 0; i < elements.size(); i++) {
                out.append("\t\t\t").append(elements.get(i)).append(i + 1 < elements.size() ? ",\n" : "\n");
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
