package io.factnet.cli;

import io.factnet.cli.client.BrokerProbe;
import io.factnet.cli.client.ClientSettings;
import io.factnet.cli.client.KafkaClientOptions;
import io.factnet.cli.history.MomentConverter;
import io.factnet.cli.output.JsonLines;
import io.factnet.cli.request.DurationConverter;
import io.factnet.model.Node;
import io.factnet.model.NodeRole;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeProcess;
import io.factnet.node.NodeReplay;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.sim.SimulatedHost;
import io.factnet.node.runtime.KafkaAgents;
import io.factnet.node.runtime.SyncReport;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.text.SafeText;
import io.factnet.topics.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code factnet replay}: rebuilds one node's desired state from its partition of the compacted role
 * topics and renders it with the agents' render driver into a folder, to compare with what the node
 * has (see the README). Reads only: nothing is written to Kafka, nothing is applied.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Rebuild one node's desired state from the compacted role topics and render it into a folder, "
                + "as an agent with the render driver would: what an operator runs to check a node.",
                "Exit codes: 0 rendered; 2 rendered, but records were unreadable (skipped) or entries refused by the render; "
                        + "3 the node is unknown (not registered, no desired state: the empty state was rendered); "
                        + "4 --at is older than the node topics keep every record (min.compaction.lag.ms), nothing rendered; 1 errors."},
        sortOptions = false)
final class ReplayCommand implements Callable<Integer> {
    static final int EXIT_PROBLEMS = 2;
    static final int EXIT_UNKNOWN_NODE = 3;
    static final int EXIT_BEYOND_HISTORY = 4;
    /** Stands in for the public address of a node that is not registered and was given none. */
    static final String NO_ADDRESS = "0.0.0.0";
    /** The simulated kernel after the render, as canonical text, in the --to folder. */
    static final String KERNEL_FILE = "kernel.txt";

    @Option(names = "--role", split = ",", paramLabel = "ROLE", defaultValue = "${env:FACTNET_ROLE}",
            description = "Roles to replay: routing, addressing, bridging, tunneling (comma-separated or repeated; env FACTNET_ROLE).")
    List<String> roles = new ArrayList<>();

    @Option(names = "--node-id", defaultValue = "${env:FACTNET_NODE_ID}",
            description = "The node (env FACTNET_NODE_ID).")
    String nodeId;

    @Option(names = "--to", required = true, paramLabel = "DIR",
            description = "Folder to render into: one folder per role below it, which must be new or empty.")
    Path to;

    @Option(names = "--at", paramLabel = "MOMENT", converter = MomentConverter.class,
            description = {"The node's state as it was at this moment: an instant (2026-12-04T03:12:00Z) or a duration ago (90m, 2h): "
                    + "only records stamped at or before it are applied. Exact while it is within the node topics' "
                    + "min.compaction.lag.ms (factnet.topics.node-history.ms, 7 days by default); older is refused (exit 4)."})
    Instant at;

    @Option(names = "--inexact", description = "With --at older than the node topics keep every record: render what is left, "
            + "with a warning, instead of refusing (the cleaner may have removed records that were current then).")
    boolean inexact;

    @Option(names = "--progress", description = "Draw the progress bar on stderr even when it is not a terminal.")
    boolean progress;

    @Option(names = "--json", description = "Print the summary as one JSON object per role on stdout.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "<duration>", defaultValue = "5m", converter = DurationConverter.class,
            description = "Give up when a partition is not read to its end within this time. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Mixin
    NodeSettingsOptions nodeSettings = new NodeSettingsOptions();

    @Mixin
    KafkaClientOptions client = new KafkaClientOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<NodeRole> chosen = NodeCommand.roles(roles, "--role");
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("--role (or FACTNET_ROLE) is needed: routing, addressing, bridging, tunneling");
        }
        if (nodeId == null || nodeId.isBlank()) {
            throw new IllegalArgumentException("--node-id (or FACTNET_NODE_ID) is needed");
        }
        if (inexact && at == null) {
            throw new IllegalArgumentException("--inexact goes with --at (the current state is always whole in the log)");
        }
        for (NodeRole role : chosen) {
            requireEmpty(to.resolve(folderOf(role)));
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ProgressBar bar = new ProgressBar(err, progress || ProgressBar.stderrIsTerminal());
        ClientSettings settings = client.settings();
        SchemaRegistryClient registry = settings.registryClient();
        BrokerProbe.requireReachable(settings.bootstrapServers(), Duration.ofSeconds(5));
        Instant moment = at == null ? Instant.MAX : at;
        if (at != null && !exactEnough(settings, chosen, err, bar)) {
            return EXIT_BEYOND_HISTORY;
        }
        try (KafkaConsumer<String, byte[]> consumer = KafkaAgents.replayConsumer(settings.kafkaWith(Map.of()), "factnet-replay")) {
            Optional<Node> registered = NodeReplay.registration(consumer, registry, nodeId.strip(), timeout);
            String address = publicAddress(registered, bar);
            // The public zone file goes under --to like every other file, never over the operator's (--public-dns-zone-file).
            RoutingConfig given = nodeSettings.routing(address);
            RoutingConfig routing = given.publicZone().map(zone -> given.withPublicZone(zone.inDefaultPlace())).orElse(given);
            // The VPN port range, debounce and resync do not shape a render: any valid values do.
            NodeConfig config = new NodeConfig(nodeId.strip(), chosen, chosen, NodeConfig.Driver.RENDER, Optional.empty(), to,
                    routing, nodeSettings.bridging(), nodeSettings.tunneling(),
                    51820, 52819, Duration.ZERO, Duration.ZERO);
            SimulatedHost kernel = NodeProcess.simulatedKernel(config);
            List<NodeReplay.Summary> summaries = NodeReplay.run(config, consumer, registry, new NodeReplay.Listener() {
                @Override
                public void progress(TopicPartition partition, long done, long total) {
                    bar.update("replaying " + partition, done, total, "offsets");
                }

                @Override
                public void badRecord(String key, String reason) {
                    bar.message("factnet: skipped " + SafeText.line(reason) + " (key " + SafeText.quote(key) + ")");
                }
            }, timeout, kernel, moment);
            // What the render's simulated kernel holds: the same text a render node serves at /kernel.
            Files.writeString(to.resolve(KERNEL_FILE), kernel.snapshot(NodeProcess.stateRoot(to).toString()));
            summaries.forEach(summary -> print(out, summary));
            out.flush();
            return exitCode(registered.isPresent(), summaries, err);
        }
    }

    /**
     * Whether --at may be rendered: it must not be in the future, and the state then must still be whole in the log
     * (within the node topics' min.compaction.lag.ms, ADR 0036) unless --inexact says to render what is left.
     */
    private boolean exactEnough(ClientSettings settings, List<NodeRole> chosen, PrintWriter err, ProgressBar bar) {
        Instant now = Instant.now();
        if (at.isAfter(now)) {
            throw new IllegalArgumentException("--at " + at + " is in the future (now is " + now + "): the node's state then "
                    + "is not known yet");
        }
        NodeHistory history;
        try (Admin admin = Admin.create(settings.kafkaWith(Map.of()))) {
            history = NodeHistory.of(admin, chosen.stream().map(role -> Topics.forRole(role).name()).toList(), timeout);
        }
        if (history.exactAt(at, now)) {
            return true;
        }
        if (inexact) {
            bar.message("factnet: warning: " + history.tooOld(at, now) + "; rendering what is left (--inexact)");
            return true;
        }
        err.println("factnet: " + history.tooOld(at, now) + ". Nothing rendered: give --inexact to render what is left, "
                + "or keep more history (" + TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG + " on the node topics; ADR 0036)");
        err.flush();
        return false;
    }

    /** The given address, else the registered one, else a stand-in (said on stderr). */
    private String publicAddress(Optional<Node> registered, ProgressBar bar) {
        if (nodeSettings.hasPublicAddress()) {
            return nodeSettings.publicAddress;
        }
        if (registered.isPresent()) {
            return registered.get().getPublicAddress();
        }
        bar.message("factnet: node " + SafeText.field(nodeId) + " is not registered (no record in " + Topics.STATE_NODES.name()
                + "); rendering with public address " + NO_ADDRESS + " (give --public-address for the node's)");
        return NO_ADDRESS;
    }

    private int exitCode(boolean registered, List<NodeReplay.Summary> summaries, PrintWriter err) {
        if (summaries.stream().allMatch(s -> s.nodeRecords() == 0)) {
            List<String> partitions = summaries.stream().map(s -> s.partition().toString()).toList();
            err.println("factnet: node " + SafeText.field(nodeId) + " has no desired state in " + String.join(", ", partitions)
                    + (registered ? " (registered, but nothing is placed on it for these roles)"
                    : " and is not registered: an unknown node (is the node id right?); rendered the empty state"));
            err.flush();
            return registered ? 0 : EXIT_UNKNOWN_NODE;
        }
        long bad = summaries.stream().mapToLong(NodeReplay.Summary::badRecords).sum();
        long refused = summaries.stream().mapToLong(s -> s.sync().rejected().size()).sum();
        if (bad + refused > 0) {
            err.println("factnet: rendered, but " + bad + " records could not be read (skipped) and " + refused
                    + " entries were refused by the render (the node refuses them too)");
            err.flush();
            return EXIT_PROBLEMS;
        }
        return 0;
    }

    private void print(PrintWriter out, NodeReplay.Summary summary) {
        if (json) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("nodeId", nodeId);
            object.put("role", summary.role().name());
            object.put("topic", summary.partition().topic());
            object.put("partition", summary.partition().partition());
            object.put("at", at == null ? null : at.toString());
            object.put("records", summary.records());
            object.put("later", summary.later());
            object.put("nodeRecords", summary.nodeRecords());
            object.put("badRecords", summary.badRecords());
            object.put("keys", summary.keys());
            object.put("entries", summary.entries());
            object.put("refused", summary.sync().rejected().stream()
                    .map(r -> Map.of("resource", r.resource(), "reason", r.reason())).toList());
            object.put("dir", to.toAbsolutePath().toString());
            object.put("files", summary.files().stream().map(Path::toString).toList());
            JsonLines.println(out, object);
            return;
        }
        out.printf("%s of node %s from %s%s: %d records read%s, %d of this node (%d unreadable, skipped), %d keys%n",
                summary.role().name().toLowerCase(Locale.ROOT), SafeText.field(nodeId), summary.partition(),
                at == null ? "" : " at " + at, summary.records(),
                at == null ? "" : " (" + summary.later() + " stamped later, not applied)",
                summary.nodeRecords(), summary.badRecords(), summary.keys());
        out.printf("  entries  %s%n", summary.entries().isEmpty() ? "none"
                : summary.entries().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
        for (SyncReport.Rejection rejection : summary.sync().rejected()) {
            out.printf("  refused  %s%n", SafeText.line(rejection.toString()));
        }
        out.printf("  files    %d under %s%n", summary.files().size(), to.toAbsolutePath());
        summary.files().forEach(file -> out.printf("           %s%n", file));
    }

    private static String folderOf(NodeRole role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    /** The render writes its files and appends its command plan: an old folder would mix two states. */
    private static void requireEmpty(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> entries = Files.list(folder)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException(folder + " is not empty: give --to a new folder (the render would mix "
                        + "its files with the old ones)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + folder + ": " + e.getMessage(), e);
        }
    }
}
