package io.factnet.cli;

import static io.factnet.cli.NodeSettingsOptions.enumOf;
import static io.factnet.cli.NodeSettingsOptions.nonBlank;

import io.factnet.cli.client.ClientSettings;
import io.factnet.cli.client.KafkaClientOptions;
import io.factnet.cli.request.DurationConverter;
import io.factnet.cli.client.Names;
import io.factnet.model.NodeRole;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeMetrics;
import io.factnet.node.NodeProcess;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code factnet node}: runs this node's agents until stopped. Every option also comes from the
 * environment (FACTNET_NODE_ID, FACTNET_ROLE, ..., as docker/compose.yaml sets them); all the
 * logic is in node-consumers' {@link NodeProcess}.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Run node agents: apply this node's desired state (routing, addressing, bridging, tunneling).")
final class NodeCommand implements Callable<Integer> {

    @Mixin
    KafkaClientOptions client = new KafkaClientOptions();

    @Option(names = "--role", split = ",", paramLabel = "ROLE", defaultValue = "${env:FACTNET_ROLE}",
            description = "Roles to run here: routing, addressing, bridging, tunneling (comma-separated or repeated; env FACTNET_ROLE).")
    List<String> roles = new ArrayList<>();

    @Option(names = "--registered-roles", split = ",", paramLabel = "ROLE", defaultValue = "${env:FACTNET_ROLES}",
            description = "Roles to register the node with, when its agents run as separate processes (env FACTNET_ROLES; default: --role).")
    List<String> registeredRoles = new ArrayList<>();

    @Option(names = "--node-id", defaultValue = "${env:FACTNET_NODE_ID}",
            description = "This node's id, the node part of the desired-state keys (env FACTNET_NODE_ID).")
    String nodeId;

    @Option(names = "--driver", defaultValue = "${env:FACTNET_DRIVER:-render}",
            description = "linux (the real tools, as root) or render (files and a command plan; the default). Env FACTNET_DRIVER.")
    String driver;

    @Option(names = "--netns", defaultValue = "${env:FACTNET_NETNS}",
            description = "Run the tools inside this network namespace (linux driver; env FACTNET_NETNS).")
    String netns;

    @Option(names = "--state-dir", defaultValue = "${env:FACTNET_STATE_DIR}",
            description = "Folder for rule files, hosts files, keys and plans (env FACTNET_STATE_DIR; default /var/lib/factnet/<node-id> "
                    + "for linux, ./factnet-render/<node-id> for render).")
    Path stateDir;

    @Mixin
    NodeSettingsOptions nodeSettings = new NodeSettingsOptions();

    @Option(names = "--vpn-port-first", defaultValue = "${env:FACTNET_VPN_PORT_FIRST:-51820}",
            description = "First UDP port for VPNs on this node (env FACTNET_VPN_PORT_FIRST).")
    int vpnPortFirst;

    @Option(names = "--vpn-port-last", defaultValue = "${env:FACTNET_VPN_PORT_LAST:-52819}",
            description = "Last UDP port for VPNs on this node (env FACTNET_VPN_PORT_LAST).")
    int vpnPortLast;

    @Option(names = "--debounce", defaultValue = "${env:FACTNET_DEBOUNCE:-100ms}", converter = DurationConverter.class,
            description = "Quiet time before a batch of changes is applied (env FACTNET_DEBOUNCE).")
    Duration debounce;

    @Option(names = "--resync", defaultValue = "${env:FACTNET_RESYNC:-30s}", converter = DurationConverter.class,
            description = "Full resync period: repairs drift (env FACTNET_RESYNC).")
    Duration resync;

    @Option(names = "--fail-apply-while", paramLabel = "FILE", defaultValue = "${env:FACTNET_FAIL_APPLY_WHILE}",
            description = "Fault injection, render driver only: while FILE exists every command fails like a broken tool "
                    + "(the chaos tests' failing agent; env FACTNET_FAIL_APPLY_WHILE).")
    Path failApplyWhile;

    @Option(names = "--register", defaultValue = "${env:FACTNET_REGISTER:-false}",
            description = "Send the node's registration on factnet.admin-requests itself at start: only where its principal may "
                    + "write that topic (one principal for everything, as docker/compose.yaml). Else an operator sends the "
                    + "register-node line this command prints (env FACTNET_REGISTER).")
    boolean register;

    @Option(names = "--metrics-port", defaultValue = "${env:FACTNET_METRICS_PORT:-0}",
            description = "Serve the agents' Prometheus metrics on this port (0: off; env FACTNET_METRICS_PORT).")
    int metricsPort;

    @Option(names = "--metrics-host", defaultValue = "${env:FACTNET_METRICS_HOST:-" + NodeMetrics.DEFAULT_HOST + "}",
            description = "Address the metrics listen on (env FACTNET_METRICS_HOST; default 127.0.0.1, this host only; "
                    + "0.0.0.0 for a scraper elsewhere, e.g. in another container).")
    String metricsHost;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        NodeConfig config = config();
        ClientSettings settings = client.settings();
        PrintWriter out = spec.commandLine().getOut();
        try (UntilStopped untilStopped = new UntilStopped();
             NodeProcess node = NodeProcess.build(config, settings.kafkaWith(Map.of()), settings.registryClient()).start();
             NodeMetrics metrics = NodeMetrics.serve(metricsHost, metricsPort, node)) {
            if (register) {
                node.register();
            }
            out.println((register ? "registered on factnet.admin-requests as: " : "register it (an operator, on factnet.admin-requests): ")
                    + Names.commandLine(node.registration()));
            out.println("factnet node " + config.nodeId() + ": " + config.roles() + " with the "
                    + config.driver().name().toLowerCase(Locale.ROOT) + " driver, state in " + config.stateDir()
                    + (metricsPort > 0 ? ", metrics on " + metricsHost + ":" + metricsPort : "") + "; Ctrl-C stops");
            out.flush();
            while (!untilStopped.await(Duration.ofSeconds(1))) {
                if (node.crash().isPresent()) {
                    throw new IllegalStateException("an agent stopped", node.crash().get());
                }
            }
        }
        return 0;
    }

    NodeConfig config() {
        if (nodeId == null || nodeId.isBlank()) {
            throw new IllegalArgumentException("--node-id (or FACTNET_NODE_ID) is needed");
        }
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("--role (or FACTNET_ROLE) is needed: routing, addressing, bridging, tunneling");
        }
        if (!nodeSettings.hasPublicAddress()) {
            throw new IllegalArgumentException("--public-address (or FACTNET_PUBLIC_ADDRESS) is needed");
        }
        List<NodeRole> running = roles(roles, "--role");
        NodeConfig.Driver parsedDriver = enumOf(NodeConfig.Driver.class, driver, "--driver");
        Path dir = stateDir != null ? stateDir
                : parsedDriver == NodeConfig.Driver.LINUX ? Path.of("/var/lib/factnet", nodeId) : Path.of("factnet-render", nodeId);
        List<NodeRole> registered = nonBlank(registeredRoles).isEmpty() ? running : roles(registeredRoles, "--registered-roles");
        return new NodeConfig(nodeId.strip(), running, registered, parsedDriver, Optional.ofNullable(netns).filter(s -> !s.isBlank()),
                dir, nodeSettings.routing(nodeSettings.publicAddress), nodeSettings.bridging(), nodeSettings.tunneling(), vpnPortFirst,
                vpnPortLast, debounce, resync, Optional.ofNullable(failApplyWhile));
    }

    static List<NodeRole> roles(List<String> names, String option) {
        return nonBlank(names).stream().map(r -> enumOf(NodeRole.class, r, option)).distinct().toList();
    }
}
