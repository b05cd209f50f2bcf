package io.factnet.cli;

import io.factnet.cli.client.BrokerProbe;
import io.factnet.cli.client.ClientSettings;
import io.factnet.cli.client.KafkaClientOptions;
import io.factnet.cli.history.TopicWindow;
import io.factnet.cli.output.JsonLines;
import io.factnet.cli.request.DurationConverter;
import io.factnet.cli.show.Table;
import io.factnet.model.FixedIp;
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
                "Exit codes: 0 delivered; 2 dropped; 3 a rule or state the tracer cannot evaluate (no verdict); 1 errors."},
        sortOptions = false)
final class TraceCommand implements Callable<Integer> {
    static final int EXIT_DROPPED = 2;
    static final int EXIT_CANNOT_EVALUATE = 3;

    @Option(names = "--from", paramLabel = "ADDRESS", description = "Source address: an instance's fixed address, or any other "
            + "(a client outside the cloud).")
    String from;

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
        try (TopicWindow window = new TopicWindow(settings.kafkaWith(Map.of()), settings.registryClient(), timeout)) {
            facts = TraceFacts.read(window);
        }
        Optional<FixedIp> source = fromInstance != null ? Optional.of(instance(facts, fromInstance, "--from-instance"))
                : Optional.ofNullable(facts.fixedIps().get(address(from, "--from")));
        String sourceAddress = source.map(FixedIp::getAddress).orElse(from == null ? null : address(from, "--from"));
        String destination = toInstance != null ? instance(facts, toInstance, "--to-instance").getAddress() : address(to, "--to");
        Packet packet = packet(sourceAddress, destination);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path work = Files.createTempDirectory("factnet-trace-");
        try (KafkaConsumer<String, byte[]> consumer = ReplayedNodes.consumer(settings.kafkaWith(Map.of()), "factnet-trace")) {
            List<NodeConfig> configs = new ArrayList<>();
            for (String nodeId : facts.nodesFor(sourceAddress, destination)) {
                config(facts.nodes().get(nodeId), work).ifPresent(configs::add);
            }
            ReplayedNodes.Replayed replayed = ReplayedNodes.replay(configs, consumer, settings.registryClient(), new NodeReplay.Listener() {
                @Override
                public void progress(TopicPartition partition, long done, long total) {
                    // a trace reads a few partitions: no progress bar
                }

                @Override
                public void badRecord(String key, String reason) {
                    err.println("factnet: skipped " + SafeText.line(reason) + " (key " + SafeText.quote(key) + ")");
                }
            }, timeout);
            replayed.refused().forEach(r -> err.println("factnet: the render refused " + SafeText.line(r)
                    + " (as a node set up with these settings would; the trace follows what was rendered)"));
            List<PacketTracer.Node> nodes = replayed.nodes();
            PacketTracer tracer = new PacketTracer(nodes);
            Trace trace;
            try {
                trace = source.isPresent() ? tracer.fromInstance(packet) : tracer.fromOutside(packet);
            } catch (CannotEvaluate e) {
                err.println("factnet: no verdict: " + SafeText.line(e.getMessage()));
                err.flush();
                return EXIT_CANNOT_EVALUATE;
            }
            print(out, packet, source.isPresent(), nodes, trace, facts.chainNames());
            out.flush();
            return trace.delivered() ? 0 : EXIT_DROPPED;
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(StateFiles::delete);
            }
        }
    }

    private void checkOptions() {
        if ((from == null) == (fromInstance == null)) {
            throw new IllegalArgumentException("give one of --from ADDRESS and --from-instance INSTANCE");
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

    private void print(PrintWriter out, Packet packet, boolean fromInstance, List<PacketTracer.Node> nodes, Trace trace,
                       Map<String, String> chainNames) {
        String nodeList = String.join(", ", nodes.stream().map(PacketTracer.Node::name).toList());
        if (json) {
            for (Hop hop : trace.hops()) {
                Map<String, Object> object = new LinkedHashMap<>();
                object.put("node", hop.node());
                object.put("table", hop.table());
                object.put("chain", hop.chain());
                object.put("chainNames", names(hop.chain(), chainNames));
                object.put("rule", hop.rule());
                object.put("nat", hop.nat());
                object.put("verdict", hop.verdict());
                JsonLines.println(out, object);
            }
            Map<String, Object> verdict = new LinkedHashMap<>();
            verdict.put("packet", packet.describe());
            verdict.put("from", fromInstance ? "instance" : "outside");
            verdict.put("nodes", nodes.stream().map(PacketTracer.Node::name).toList());
            verdict.put("verdict", trace.verdict().name());
            verdict.put("outcome", trace.outcome());
            verdict.put("arrived", trace.arrived().describe());
            JsonLines.println(out, verdict);
            return;
        }
        out.printf("%s, from %s; nodes traced (their desired state): %s%n", packet.describe(),
                fromInstance ? "an instance" : "outside", SafeText.line(nodeList));
        Table table = new Table("NODE", "TABLE", "CHAIN", "RULE", "NAT", "VERDICT");
        for (Hop hop : trace.hops()) {
            List<String> names = names(hop.chain(), chainNames);
            table.row(hop.node(), hop.table(), hop.chain() + (names.isEmpty() ? "" : " (" + String.join(", ", names) + ")"),
                    hop.rule(), hop.nat(), hop.verdict());
        }
        if (!table.isEmpty()) {
            table.print(out);
        }
        out.printf("%s: %s%n", trace.verdict().name(), SafeText.line(trace.outcome()));
        if (!trace.arrived().describe().equals(packet.describe())) {
            out.printf("as it arrives: %s%n", trace.arrived().describe());
        }
    }

    /** The project/group of each group or egress chain named in a chain path ("forward > group_x"). */
    private static List<String> names(String chainPath, Map<String, String> chainNames) {
        return Stream.of(chainPath.split(" > ")).map(chainNames::get).filter(n -> n != null).toList();
    }
}
