package io.factnet.cli.demo;

import io.factnet.client.NodeTarget;
import io.factnet.model.AppliedAck;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.GroupSubnet;
import io.factnet.model.Network;
import io.factnet.model.NodeRole;
import io.factnet.model.Rule;
import io.factnet.model.SecurityGroup;
import io.factnet.model.Vpn;
import io.factnet.model.VpnPeer;
import io.factnet.topics.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the demo built, read back from the fact engine (the compacted state topics), and what each
 * node applied (its last ack) with the files its agent rendered.
 */
final class DemoSummary {
    private final Map<String, Network> networks;
    private final Map<String, SecurityGroup> groups;
    private final Map<String, GroupSubnet> subnets;
    private final Map<String, FixedIp> fixedIps;
    private final Map<String, FloatingIp> floatingIps;
    private final Map<String, Vpn> vpns;

    private DemoSummary(FactReader facts) {
        this.networks = facts.read(Topics.STATE_NETWORKS);
        this.groups = facts.read(Topics.STATE_GROUPS);
        this.subnets = facts.read(Topics.STATE_GROUP_SUBNETS);
        this.fixedIps = facts.read(Topics.STATE_FIXED_IPS);
        this.floatingIps = facts.read(Topics.STATE_FLOATING_IPS);
        this.vpns = facts.read(Topics.STATE_VPNS);
    }

    static DemoSummary read(FactReader facts) {
        return new DemoSummary(facts);
    }

    void printProjects(PrintWriter out) {
        out.printf("%s, %s, %s (%d associated), %s%n", plural(networks.size(), "project"), plural(fixedIps.size(), "instance"),
                plural(floatingIps.size(), "floating IP"), floatingIps.values().stream().filter(f -> f.getInstance() != null).count(),
                plural(vpns.size(), "VPN"));
        for (Network network : new TreeMap<>(networks).values()) {
            String project = network.getProject();
            out.println();
            out.printf("project %s: vlan %d, block %s, gateway %s, bridge %s%n", project, network.getVlan(), network.getCidr(),
                    network.getGateway(), network.getBridge());
            out.printf("  placed on: routing %s, addressing %s, bridging %s%n", network.getNodes().getRouting(),
                    network.getNodes().getAddressing(), network.getNodes().getBridging());
            for (SecurityGroup group : ofProject(groups, SecurityGroup::getProject, project).sorted(Comparator.comparing(SecurityGroup::getName)).toList()) {
                GroupSubnet subnet = subnets.get(project + "/" + group.getName());
                out.printf("  group %s: %s%s%n", group.getName(), subnet == null ? "no subnet (no instances)" : "subnet " + subnet.getCidr(),
                        group.getDescription().isEmpty() ? "" : " - " + group.getDescription());
                for (Rule rule : group.getRules()) {
                    out.printf("    rule %s: %s%n", rule.getRuleId(), describe(rule));
                }
            }
            Map<String, FloatingIp> floatingByFixed = floatingIps.values().stream()
                    .filter(f -> f.getProject().equals(project) && f.getFixedAddress() != null)
                    .collect(Collectors.toMap(FloatingIp::getFixedAddress, f -> f));
            List<FixedIp> instances = ofProject(fixedIps, FixedIp::getProject, project).sorted(Comparator.comparing(FixedIp::getInstance)).toList();
            out.printf("  instances (%d):%n", instances.size());
            for (FixedIp fixed : instances) {
                FloatingIp floating = floatingByFixed.get(fixed.getAddress());
                out.printf("    %-11s group %-8s fixed %-13s mac %s%s%s%n", fixed.getInstance(), fixed.getGroup(), fixed.getAddress(),
                        fixed.getMac(), fixed.getHost() == null ? "" : "  on " + fixed.getHost(),
                        floating == null ? "" : "  floating " + floating.getAddress());
            }
            floatingIps.values().stream().filter(f -> f.getProject().equals(project) && f.getFixedAddress() == null)
                    .forEach(f -> out.printf("    (floating %s allocated, not associated)%n", f.getAddress()));
            Vpn vpn = vpns.get(project);
            if (vpn != null) {
                out.printf("  vpn: %s on %s, endpoint %s:%d, address %s%n", vpn.getInterfaceName(), vpn.getNodeId(),
                        vpn.getPublicAddress(), vpn.getPort(), vpn.getAddress());
                for (VpnPeer peer : vpn.getPeers()) {
                    out.printf("    peer %s: %s%n", peer.getPublicKey(), peer.getAddress());
                }
            }
        }
    }

    private static String plural(int count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }

    private static <V> Stream<V> ofProject(Map<String, V> facts, Function<V, String> projectOf, String project) {
        return facts.values().stream().filter(v -> project.equals(projectOf.apply(v)));
    }

    static String describe(Rule rule) {
        String what = switch (rule.getProtocol()) {
            case TCP, UDP -> rule.getProtocol().name().toLowerCase() + " " + (rule.getFromPort().equals(rule.getToPort())
                    ? rule.getFromPort() : rule.getFromPort() + "-" + rule.getToPort());
            case ICMP -> "icmp" + (rule.getIcmpType() == null || rule.getIcmpType() < 0 ? "" : " type " + rule.getIcmpType());
            case ANY -> "any protocol";
        };
        if (rule.getDirection() == io.factnet.model.Direction.EGRESS) {
            return "egress " + what + " to "
                    + (rule.getDestinationGroup() != null ? "group " + rule.getDestinationGroup() : rule.getDestinationCidr());
        }
        return what + " from " + (rule.getSourceGroup() != null ? "group " + rule.getSourceGroup() : rule.getSourceCidr());
    }

    /** Per node: what its last ack says it holds, and the files to look at. */
    static void printNodes(PrintWriter out, DemoCloud cloud, Map<NodeTarget, AppliedAck> acks) {
        for (Scenario.DemoNode node : Scenario.NODES) {
            for (NodeRole role : node.roles()) {
                printNode(out, cloud, new NodeTarget(node.nodeId(), role), acks.get(new NodeTarget(node.nodeId(), role)));
            }
        }
    }

    private static void printNode(PrintWriter out, DemoCloud cloud, NodeTarget target, AppliedAck ack) {
        String counts = ack == null ? "" : new TreeMap<>(ack.getCounts()).entrySet().stream()
                .filter(e -> !e.getKey().equals("rejected") || e.getValue() > 0)
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        out.printf("node %s (%s): %s%n", target.nodeId(), target.roleName(), ack == null ? "no ack seen"
                : "applied up to offset " + ack.getAppliedOffset() + " of " + Topics.forRole(target.role()).name() + "-"
                + ack.getPartition() + " (" + counts + ")" + (ack.getError() == null ? "" : "; ERROR " + ack.getError()));
        Path folder = cloud.roleFolder(target.nodeId(), target.role());
        switch (target.role()) {
            case ROUTING -> {
                out.printf("  nftables ruleset (the kernel's, after every apply): %s%n", cloud.kernelRulesetFile());
                out.printf("  last full nft script:                             %s%n", folder.resolve("factnet.nft"));
            }
            case ADDRESSING -> hostsFiles(folder).forEach(hosts -> out.printf("  dnsmasq hosts file (%d hosts): %s%n",
                    lines(hosts), hosts));
            case BRIDGING, TUNNELING -> { }
        }
        out.printf("  command plan: %s%n", folder.resolve("commands.txt"));
    }

    static List<Path> hostsFiles(Path addressingFolder) {
        try (Stream<Path> folders = Files.list(addressingFolder)) {
            return folders.map(f -> f.resolve("hosts")).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long lines(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            return -1;
        }
    }

}
