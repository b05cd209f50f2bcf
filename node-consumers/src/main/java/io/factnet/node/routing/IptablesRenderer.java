package io.factnet.node.routing;

import io.factnet.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The same behavior as {@link NftRenderer} in iptables chains prefixed {@code factnet-}, in nova's
 * layout: wrapped chains jumped to from the built-in ones, written by one
 * {@code iptables-restore --noflush} that declares (and so flushes) every chain of ours and deletes
 * the ones no longer wanted. Rules of anyone else are never listed, so they are never touched.
 */
public final class IptablesRenderer {
    public static final String PREFIX = "factnet-";
    /** Built-in chain -> our chain it jumps to, per table. */
    static final Map<String, Map<String, String>> JUMPS = Map.of(
            "nat", Map.of("PREROUTING", PREFIX + "PREROUTING", "OUTPUT", PREFIX + "OUTPUT",
                    "POSTROUTING", PREFIX + "POSTROUTING"),
            "filter", Map.of("FORWARD", PREFIX + "FORWARD", "INPUT", PREFIX + "INPUT"));
    static final List<String> TABLES = List.of("nat", "filter");

    private IptablesRenderer() {
    }

    /** table -> our chain -> its rules (the arguments after "-A chain"). */
    public static Map<String, Map<String, List<String>>> chains(RoutingModel model, RoutingConfig config) {
        Map<String, List<String>> nat = new LinkedHashMap<>();
        List<String> prerouting = new ArrayList<>();
        List<String> output = new ArrayList<>();
        List<String> floatSnat = new ArrayList<>();
        for (RoutingModel.FloatingMapping f : model.floating()) {
            prerouting.add("-d " + f.floating() + "/32 -j DNAT --to-destination " + f.fixed());
            output.add("-d " + f.floating() + "/32 -j DNAT --to-destination " + f.fixed());
            if (f.snat()) {
                floatSnat.add("-s " + f.fixed() + "/32 -j SNAT --to-source " + f.floating());
            }
        }
        for (RoutingModel.PortForward f : model.forwards()) {
            prerouting.add("-d " + config.publicAddress() + "/32 -p udp -m udp --dport " + f.publicPort()
                    + " -j DNAT --to-destination " + f.target() + ":" + f.targetPort());
        }
        config.metadataServer().ifPresent(server -> {
            // The instances' metadata requests, to the metadata server; the source stays: it is how the server knows them (ADR 0033).
            for (Ipv4Cidr block : model.blocks()) {
                prerouting.add("-s " + block + " -d " + RoutingConfig.METADATA_ADDRESS + "/32 -p tcp -m tcp --dport "
                        + RoutingConfig.METADATA_PORT + (server.address().isPresent() ? " -j DNAT --to-destination " + server
                        : " -j REDIRECT --to-ports " + server.port()));
            }
        });
        List<String> postrouting = new ArrayList<>();
        List<String> snat = new ArrayList<>();
        snat.add("-j " + PREFIX + "float-snat");
        for (Ipv4Cidr block : model.blocks()) {
            postrouting.add("-s " + block + " -d " + block + " -m conntrack ! --ctstate DNAT -j ACCEPT");
            for (String exempt : config.snatExemptions()) {
                postrouting.add("-s " + block + " -d " + (exempt.contains("/") ? exempt : exempt + "/32") + " -j ACCEPT");
            }
            snat.add("-s " + block + " -j SNAT --to-source " + config.publicAddress());
        }
        postrouting.add("-j " + PREFIX + "snat");
        nat.put(PREFIX + "PREROUTING", prerouting);
        nat.put(PREFIX + "OUTPUT", output);
        nat.put(PREFIX + "POSTROUTING", postrouting);
        nat.put(PREFIX + "snat", snat);
        nat.put(PREFIX + "float-snat", floatSnat);

        Map<String, List<String>> filter = new LinkedHashMap<>();
        List<String> forward = new ArrayList<>();
        forward.add("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        // Bridged, not routed (in and out of the same bridge, seen here through br_netfilter): east-west inside a
        // project is the bridging agent's to filter at the ports (ADR 0035), not this node's group chains.
        forward.add("-m physdev --physdev-is-bridged -j ACCEPT");
        // Routed from one project's block to another's, not through a floating address: dropped whatever the groups
        // open (ADR 0042). The same block returns; the other blocks drop (two chains, as for INPUT below).
        List<String> isolate = new ArrayList<>();
        for (Ipv4Cidr block : model.blocks()) {
            forward.add("-s " + block + " -m conntrack ! --ctstate DNAT -j " + PREFIX + "isolate");
            isolate.add("-s " + block + " -d " + block + " -j RETURN");
        }
        for (Ipv4Cidr block : model.blocks()) {
            isolate.add("-d " + block + " -j DROP");
        }
        filter.put(PREFIX + "FORWARD", forward);
        filter.put(PREFIX + "isolate", isolate);
        // A network's own addresses on this node answer that network only (ADR 0034): same block returns, then a
        // source in any block to a destination in any block is dropped (two chains: linear in the blocks).
        List<String> input = new ArrayList<>();
        List<String> toBlocks = new ArrayList<>();
        for (Ipv4Cidr block : model.blocks()) {
            input.add("-s " + block + " -d " + block + " -j RETURN");
        }
        for (Ipv4Cidr block : model.blocks()) {
            input.add("-s " + block + " -j " + PREFIX + "in-blocks");
            toBlocks.add("-d " + block + " -j DROP");
        }
        filter.put(PREFIX + "INPUT", input);
        filter.put(PREFIX + "in-blocks", toBlocks);
        // Egress first: its chains RETURN what they allow, so the destination's own group filter still decides.
        for (RoutingModel.GroupChain group : model.groups()) {
            if (group.egress().isPresent()) {
                String chain = PREFIX + "e-" + group.id();
                forward.add("-s " + group.subnet() + " -j " + chain);
                List<String> rules = new ArrayList<>();
                group.egress().get().forEach(rule -> rules.add(egressRule(rule)));
                rules.add("-j DROP");
                filter.put(chain, rules);
            }
        }
        for (RoutingModel.GroupChain group : model.groups()) {
            String chain = PREFIX + "g-" + group.id();
            forward.add("-d " + group.subnet() + " -j " + chain);
            List<String> rules = new ArrayList<>();
            group.rules().forEach(rule -> rules.add(rule(rule)));
            rules.add("-j DROP");
            filter.put(chain, rules);
        }
        return Map.of("nat", nat, "filter", filter);
    }

    /** An ingress rule in the exact form {@code iptables -S} prints it (source before protocol), so drift checks compare text. */
    static String rule(RoutingModel.AllowRule rule) {
        return match(rule, "-s ") + "-j ACCEPT";
    }

    /** An egress rule, the same way (destination before protocol); RETURN: the destination's group filter comes next. */
    static String egressRule(RoutingModel.AllowRule rule) {
        return match(rule, "-d ") + "-j RETURN";
    }

    private static String match(RoutingModel.AllowRule rule, String remote) {
        StringBuilder out = new StringBuilder();
        if (!rule.anyRemote()) {
            out.append(remote).append(rule.remote()).append(' ');
        }
        if (rule.protocol() != io.factnet.model.Protocol.ANY) {
            out.append("-p ").append(rule.protocol().name().toLowerCase(Locale.ROOT)).append(' ');
        }
        switch (rule.protocol()) {
            case TCP, UDP -> rule.fromPort().ifPresent(from -> {
                String proto = rule.protocol().name().toLowerCase(Locale.ROOT);
                out.append("-m ").append(proto).append(" --dport ").append(from);
                if (!rule.toPort().equals(rule.fromPort())) {
                    out.append(':').append(rule.toPort().get());
                }
                out.append(' ');
            });
            case ICMP -> rule.icmpType().ifPresent(type -> {
                out.append("-m icmp --icmp-type ").append(type);
                rule.icmpCode().ifPresent(code -> out.append('/').append(code));
                out.append(' ');
            });
            case ANY -> {
                // the remote end (if any) is the whole match
            }
        }
        return out.toString();
    }

    /**
     * The iptables-restore --noflush input: every wanted chain declared (which flushes it) and filled,
     * missing jumps from the built-in chains inserted first, and our chains no longer wanted declared
     * and deleted.
     *
     * @param existing table -> chains of ours that exist now
     * @param jumping  table -> built-in chains that already jump to ours
     */
    public static String restoreInput(Map<String, Map<String, List<String>>> wanted, Map<String, Set<String>> existing,
                                      Map<String, Set<String>> jumping) {
        StringBuilder out = new StringBuilder();
        out.append("# factnet routing: our chains only (prefix ").append(PREFIX).append("), iptables-restore --noflush\n");
        for (String table : TABLES) {
            Map<String, List<String>> chains = wanted.get(table);
            List<String> stale = existing.getOrDefault(table, Set.of()).stream()
                    .filter(chain -> !chains.containsKey(chain)).sorted().toList();
            out.append('*').append(table).append('\n');
            chains.keySet().forEach(chain -> out.append(':').append(chain).append(" - [0:0]\n"));
            stale.forEach(chain -> out.append(':').append(chain).append(" - [0:0]\n"));
            chains.forEach((chain, rules) -> rules.forEach(rule -> out.append("-A ").append(chain).append(' ').append(rule).append('\n')));
            JUMPS.get(table).entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(jump -> {
                if (!jumping.getOrDefault(table, Set.of()).contains(jump.getKey())) {
                    out.append("-I ").append(jump.getKey()).append(" 1 -j ").append(jump.getValue()).append('\n');
                }
            });
            stale.forEach(chain -> out.append("-X ").append(chain).append('\n'));
            out.append("COMMIT\n");
        }
        return out.toString();
    }
}
