package io.factnet.cli;

import io.factnet.model.NodeRole;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeProcess;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.net.InterfaceName;
import io.factnet.node.net.Ipv4Address;
import io.factnet.node.net.Ipv4Cidr;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.tunneling.TunnelingConfig;
import io.factnet.registry.SchemaRegistryClients;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code factnet node}: runs this node's agents until Ctrl-C. All logic is in node-consumers' NodeProcess. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Run node agents: apply this node's desired state (routing, addressing, bridging, tunneling).")
final class NodeCommand implements Callable<Integer> {

    @Option(names = "--role", required = true, split = ",", paramLabel = "ROLE",
            description = "routing, addressing, bridging, tunneling (repeat or comma-separate to run several).")
    List<String> roles;

    @Option(names = "--node-id", required = true, description = "This node's id (the node part of the desired-state keys).")
    String nodeId;

    @Option(names = "--driver", defaultValue = "render", description = "linux (the real tools, as root) or render (files and a command plan; default).")
    String driver;

    @Option(names = "--netns", description = "Run the tools inside this network namespace (linux driver).")
    String netns;

    @Option(names = "--state-dir", description = "Folder for rule files, hosts files, keys and plans (default: /var/lib/factnet/<node-id> for linux, ./factnet-render/<node-id> for render).")
    Path stateDir;

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", defaultValue = "http://localhost:8081", description = "Schema registry URL (mock://scope for in-memory).")
    String registryUrl;

    @Option(names = "--public-address", required = true, description = "This node's public address (SNAT source, VPN endpoint, registration).")
    String publicAddress;

    @Option(names = "--public-interface", defaultValue = "eth0", description = "Interface that carries the floating addresses.")
    String publicInterface;

    @Option(names = "--metadata-host", defaultValue = "169.254.169.254", description = "Traffic to it is not SNATed.")
    String metadataHost;

    @Option(names = "--dmz-cidr", description = "Destinations reached without SNAT (repeatable).")
    List<String> dmzCidrs = new ArrayList<>();

    @Option(names = "--firewall", defaultValue = "nftables", description = "nftables (one table factnet) or iptables (chains factnet-*).")
    String firewall;

    @Option(names = "--vlan-mode", defaultValue = "tagged", description = "tagged (VLAN links, needs 802.1Q) or untagged.")
    String vlanMode;

    @Option(names = "--physical-interface", paramLabel = "PHYSNET=IFACE", description = "Physical network to interface, e.g. physnet1=eth1 (repeatable).")
    Map<String, String> physicalInterfaces = new LinkedHashMap<>();

    @Option(names = "--wireguard", defaultValue = "auto", description = "auto, kernel or userspace (wireguard-go).")
    String wireguard;

    @Option(names = "--interface-prefix", defaultValue = "", description = "Prefix of VPN interface names (unique per machine for wireguard-go).")
    String interfacePrefix;

    @Option(names = "--vpn-ports", defaultValue = "51820-52819", description = "UDP port range for VPNs on this node.")
    String vpnPorts;

    @Option(names = "--debounce", defaultValue = "100ms", description = "Quiet time before a batch of changes is applied.")
    String debounce;

    @Option(names = "--resync", defaultValue = "30s", description = "Full resync period (repairs drift).")
    String resync;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        NodeConfig config = config();
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> clients = Map.of("bootstrap.servers", bootstrapServers);
        try (NodeProcess node = NodeProcess.build(config, clients,
                SchemaRegistryClients.create(Map.of("schema.registry.url", registryUrl))).start()) {
            out.println("factnet node " + nodeId + ": " + config.roles() + " with the " + driver + " driver; Ctrl-C stops");
            out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            while (!stop.await(1, TimeUnit.SECONDS)) {
                if (node.crash().isPresent()) {
                    throw new IllegalStateException("an agent stopped", node.crash().get());
                }
            }
        }
        return 0;
    }

    NodeConfig config() {
        List<NodeRole> parsedRoles = roles.stream().map(r -> enumOf(NodeRole.class, r, "--role")).distinct().toList();
        NodeConfig.Driver parsedDriver = enumOf(NodeConfig.Driver.class, driver, "--driver");
        Path dir = stateDir != null ? stateDir
                : parsedDriver == NodeConfig.Driver.LINUX ? Path.of("/var/lib/factnet", nodeId) : Path.of("factnet-render", nodeId);
        RoutingConfig routing = new RoutingConfig(Ipv4Address.parse(publicAddress), new InterfaceName(publicInterface),
                Ipv4Address.parse(metadataHost), dmzCidrs.stream().map(Ipv4Cidr::parseNetwork).toList(),
                enumOf(RoutingConfig.Firewall.class, firewall, "--firewall"));
        Map<String, InterfaceName> physical = new LinkedHashMap<>();
        physicalInterfaces.forEach((net, iface) -> physical.put(net, new InterfaceName(iface)));
        BridgingConfig bridging = new BridgingConfig(enumOf(BridgingConfig.VlanMode.class, vlanMode, "--vlan-mode"), physical);
        TunnelingConfig tunneling = new TunnelingConfig(interfacePrefix,
                enumOf(TunnelingConfig.Implementation.class, wireguard, "--wireguard"));
        String[] ports = vpnPorts.split("-", 2);
        if (ports.length != 2) {
            throw new IllegalArgumentException("--vpn-ports takes FIRST-LAST, e.g. 51820-52819");
        }
        return new NodeConfig(nodeId, parsedRoles, parsedDriver, Optional.ofNullable(netns), dir, routing, bridging,
                tunneling, Integer.parseInt(ports[0].strip()), Integer.parseInt(ports[1].strip()), duration(debounce, "--debounce"),
                duration(resync, "--resync"));
    }

    static <E extends Enum<E>> E enumOf(Class<E> type, String value, String option) {
        try {
            return Enum.valueOf(type, value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> names = java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList();
            throw new IllegalArgumentException(option + " " + value + " is not one of " + names);
        }
    }

    /** 100ms, 30s, 5m, or ISO-8601 (PT30S). */
    static Duration duration(String text, String option) {
        String value = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (value.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            }
            if (value.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
            }
            if (value.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1)));
            }
            return Duration.parse(text.strip().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + " " + text + " is not a duration (100ms, 30s, 5m)");
        }
    }
}
