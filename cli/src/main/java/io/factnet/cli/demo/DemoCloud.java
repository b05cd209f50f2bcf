package io.factnet.cli.demo;

import io.factnet.controller.Controller;
import io.factnet.controller.ControllerConfig;
import io.factnet.controller.http.ControllerServer;
import io.factnet.embedded.ApicurioRegistry;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.NodeRole;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeProcess;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.tunneling.TunnelingConfig;
import io.factnet.registry.HttpSchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryConfig;
import io.factnet.node.exec.Command;
import io.factnet.node.exec.StateFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Everything the demo runs, on this machine: Kafka (KRaft, in process), Apicurio Registry (a child
 * process), the controller with its HTTP API (in process, on loopback) and the nodes with the render
 * driver (in process, files under {@code <work>/nodes/<node-id>/<role>/}). Closes in the reverse order.
 */
public final class DemoCloud implements AutoCloseable {
    /** The routing node's kernel ruleset, written by the demo (the render driver's kernel is simulated). */
    static final String RULESET_FILE = "ruleset.nft";

    private final Path work;
    private final List<AutoCloseable> running = new ArrayList<>();
    private ApicurioRegistry registry;
    private EmbeddedKafka kafka;
    private ControllerServer controller;
    private final List<NodeProcess> nodes = new ArrayList<>();

    private DemoCloud(Path work) {
        this.work = work;
    }

    /** Starts the broker and the registry (side by side), then the controller; the nodes come with {@link #startNodes}. */
    public static DemoCloud start(Path work) throws Exception {
        DemoCloud cloud = new DemoCloud(work);
        try {
            CompletableFuture<ApicurioRegistry> registry = CompletableFuture.supplyAsync(
                    () -> ApicurioRegistry.start(work.resolve("registry")));
            try {
                cloud.kafka = cloud.add(EmbeddedKafka.start(work.resolve("kafka")));
            } finally {
                cloud.registry = cloud.add(join(registry));
            }
            cloud.controller = cloud.add(ControllerServer.start(ControllerConfig.from(cloud.controllerProperties())));
            if (!cloud.controller.controller().awaitRunning(Duration.ofSeconds(60))) {
                throw new IllegalStateException("the controller did not reach RUNNING within 60 s (state "
                        + cloud.controller.controller().state() + ")");
            }
            return cloud;
        } catch (Exception | Error e) {
            cloud.close();
            throw e;
        }
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private Properties controllerProperties() {
        Properties properties = new Properties();
        properties.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.setProperty(SchemaRegistryConfig.URL, registry.confluentUrl());
        properties.setProperty("state.dir", work.resolve("controller").toString());
        properties.setProperty(ControllerConfig.TOPIC_PARTITIONS, "4");
        // a demo's state lives as long as its broker: in-memory stores, rebuilt from the changelogs if restarted
        properties.setProperty(ControllerConfig.IN_MEMORY_STORES, "true");
        // the HTTP API on loopback, on any free port (it is printed)
        properties.setProperty(ControllerConfig.HTTP_HOST, "127.0.0.1");
        properties.setProperty(ControllerConfig.HTTP_PORT, "0");
        return properties;
    }

    /** Starts one agent per role (the render driver): they read their node's desired state from the beginning. */
    public void startNodes() {
        for (Scenario.DemoNode node : Scenario.NODES) {
            NodeProcess process = NodeProcess.build(nodeConfig(node), kafkaClient(), registryClient());
            nodes.add(add(process));
            process.start();
        }
    }

    private NodeConfig nodeConfig(Scenario.DemoNode node) {
        RoutingConfig routing = new RoutingConfig(Ipv4Address.parse(node.publicAddress()), new InterfaceName("eth0"),
                RoutingConfig.DEFAULT_METADATA_HOST, List.of(), RoutingConfig.Firewall.NFTABLES);
        // The project's L2 between the hosts is VXLAN (--l2 physnet1=vxlan), as the Linux multi-host test proves it.
        BridgingConfig bridging = new BridgingConfig(BridgingConfig.VlanMode.TAGGED, Map.of(Scenario.PHYSICAL_NETWORK, new InterfaceName("eth1")),
                BridgingConfig.DEFAULT_PORT_GRACE, node.underlayAddress() == null ? Map.of() : Map.of(Scenario.PHYSICAL_NETWORK, BridgingConfig.L2.VXLAN),
                Optional.ofNullable(node.underlayAddress()).map(Ipv4Address::parse), true);
        TunnelingConfig tunneling = new TunnelingConfig("", TunnelingConfig.Implementation.AUTO);
        return new NodeConfig(node.nodeId(), node.roles(), node.roles(), NodeConfig.Driver.RENDER,
                Optional.empty(), nodeFolder(node.nodeId()), routing, bridging, tunneling, 51820, 52819,
                Duration.ofMillis(100), Duration.ofSeconds(30));
    }

    public Path nodesFolder() {
        return work.resolve("nodes").toAbsolutePath();
    }

    public Path nodeFolder(String nodeId) {
        return nodesFolder().resolve(nodeId);
    }

    public Path roleFolder(String nodeId, NodeRole role) {
        return nodeFolder(nodeId).resolve(role.name().toLowerCase(Locale.ROOT));
    }

    /** Where {@link #writeKernelRuleset} writes: next to the routing agent's own files. */
    public Path kernelRulesetFile() {
        return roleFolder(router().nodeId(), NodeRole.ROUTING).resolve(RULESET_FILE);
    }

    /**
     * Writes the routing node's ruleset as its (simulated) kernel holds it, if it changed. The agent's
     * own factnet.nft is its last full script: associations made since are applied as element deltas.
     */
    public Path writeKernelRuleset() {
        NodeProcess node = nodes.stream().filter(n -> n.nodeId().equals(router().nodeId())).findFirst()
                .orElseThrow(() -> new IllegalStateException("the nodes are not started"));
        String listing = node.simulated().orElseThrow().run(Command.of("nft", "list", "ruleset")).orThrow().stdout();
        Path file = kernelRulesetFile();
        StateFiles.writeIfChanged(file, listing, StateFiles.PRIVATE); // as private as the agent's own rule files
        return file;
    }

    private static Scenario.DemoNode router() {
        return Scenario.nodeOf(NodeRole.ROUTING);
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String registryUrl() {
        return registry.confluentUrl();
    }

    public Map<String, Object> kafkaClient() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    }

    public SchemaRegistryClient registryClient() {
        return new HttpSchemaRegistryClient(SchemaRegistryConfig.of(registry.confluentUrl()));
    }

    public Controller controller() {
        return controller.controller();
    }

    /** The controller's HTTP API, e.g. {@code http://127.0.0.1:41234}: what factnet show reads. */
    public String controllerUrl() {
        return "http://127.0.0.1:" + controller.address().getPort();
    }

    public List<NodeProcess> nodes() {
        return List.copyOf(nodes);
    }

    /** The first node agent that stopped with an error, if one did. */
    public Optional<Throwable> crash() {
        return nodes.stream().map(NodeProcess::crash).flatMap(Optional::stream).findFirst();
    }

    private <T extends AutoCloseable> T add(T part) {
        running.add(part);
        return part;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        running.clear();
        if (first != null) {
            throw first;
        }
    }
}
