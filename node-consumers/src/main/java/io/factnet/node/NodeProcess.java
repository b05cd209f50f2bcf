package io.factnet.node;

import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import io.factnet.node.addressing.AddressingReconciler;
import io.factnet.node.bridging.BridgingReconciler;
import io.factnet.node.exec.CommandRunner;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.routing.RoutingReconciler;
import io.factnet.node.runtime.AgentSettings;
import io.factnet.node.runtime.KafkaAgents;
import io.factnet.node.runtime.KafkaNodeEvents;
import io.factnet.node.runtime.NodeAgent;
import io.factnet.node.runtime.NodeEvents;
import io.factnet.node.runtime.RoleReconciler;
import io.factnet.node.sim.FailureSwitch;
import io.factnet.node.sim.PlanRecorder;
import io.factnet.node.sim.SimulatedHost;
import io.factnet.node.tunneling.TunnelingReconciler;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node: an agent per role, on one kernel (real, or simulated by the render driver), with one
 * producer for its events. {@link #build} checks every role can run here before anything starts;
 * {@link #start} starts the agents. The node does not register itself on node events (refused there,
 * ADR 0025): an operator sends {@link #registration()} on factnet.admin-requests, or {@link #register()}
 * does where the node's principal may write that topic.
 */
public final class NodeProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeProcess.class);

    private final NodeConfig config;
    private final KafkaNodeEvents events;
    private final List<NodeAgent<?>> agents;
    private final Optional<SimulatedHost> simulated;
    private final Optional<String> publicKey;

    private final List<RoleReconciler<?>> reconcilers;

    private NodeProcess(NodeConfig config, KafkaNodeEvents events, List<NodeAgent<?>> agents,
                        Optional<SimulatedHost> simulated, Optional<String> publicKey, List<RoleReconciler<?>> reconcilers) {
        this.reconcilers = List.copyOf(reconcilers);
        this.config = config;
        this.events = events;
        this.agents = agents;
        this.simulated = simulated;
        this.publicKey = publicKey;
    }

    public static NodeProcess build(NodeConfig config, Map<String, Object> clientConfig, SchemaRegistryClient registry) {
        Path stateDir = stateRoot(config.stateDir());
        Optional<SimulatedHost> simulated = config.driver() == NodeConfig.Driver.RENDER
                ? Optional.of(simulatedKernel(config)) : Optional.empty();
        List<RoleReconciler<?>> reconcilers = new ArrayList<>();
        for (NodeRole role : config.agentRoles()) {
            RoleReconciler<?> reconciler = reconciler(config, role, stateDir, simulated);
            reconciler.preflight();
            reconcilers.add(reconciler);
        }
        KafkaNodeEvents events = new KafkaNodeEvents(clientConfig, registry, "factnet-node-" + config.nodeId());
        List<NodeAgent<?>> agents = new ArrayList<>();
        for (RoleReconciler<?> reconciler : reconcilers) {
            agents.add(agent(config, reconciler, clientConfig, registry, events));
        }
        Optional<String> publicKey = reconcilers.stream().map(RoleReconciler::publicKey).flatMap(Optional::stream).findFirst();
        return new NodeProcess(config, events, agents, simulated, publicKey, reconcilers);
    }

    @SuppressWarnings("unchecked")
    private static <V extends SpecificRecord> NodeAgent<V> agent(NodeConfig config, RoleReconciler<V> reconciler,
                                                               Map<String, Object> clientConfig,
                                                               SchemaRegistryClient registry, KafkaNodeEvents events) {
        AgentSettings settings = AgentSettings.defaults(config.nodeId(), reconciler.role())
                .withDebounce(config.debounce()).withResyncInterval(config.resync())
                .withLastGoodFile(lastGoodFile(config.stateDir(), reconciler.role()), Duration.ofSeconds(10));
        Topic<String, V> topic = (Topic<String, V>) Topics.forRole(reconciler.role());
        return KafkaAgents.build(settings, topic, clientConfig, registry, reconciler, events, System::currentTimeMillis);
    }

    /**
     * A role's reconciler, in its folder {@code <stateDir>/<role>}: on the real kernel, or with the render
     * driver on the simulated one (behind the fault-injection switch when one is configured), every command
     * written to the folder's {@code commands.txt}.
     */
    public static RoleReconciler<?> reconciler(NodeConfig config, NodeRole role, Path stateDir, Optional<SimulatedHost> simulated) {
        Path folder = stateDir.resolve(role.name().toLowerCase(Locale.ROOT));
        Host host = simulated.map(sim -> sim.host(new PlanRecorder(faultInjected(sim, config),
                        StateFiles.sharedFolder(folder).resolve("commands.txt"))))
                .orElseGet(() -> Host.linux(config.netns()));
        return switch (role) {
            case ROUTING -> new RoutingReconciler(host, folder, config.routing());
            case ADDRESSING -> new AddressingReconciler(host, folder, config.nodeId(), simulated.isEmpty());
            // Instance ports are watched on a real kernel; the render driver's has no instances.
            case BRIDGING -> new BridgingReconciler(host, folder, config.bridging(), simulated.isEmpty() ? config.nodeId() : null,
                    System::currentTimeMillis);
            case TUNNELING -> new TunnelingReconciler(host, folder, config.tunneling());
        };
    }

    /**
     * Where a role's last complete desired state is kept (ADR 0022): a folder of its own, private, not the
     * role's folder (the addressing folder must stay readable by dnsmasq).
     */
    public static Path lastGoodFile(Path stateDir, NodeRole role) {
        return stateDir.toAbsolutePath().resolve("last-good").resolve(role.name().toLowerCase(Locale.ROOT) + ".avro");
    }

    /** The simulated kernel, behind the fault-injection switch when one is configured. */
    private static CommandRunner faultInjected(SimulatedHost sim, NodeConfig config) {
        return config.failApplyWhile().<CommandRunner>map(file -> new FailureSwitch(sim, file)).orElse(sim);
    }

    /** The render driver's kernel: the interfaces the configuration names exist, as they would on the node. */
    public static SimulatedHost simulatedKernel(NodeConfig config) {
        SimulatedHost sim = new SimulatedHost();
        sim.ip().addLink(config.routing().publicInterface().name(), "physical").addresses
                .add(config.routing().publicAddress() + "/32");
        config.bridging().physicalInterfaces().values().stream().distinct()
                .filter(i -> !sim.ip().links().containsKey(i.name()))
                .forEach(i -> sim.ip().addLink(i.name(), "physical"));
        return sim;
    }

    /** The state root: others may pass through (dnsmasq reads its hosts file unprivileged), not list it. */
    public static Path stateRoot(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            return dir.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the state folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The node's registration: its roles, public address, VPN ports, the physical networks it has an interface
     * on (--physical-interface), its underlay address (--underlay-address) and, when it tunnels here, its WireGuard
     * public key (pinned by the registration).
     */
    public RegisterNode registration() {
        List<String> physicalNetworks = config.bridging().physicalInterfaces().keySet().stream().sorted().toList();
        return RegisterNode.newBuilder().setNodeId(config.nodeId()).setRoles(config.registeredRoles())
                .setPublicAddress(config.routing().publicAddress().toString()).setVpnPortFirst(config.vpnPortFirst())
                .setVpnPortLast(config.vpnPortLast()).setPhysicalNetworks(physicalNetworks).setPublicKey(publicKey.orElse(null))
                .setUnderlayAddress(config.bridging().underlayAddress().map(Object::toString).orElse(null))
                .build();
    }

    /** Sends {@link #registration()} on factnet.admin-requests: only where the node's principal may write it. */
    public NodeProcess register() {
        events.publishAdmin(NodeEvents.register(registration()));
        return this;
    }

    /** Starts every agent. */
    public NodeProcess start() {
        agents.forEach(NodeAgent::start);
        log.info("node {} runs {} with the {} driver{}; state in {}", config.nodeId(), config.roles(),
                config.driver().name().toLowerCase(Locale.ROOT), config.netns().map(ns -> " in netns " + ns).orElse(""),
                config.stateDir().toAbsolutePath());
        return this;
    }

    public String nodeId() {
        return config.nodeId();
    }

    public List<NodeAgent<?>> agents() {
        return agents;
    }

    /** The bridging agent's reconciler, when the node runs the bridging role here. */
    public Optional<BridgingReconciler> bridging() {
        return reconcilers.stream().filter(r -> r instanceof BridgingReconciler).map(r -> (BridgingReconciler) r).findFirst();
    }

    /** The render driver's simulated kernel (what the plans did), empty with the linux driver. */
    public Optional<SimulatedHost> simulated() {
        return simulated;
    }

    /** The render driver's simulated kernel as canonical text (see {@link SimulatedHost#snapshot}); empty with the linux driver. */
    public Optional<String> kernelSnapshot() {
        return simulated.map(sim -> sim.snapshot(stateRoot(config.stateDir()).toString()));
    }

    /** The first agent that stopped with an error, if one did. */
    public Optional<Throwable> crash() {
        return agents.stream().map(NodeAgent::crash).flatMap(Optional::stream).findFirst();
    }

    @Override
    public void close() {
        agents.forEach(NodeAgent::close);
        events.close();
    }
}
