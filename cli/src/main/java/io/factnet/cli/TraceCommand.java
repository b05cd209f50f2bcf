package io.factnet.cli;

import io.factnet.cli.client.BrokerProbe;
import io.factnet.cli.client.ClientSettings;
import io.factnet.cli.client.KafkaClientOptions;
import io.factnet.cli.history.TopicWindow;
import io.factnet.cli.output.JsonLines;
import io.factnet.cli.request.DurationConverter;
import io.factnet.cli.show.Table;
import io.factnet.model.FixedIp;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.model.Vpn;
import io.factnet.model.VpnPeer;
import io.factnet.net.Ipv4Cidr;
import io.factnet.model.Node;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeReplay;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.Ipv4Address;
import io.factnet.node.trace.CannotEvaluate;
import io.factnet.node.trace.Hop;
import io.factnet.node.trace.Packet;
import io.factnet.node.trace.PacketTracer;
import io.factnet.node.trace.ReplayedNodes;
import io.factnet.node.trace.Trace;
import io.factnet.text.SafeText;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code factnet trace}: what the nodes' desired state does with one packet, hop by hop. The nodes on its way are
 * rebuilt from the node topics as {@code factnet replay} rebuilds one ({@link ReplayedNodes}) and the packet is walked
 * through their simulated kernels ({@link PacketTracer}); nothing is read from a node, nothing is written to Kafka.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Follow a new connection's first packet through the rules the nodes' desired state gives them (the node "
                + "topics, not the kernels: a node that is down is traced too): per hop the node, table, chain, the rule that "
                + "decided, the NAT it made and the verdict.",
                "Routing nodes are traced as their nftables rendering (the iptables backend's rules are not evaluated; the "
                + "Linux agreement test holds both renderings to the same verdicts).",
                "Exit codes: 0 delivered; 2 dropped; 3 a rule or state the tracer cannot evaluate (no verdict); "
                + "4 (--applied) the acked state gives another verdict than the desired one; 1 errors."},
        sortOptions = false)
final class TraceCommand implements Callable<Integer> {
    static final int EXIT_DROPPED = 2;
    static final int EXIT_CANNOT_EVALUATE = 3;
    static final int EXIT_APPLIED_DIFFERS = 4;

    @Option(names = "--from", paramLabel = "ADDRESS", description = "Source address: an instance's fixed address, a VPN "
            + "client's (with --from-vpn), or any other (a client outside the cloud).")
    String from;

    @Option(names = "--from-vpn", paramLabel = "PROJECT", description = "Source: a VPN client of this project, out of its "
            + "tunnel on the VPN's node; the client is --from ADDRESS (in the VPN's client range) or else the VPN's first peer.")
    String fromVpn;

    @Option(names = "--from-instance", paramLabel = "INSTANCE", description = "Source: this instance of --project.")
    String fromInstance;

    @Option(names = "--to", paramLabel = "ADDRESS", description = "Destination address: a floating, fixed or public address.")
    String to;

    @Option(names = "--to-instance", paramLabel = "INSTANCE", description = "Destination: this instance of --project.")
    String toInstance;

    @Option(names = "--project", description = "The project of --from-instance and --to-instance.")
    String project;

    @Option(names = "--tcp", paramLabel = "PORT", description = "A TCP connection to this port.")
    Integer tcp;

    @Option(names = "--udp", paramLabel = "PORT", description = "A UDP packet to this port.")
    Integer udp;

    @Option(names = "--icmp", description = "An ICMP echo request (ping).")
    boolean icmp;

    @Option(names = "--json", description = "One JSON object per hop, then one for the verdict, on stdout.")
    boolean json;

    @Option(names = "--applied", description = "Also trace over what each node acked (its records up to the offset of its "
            + "last applied ack) and say per hop whether that state decides the same, and which entries a node has not applied.")
    boolean applied;

    @Option(names = "--timeout", paramLabel = "<duration>", defaultValue = "60s", converter = DurationConverter.class,
            description = "Give up when a topic is not read to its end within this time. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Mixin
    NodeSettingsOptions nodeSettings = new NodeSettingsOptions();

    @Mixin
    KafkaClientOptions client = new KafkaClientOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        ClientSettings settings = client.settings();
        BrokerProbe.requireReachable(settings.bootstrapServers(), Duration.ofSeconds(5));
        TraceFacts facts;
        Map<String, Map<NodeRole, TopicWindow.Read<Request>>> acks = Map.of();
        try (TopicWindow window = new TopicWindow(settings.kafkaWith(Map.of()), settings.registryClient(), timeout)) {
            facts = TraceFacts.read(window);
            if (applied) {
                acks = AppliedState.acks(window, facts.nodes().keySet());
            }
        }
        Optional<Vpn> vpn = fromVpn == null ? Optional.empty() : Optional.of(vpn(facts));
        Optional<FixedIp> source = fromInstance != null ? Optional.of(instance(facts, fromInstance, "--from-instance"))
                : vpn.isPresent() ? Optional.empty() : Optional.ofNullable(facts.fixedIps().get(address(from, "--from")));
        String sourceAddress = source.map(FixedIp::getAddress).orElseGet(() -> vpn.isPresent() ? vpnClient(vpn.get()) : address(from, "--from"));
        String destination = toInstance != null ? instance(facts, toInstance, "--to-instance").getAddress() : address(to, "--to");
        Packet packet = packet(sourceAddress, destination);
        Start start = vpn.isPresent() ? Start.VPN : source.isPresent() ? Start.INSTANCE : Start.OUTSIDE;
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path work = Files.createTempDirectory("factnet-trace-");
        try (KafkaConsumer<String, byte[]> consumer = ReplayedNodes.consumer(settings.kafkaWith(Map.of()), "factnet-trace")) {
            Set<String> nodeIds = new LinkedHashSet<>();
            vpn.ifPresent(v -> nodeIds.add(v.getNodeId()));
            vpn.map(v -> facts.networks().get(v.getProject())).ifPresent(n -> nodeIds.addAll(List.of(n.getNodes().getRouting(),
                    n.getNodes().getBridging())));
            nodeIds.addAll(facts.nodesFor(sourceAddress, destination));
            ReplayedNodes.Replayed replayed = replay(facts, nodeIds, work.resolve("desired"), consumer, settings, err, node -> NodeReplay.Cut.NONE);
            replayed.refused().forEach(r -> err.println("factnet: the render refused " + SafeText.line(r)
                    + " (as a node set up with these settings would; the trace follows what was rendered)"));
            List<PacketTracer.Node> nodes = replayed.nodes();
            Trace trace;
            try {
                trace = trace(new PacketTracer(nodes), start, packet);
            } catch (CannotEvaluate e) {
                err.println("factnet: no verdict: " + SafeText.line(e.getMessage()));
                err.flush();
                return EXIT_CANNOT_EVALUATE;
            }
            Optional<AppliedReport> report = Optional.empty();
            if (applied) {
                Map<String, Map<NodeRole, TopicWindow.Read<Request>>> acked = acks;
                ReplayedNodes.Replayed appliedNodes = replay(facts, nodeIds, work.resolve("applied"), consumer, settings, err,
                        node -> AppliedState.cut(acked.get(node)));
                report = Optional.of(AppliedReport.of(trace, start, packet, replayed, appliedNodes, acked));
            }
            print(out, packet, start, nodes, trace, facts.chainNames(), report);
            out.flush();
            if (report.isPresent() && !report.get().agrees()) {
                return EXIT_APPLIED_DIFFERS;
            }
            return trace.delivered() ? 0 : EXIT_DROPPED;
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(StateFiles::delete);
            }
        }
    }

    /** Where the packet starts. */
    enum Start {
        INSTANCE("an instance"), VPN("a VPN client"), OUTSIDE("outside");

        final String text;

        Start(String text) {
            this.text = text;
        }
    }

    static Trace trace(PacketTracer tracer, Start start, Packet packet) {
        return switch (start) {
            case INSTANCE -> tracer.fromInstance(packet);
            case VPN -> tracer.fromVpn(packet);
            case OUTSIDE -> tracer.fromOutside(packet);
        };
    }

    private ReplayedNodes.Replayed replay(TraceFacts facts, Set<String> nodeIds, Path work, KafkaConsumer<String, byte[]> consumer,
                                          ClientSettings settings, PrintWriter err, Function<String, NodeReplay.Cut> cuts)
            throws Exception {
        List<NodeConfig> configs = new ArrayList<>();
        for (String nodeId : nodeIds) {
            config(facts.nodes().get(nodeId), work).ifPresent(configs::add);
        }
        return ReplayedNodes.replay(configs, consumer, settings.registryClient(), new NodeReplay.Listener() {
            @Override
            public void progress(TopicPartition partition, long done, long total) {
                // a trace reads a few partitions: no progress bar
            }

            @Override
            public void badRecord(String key, String reason) {
                err.println("factnet: skipped " + SafeText.line(reason) + " (key " + SafeText.quote(key) + ")");
            }
        }, timeout, cuts);
    }

    /** The project's VPN: it must have one. */
    private Vpn vpn(TraceFacts facts) {
        Vpn vpn = facts.vpns().get(fromVpn.strip());
        if (vpn == null) {
            throw new IllegalArgumentException("--from-vpn " + SafeText.field(fromVpn) + ": the project has no VPN");
        }
        return vpn;
    }

    /** The VPN client: --from, which must be in the VPN's client range, or else its first peer. */
    private String vpnClient(Vpn vpn) {
        Ipv4Cidr range = Ipv4Cidr.parseInterface(vpn.getAddress()).networkCidr();
        if (from != null) {
            String address = address(from, "--from");
            if (!range.contains(Ipv4Address.parse(address))) {
                throw new IllegalArgumentException("--from " + address + " is not in the VPN client range " + range + " of project "
                        + SafeText.field(vpn.getProject()));
            }
            return address;
        }
        return vpn.getPeers().stream().map(VpnPeer::getAddress).findFirst().map(a -> Ipv4Cidr.parseNetworkOrAddress(a).address().toString())
                .orElseThrow(() -> new IllegalArgumentException("--from-vpn " + SafeText.field(vpn.getProject())
                        + ": the VPN has no client yet; give the client's address with --from (in " + range + ")"));
    }

    private void checkOptions() {
        if (fromVpn != null && fromInstance != null) {
            throw new IllegalArgumentException("give one of --from-vpn PROJECT and --from-instance INSTANCE");
        }
        if (fromVpn == null && (from == null) == (fromInstance == null)) {
            throw new IllegalArgumentException("give one of --from ADDRESS, --from-instance INSTANCE and --from-vpn PROJECT");
        }
        if ((to == null) == (toInstance == null)) {
            throw new IllegalArgumentException("give one of --to ADDRESS and --to-instance INSTANCE");
        }
        if ((fromInstance != null || toInstance != null) && (project == null || project.isBlank())) {
            throw new IllegalArgumentException("--from-instance and --to-instance need --project");
        }
        int protocols = (tcp != null ? 1 : 0) + (udp != null ? 1 : 0) + (icmp ? 1 : 0);
        if (protocols != 1) {
            throw new IllegalArgumentException("give one of --tcp PORT, --udp PORT and --icmp");
        }
        Integer port = tcp != null ? tcp : udp;
        if (port != null && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("port " + port + " is not 1..65535");
        }
    }

    private Packet packet(String source, String destination) {
        if (icmp) {
            return Packet.ping(source, destination);
        }
        return tcp != null ? Packet.tcp(source, destination, tcp) : Packet.udp(source, destination, udp);
    }

    private FixedIp instance(TraceFacts facts, String instance, String option) {
        return facts.instance(project.strip(), instance.strip()).orElseThrow(() -> new IllegalArgumentException(option + " "
                + SafeText.field(instance) + ": project " + SafeText.field(project) + " has no instance of that name with a fixed IP"));
    }

    private static String address(String text, String option) {
        try {
            return Ipv4Address.parse(text.strip()).toString();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + SafeText.field(text) + " is not an IPv4 address");
        }
    }

    /**
     * How a node is rebuilt: its registered routing and bridging roles (addressing and tunneling shape no packet's
     * path here), its registered public address and underlay address (unless --underlay-address is given), the rest from the node settings given (the same
     * options as {@code factnet node} and {@code factnet replay}). A node that is not registered, or has neither role,
     * is left out: the trace says where that leaves the packet.
     */
    private Optional<NodeConfig> config(Node node, Path work) {
        if (node == null || node.getRoles().isEmpty()) {
            return Optional.empty();
        }
        BridgingConfig bridging = nodeSettings.bridging(Optional.ofNullable(node.getUnderlayAddress()).map(Ipv4Address::parse));
        // The VPN port range does not shape a routing or bridging render: any valid one does.
        NodeConfig registered = new NodeConfig(node.getNodeId(), node.getRoles(), node.getRoles(), NodeConfig.Driver.RENDER,
                Optional.empty(), work.resolve(node.getNodeId()), nodeSettings.routing(node.getPublicAddress()), bridging,
                nodeSettings.tunneling(), 51820, 52819, Duration.ZERO, Duration.ZERO);
        return ReplayedNodes.forTrace(registered, registered.stateDir());
    }

    private void print(PrintWriter out, Packet packet, Start start, List<PacketTracer.Node> nodes, Trace trace,
                       Map<String, String> chainNames, Optional<AppliedReport> report) {
        String nodeList = String.join(", ", nodes.stream().map(PacketTracer.Node::name).toList());
        List<String> appliedHops = report.map(AppliedReport::hops).orElse(List.of());
        if (json) {
            for (int i = 0; i < trace.hops().size(); i++) {
                Hop hop = trace.hops().get(i);
                Map<String, Object> object = new LinkedHashMap<>();
                object.put("node", hop.node());
                object.put("table", hop.table());
                object.put("chain", hop.chain());
                object.put("chainNames", names(hop.chain(), chainNames));
                object.put("rule", hop.rule());
                object.put("nat", hop.nat());
                object.put("verdict", hop.verdict());
                object.put("entry", hop.entry().isEmpty() ? null : hop.entry());
                object.put("ruleId", hop.ruleId().isEmpty() ? null : hop.ruleId());
                object.put("requestId", hop.requestId().isEmpty() ? null : hop.requestId());
                if (report.isPresent()) {
                    object.put("applied", appliedHops.get(i));
                }
                JsonLines.println(out, object);
            }
            Map<String, Object> verdict = new LinkedHashMap<>();
            verdict.put("packet", packet.describe());
            verdict.put("from", start == Start.INSTANCE ? "instance" : start == Start.VPN ? "vpn" : "outside");
            verdict.put("nodes", nodes.stream().map(PacketTracer.Node::name).toList());
            verdict.put("rendering", "nftables");
            verdict.put("verdict", trace.verdict().name());
            verdict.put("outcome", trace.outcome());
            verdict.put("arrived", trace.arrived().describe());
            report.ifPresent(r -> verdict.put("applied", appliedJson(r)));
            JsonLines.println(out, verdict);
            return;
        }
        out.printf("%s, from %s; nodes traced (their desired state, routing as nftables): %s%n", packet.describe(), start.text,
                SafeText.line(nodeList));
        // GROUP RULE: the security group rule a group chain's hop matched (its id, from the rule's comment); REQUEST: that
        // rule's AddRule, or for any other hop the request that last wrote the entry the rule was rendered from.
        Table table = report.isPresent()
                ? new Table("NODE", "TABLE", "CHAIN", "RULE", "NAT", "VERDICT", "GROUP RULE", "REQUEST", "APPLIED")
                : new Table("NODE", "TABLE", "CHAIN", "RULE", "NAT", "VERDICT", "GROUP RULE", "REQUEST");
        for (int i = 0; i < trace.hops().size(); i++) {
            Hop hop = trace.hops().get(i);
            List<String> names = names(hop.chain(), chainNames);
            String chain = hop.chain() + (names.isEmpty() ? "" : " (" + String.join(", ", names) + ")");
            String request = hop.requestId().isEmpty() ? "" : hop.requestId();
            if (report.isPresent()) {
                table.row(hop.node(), hop.table(), chain, hop.rule(), hop.nat(), hop.verdict(), hop.ruleId(), request, appliedHops.get(i));
            } else {
                table.row(hop.node(), hop.table(), chain, hop.rule(), hop.nat(), hop.verdict(), hop.ruleId(), request);
            }
        }
        if (!table.isEmpty()) {
            table.print(out);
        }
        out.printf("%s: %s%n", trace.verdict().name(), SafeText.line(trace.outcome()));
        if (!trace.arrived().describe().equals(packet.describe())) {
            out.printf("as it arrives: %s%n", trace.arrived().describe());
        }
        report.ifPresent(r -> printApplied(out, trace, r));
    }

    private static void printApplied(PrintWriter out, Trace desired, AppliedReport report) {
        String verdict = report.trace().map(t -> t.verdict().name() + ": " + SafeText.line(t.outcome()))
                .orElse("NO VERDICT: " + SafeText.line(report.noVerdict()));
        out.printf("applied (each node's records up to its last ack): %s%n", verdict);
        out.printf("the applied state %s%n", report.agrees() ? "gives the same verdict as the desired state"
                : "gives ANOTHER verdict than the desired state (" + desired.verdict().name() + ")");
        report.acks().forEach(line -> out.printf("  %s%n", SafeText.line(line)));
        for (AppliedState.Pending p : report.pending()) {
            out.printf("  %s %s: not applied: %s%n", p.node(), p.role().name().toLowerCase(java.util.Locale.ROOT),
                    SafeText.line(p.describe()));
        }
        for (AppliedState.Pending p : report.dependsOn()) {
            out.printf("%s has not applied %s, which this trace's desired verdict depends on%n", p.node(), SafeText.line(p.describe()));
        }
    }

    private static Map<String, Object> appliedJson(AppliedReport report) {
        Map<String, Object> applied = new LinkedHashMap<>();
        applied.put("verdict", report.trace().map(t -> t.verdict().name()).orElse(null));
        applied.put("outcome", report.trace().map(Trace::outcome).orElse(report.noVerdict()));
        applied.put("agrees", report.agrees());
        applied.put("acks", report.acks());
        applied.put("notApplied", report.pending().stream().map(TraceCommand::pendingJson).toList());
        applied.put("dependsOnNotApplied", report.dependsOn().stream().map(TraceCommand::pendingJson).toList());
        return applied;
    }

    private static Map<String, Object> pendingJson(AppliedState.Pending p) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("node", p.node());
        object.put("role", p.role().name().toLowerCase(java.util.Locale.ROOT));
        object.put("entry", p.entry());
        object.put("requestId", p.requestId());
        object.put("how", p.how());
        return object;
    }

    /** The project/group of each group or egress chain named in a chain path ("forward > group_x"). */
    private static List<String> names(String chainPath, Map<String, String> chainNames) {
        return Stream.of(chainPath.split(" > ")).map(chainNames::get).filter(n -> n != null).toList();
    }
}
