package io.factnet.node.routing;

import io.factnet.model.EgressFilterRule;
import io.factnet.model.FilterRule;
import io.factnet.model.FloatingNat;
import io.factnet.model.GroupFilter;
import io.factnet.model.NetworkSnat;
import io.factnet.model.Protocol;
import io.factnet.model.RoutingEntry;
import io.factnet.model.VpnForward;
import io.factnet.net.InvalidValueException;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.net.Ports;
import io.factnet.node.runtime.SyncReport.Rejection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Turns the node's routing entries into a {@link RoutingModel}: every value parsed, every entry
 * checked against the others. An invalid or conflicting entry is left out with a reason and the
 * rest goes on. Projects stay apart: a floating address may only point into its own project's
 * block, a group subnet may not lie in another project's block.
 */
public final class RoutingModelBuilder {

    public record Built(RoutingModel model, List<Rejection> rejected) {
    }

    private final List<Rejection> rejected = new ArrayList<>();
    private RoutingConfig config;
    /** By network address: blocks never overlap, so an address lies in the floor entry's block or in none. */
    private final NavigableMap<Ipv4Address, Block> blocks = new TreeMap<>();
    private final Set<String> projectsWithBlocks = new HashSet<>();

    private record Block(Ipv4Cidr cidr, String project) {
    }

    private RoutingModelBuilder() {
    }

    public static Built build(SortedMap<String, RoutingEntry> entries, RoutingConfig config) {
        return new RoutingModelBuilder().run(entries, config);
    }

    /**
     * The builder after the whole build of {@code entries}: its blocks and the model's structure, to check
     * entries that change later against ({@link RoutingState}: associations and VPN ports change one by one,
     * checked by the same code as here).
     */
    static RoutingModelBuilder structureOf(SortedMap<String, RoutingEntry> entries, RoutingConfig config, List<Built> out) {
        RoutingModelBuilder builder = new RoutingModelBuilder();
        out.add(builder.run(entries, config));
        return builder;
    }

    /** Is {@code value} part of the structure (blocks, groups), not one of the entries that change one by one? */
    static boolean structural(Object value) {
        return value instanceof NetworkSnat || value instanceof GroupFilter;
    }

    /** A floating association checked on its own (values, blocks, the public address), before the check for doubles. */
    RoutingModel.FloatingMapping floatingCandidate(String project, FloatingNat nat) {
        Ipv4Address address = Ipv4Address.parse(nat.getFloatingAddress());
        Ipv4Address fixed = Ipv4Address.parse(nat.getFixedAddress());
        checkOwnAddress(project, fixed, "fixed address");
        if (blockOf(address).isPresent() || address.equals(config.publicAddress())) {
            throw new InvalidValueException("floating address", address.toString(),
                    "is the node's public address or inside a project block");
        }
        return new RoutingModel.FloatingMapping(address, fixed, true);
    }

    static String associatedTwice(Ipv4Address address) {
        return new InvalidValueException("floating address", address.toString(), "is associated twice").getMessage();
    }

    /** A VPN port forward checked on its own, before the check for doubles. */
    static RoutingModel.PortForward forwardCandidate(VpnForward forward) {
        int port = Ports.port(forward.getPublicPort(), "public port");
        Ipv4Address target = Ipv4Address.parse(forward.getTargetAddress());
        int targetPort = Ports.port(forward.getTargetPort(), "target port");
        return new RoutingModel.PortForward(port, target, targetPort);
    }

    static String forwardedTwice(int port) {
        return new InvalidValueException("public port", String.valueOf(port), "is forwarded twice").getMessage();
    }

    private Built run(SortedMap<String, RoutingEntry> entries, RoutingConfig config) {
        this.config = config;
        // Blocks first: the other entries are checked against them.
        entries.forEach((resource, entry) -> {
            if (entry.getEntry() instanceof NetworkSnat snat) {
                guard(resource, () -> addBlock(entry.getProject(), Ipv4Cidr.parseNetwork(snat.getCidr())));
            }
        });
        List<RoutingModel.FloatingMapping> floating = new ArrayList<>();
        List<RoutingModel.PortForward> forwards = new ArrayList<>();
        List<RoutingModel.GroupChain> groups = new ArrayList<>();
        NavigableMap<Ipv4Address, RoutingModel.GroupChain> groupsBySubnet = new TreeMap<>();
        Set<Ipv4Address> floatingSeen = new HashSet<>();
        Set<Ipv4Address> snatSeen = new HashSet<>();
        Set<Integer> portsSeen = new HashSet<>();
        entries.forEach((resource, entry) -> guard(resource, () -> {
            String project = entry.getProject();
            Object value = entry.getEntry();
            if (value instanceof FloatingNat nat) {
                RoutingModel.FloatingMapping candidate = floatingCandidate(project, nat);
                Ipv4Address address = candidate.floating();
                Ipv4Address fixed = candidate.fixed();
                if (!floatingSeen.add(address)) {
                    throw new InvalidValueException("floating address", address.toString(), "is associated twice");
                }
                floating.add(new RoutingModel.FloatingMapping(address, fixed, snatSeen.add(fixed)));
            } else if (value instanceof VpnForward forward) {
                RoutingModel.PortForward candidate = forwardCandidate(forward);
                int port = candidate.publicPort();
                if (!portsSeen.add(port)) {
                    throw new InvalidValueException("public port", String.valueOf(port), "is forwarded twice");
                }
                forwards.add(candidate);
            } else if (value instanceof GroupFilter filter) {
                RoutingModel.GroupChain group = group(resource, project, filter, groupsBySubnet);
                groupsBySubnet.put(group.subnet().network(), group);
                groups.add(group);
            }
        }));
        floating.sort(Comparator.comparing(RoutingModel.FloatingMapping::floating));
        forwards.sort(Comparator.comparingInt(RoutingModel.PortForward::publicPort));
        groups.sort(Comparator.comparing(g -> g.subnet().network()));
        List<Ipv4Cidr> blockCidrs = blocks.values().stream().map(Block::cidr).toList();
        return new Built(new RoutingModel(floating, blockCidrs, forwards, groups), rejected);
    }

    private void addBlock(String project, Ipv4Cidr cidr) {
        Optional<Block> overlapping = overlapping(blocks, cidr, Block::cidr);
        if (overlapping.isPresent()) {
            Block block = overlapping.get();
            if (block.cidr().equals(cidr) && block.project().equals(project)) {
                return;
            }
            throw new InvalidValueException("network block", cidr.toString(), "overlaps " + block.cidr()
                    + (block.project().equals(project) ? "" : " of another project"));
        }
        blocks.put(cidr.network(), new Block(cidr, project));
        projectsWithBlocks.add(project);
    }

    /**
     * The entry of a map of non-overlapping CIDRs (keyed by network address) that overlaps {@code cidr}:
     * the one starting at or below its network address, or the first one starting inside it.
     * A lookup of log n, where a scan of all blocks made a node's model quadratic in its networks.
     */
    private static <T> Optional<T> overlapping(NavigableMap<Ipv4Address, T> map, Ipv4Cidr cidr, Function<T, Ipv4Cidr> cidrOf) {
        Map.Entry<Ipv4Address, T> below = map.floorEntry(cidr.network());
        if (below != null && cidrOf.apply(below.getValue()).overlaps(cidr)) {
            return Optional.of(below.getValue());
        }
        Map.Entry<Ipv4Address, T> above = map.higherEntry(cidr.network());
        return above != null && cidrOf.apply(above.getValue()).overlaps(cidr) ? Optional.of(above.getValue()) : Optional.empty();
    }

    private Optional<Block> blockOf(Ipv4Address address) {
        return overlapping(blocks, Ipv4Cidr.host(address), Block::cidr);
    }

    /** An address of the project must lie in the project's own block, never in another project's. */
    private void checkOwnAddress(String project, Ipv4Address address, String what) {
        Optional<Block> block = blockOf(address);
        if (block.isPresent() && !block.get().project().equals(project)) {
            throw new InvalidValueException(what, address.toString(), "is in another project's block");
        }
        if (block.isEmpty() && projectsWithBlocks.contains(project)) {
            throw new InvalidValueException(what, address.toString(), "is outside the project's block");
        }
    }

    private RoutingModel.GroupChain group(String resource, String project, GroupFilter filter,
                                          NavigableMap<Ipv4Address, RoutingModel.GroupChain> earlier) {
        Ipv4Cidr subnet = Ipv4Cidr.parseNetwork(filter.getSubnet());
        checkOwnAddress(project, subnet.network(), "group subnet");
        checkOwnAddress(project, subnet.last(), "group subnet");
        Optional<RoutingModel.GroupChain> other = overlapping(earlier, subnet, RoutingModel.GroupChain::subnet);
        if (other.isPresent()) {
            throw new InvalidValueException("group subnet", subnet.toString(), "overlaps another group's " + other.get().subnet());
        }
        // A bad rule is left out and reported; the group keeps its other rules and still ends in drop (fails closed).
        List<RoutingModel.AllowRule> rules = new ArrayList<>();
        List<FilterRule> given = filter.getRules();
        for (int i = 0; i < given.size(); i++) {
            FilterRule r = given.get(i);
            guard(resource + "#rule" + i, () -> rules.add(rule(r)));
        }
        // Egress the same way: a bad rule is left out, the filter still ends in drop.
        Optional<List<RoutingModel.AllowRule>> egress = Optional.empty();
        if (filter.getEgress() != null) {
            List<RoutingModel.AllowRule> out = new ArrayList<>();
            List<EgressFilterRule> egressRules = filter.getEgress();
            for (int i = 0; i < egressRules.size(); i++) {
                EgressFilterRule r = egressRules.get(i);
                guard(resource + "#egress" + i, () -> out.add(rule(r)));
            }
            egress = Optional.of(out);
        }
        return new RoutingModel.GroupChain(chainId(project, filter.getGroup()), subnet, rules, egress);
    }

    /** An ingress rule of a group filter, with the id of the group rule it came from (validated: it becomes a comment). */
    public static RoutingModel.AllowRule rule(FilterRule rule) {
        return withId(rule(rule.getProtocol(), rule.getSourceCidr(), rule.getFromPort(), rule.getToPort(), rule.getIcmpType(),
                rule.getIcmpCode()), rule.getRuleId());
    }

    /** An egress rule of a group filter, the same way. */
    public static RoutingModel.AllowRule rule(EgressFilterRule rule) {
        return withId(rule(rule.getProtocol(), rule.getDestinationCidr(), rule.getFromPort(), rule.getToPort(), rule.getIcmpType(),
                rule.getIcmpCode()), rule.getRuleId());
    }

    private static RoutingModel.AllowRule withId(RoutingModel.AllowRule r, String ruleId) {
        return new RoutingModel.AllowRule(r.protocol(), r.remote(), r.fromPort(), r.toPort(), r.icmpType(), r.icmpCode(),
                Optional.ofNullable(ruleId));
    }

    /** One rule of either direction, {@code remote} its source (ingress) or destination (egress). */
    public static RoutingModel.AllowRule rule(Protocol protocol, String remoteCidr, Integer fromPort, Integer toPort, Integer icmpType,
                                       Integer icmpCode) {
        Ipv4Cidr source = Ipv4Cidr.parseNetworkOrAddress(remoteCidr);
        Optional<Integer> from = Optional.empty();
        Optional<Integer> to = Optional.empty();
        Optional<Integer> type = Optional.empty();
        Optional<Integer> code = Optional.empty();
        if (protocol == Protocol.TCP || protocol == Protocol.UDP) {
            if (fromPort != null || toPort != null) {
                int first = Ports.port(fromPort != null ? fromPort : toPort, "from port");
                int last = Ports.port(toPort != null ? toPort : fromPort, "to port");
                if (last < first) {
                    throw new InvalidValueException("port range", first + "-" + last, "ends before it starts");
                }
                from = Optional.of(first);
                to = Optional.of(last);
            }
        } else if (protocol == Protocol.ICMP) {
            if (icmpType != null) {
                type = Optional.of(Ports.icmp(icmpType, "icmp type"));
            }
            if (icmpCode != null) {
                if (type.isEmpty()) {
                    throw new InvalidValueException("icmp code", String.valueOf(icmpCode), "needs an icmp type");
                }
                code = Optional.of(Ports.icmp(icmpCode, "icmp code"));
            }
        }
        return new RoutingModel.AllowRule(protocol, source, from, to, type, code);
    }

    /**
     * The id of a group's chain: a hash of project and group name, never the names themselves (they
     * are user text). 16 hex digits keep "factnet-g-" + id within iptables' 28-character limit.
     */
    public static String chainId(String project, String group) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((project + "\0" + group).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void guard(String resource, Runnable step) {
        try {
            step.run();
        } catch (IllegalArgumentException e) {
            rejected.add(new Rejection(resource, e.getMessage()));
        }
    }

    static Map<String, Long> counts(RoutingModel model, int rejected) {
        Map<String, Long> counts = new HashMap<>();
        counts.put("floatingIps", (long) model.floating().size());
        counts.put("networks", (long) model.blocks().size());
        counts.put("vpnForwards", (long) model.forwards().size());
        counts.put("groups", (long) model.groups().size());
        counts.put("rules", model.groups().stream().mapToLong(g -> g.rules().size() + g.egress().map(List::size).orElse(0)).sum());
        counts.put("rejected", (long) rejected);
        return counts;
    }
}
