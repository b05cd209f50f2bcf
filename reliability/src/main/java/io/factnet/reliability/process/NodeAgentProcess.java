package io.factnet.reliability.process;

import io.factnet.cli.process.ChildJvm;
import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import io.factnet.reliability.load.Fleet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code factnet node --driver render} for one node of the fleet, as its own process: one agent per role
 * of the node, writing its render folder (rule files, hosts files, WireGuard configurations and the command
 * plan) under {@code stateDir}. The node does not register itself (ADR 0025): the fleet's admin setup
 * registers it, with the physical network of its {@code --physical-interface}. Its applies can be made to fail from outside: while {@link #failFile()}
 * exists, every command of the render driver fails like a broken tool ({@code --fail-apply-while}).
 */
public final class NodeAgentProcess {
    private static final Pattern STARTED = Pattern.compile("factnet node \\S+: .*Ctrl-C stops");
    public static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /**
     * The node settings that shape what the agents render, besides the node's registration: the (simulated)
     * interface that carries the fleet's physical network. {@code factnet replay} needs the same to render the same.
     */
    public static final List<String> RENDER_SETTINGS = List.of("--physical-interface", Fleet.PHYSICAL_NETWORK + "=eth1");

    private final ChildJvm jvm;
    private final RegisterNode node;
    private final Path stateDir;
    private final Path failFile;
    private final int metricsPort;

    private NodeAgentProcess(ChildJvm jvm, RegisterNode node, Path stateDir, Path failFile, int metricsPort) {
        this.metricsPort = metricsPort;
        this.jvm = jvm;
        this.node = node;
        this.stateDir = stateDir;
        this.failFile = failFile;
    }

    public static NodeAgentProcess start(Children children, RegisterNode node, String bootstrapServers, String registryUrl,
                                         Path dir, Duration resync, int metricsPort) {
        NodeAgentProcess agent = launch(children, node, bootstrapServers, registryUrl, dir, resync, metricsPort);
        agent.awaitStarted();
        return agent;
    }

    /** Starts the process without waiting for it (start several at once, then {@link #awaitStarted()} each). */
    public static NodeAgentProcess launch(Children children, RegisterNode node, String bootstrapServers, String registryUrl,
                                          Path dir, Duration resync, int metricsPort) {
        Path stateDir = dir.resolve(node.getNodeId());
        Path failFile = dir.resolve(node.getNodeId() + ".fail");
        List<String> args = new java.util.ArrayList<>(List.of("node", "--bootstrap-servers", bootstrapServers,
                "--schema-registry-url", registryUrl, "--driver", "render", "--node-id", node.getNodeId(), "--role", roleList(node),
                "--public-address", node.getPublicAddress(), "--vpn-port-first", String.valueOf(node.getVpnPortFirst()),
                "--vpn-port-last", String.valueOf(node.getVpnPortLast()), "--state-dir", stateDir.toString(),
                "--resync", resync.toMillis() + "ms", "--fail-apply-while", failFile.toString(),
                "--metrics-port", String.valueOf(metricsPort)));
        args.addAll(RENDER_SETTINGS);
        ChildJvm.Spec spec = new ChildJvm.Spec("agent-" + node.getNodeId(), args, dir.resolve(node.getNodeId() + ".log"), 384, Map.of());
        return new NodeAgentProcess(children.start(spec), node, stateDir, failFile, metricsPort);
    }

    /** Waits for the line the node prints once its agents run. */
    public void awaitStarted() {
        jvm.awaitLine(STARTED, START_TIMEOUT);
    }

    public void kill() {
        jvm.kill();
    }

    public void restart() {
        jvm.restart();
        awaitStarted();
    }

    /** From now on every apply of this node fails like a broken tool, until {@link #repairTools()}. */
    public void breakTools() {
        try {
            Files.writeString(failFile, "chaos: applies fail while this file exists\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void repairTools() {
        try {
            Files.deleteIfExists(failFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String nodeId() {
        return node.getNodeId();
    }

    public List<NodeRole> roles() {
        return node.getRoles();
    }

    /** The roles as {@code --role} takes them: routing,addressing,... */
    public String roleList() {
        return roleList(node);
    }

    private static String roleList(RegisterNode node) {
        return node.getRoles().stream().map(r -> r.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(","));
    }

    /** The render folder: one sub-folder per role. */
    public Path stateDir() {
        return stateDir;
    }

    public Path failFile() {
        return failFile;
    }

    /** The render driver's simulated kernel as canonical text: what the node holds (its {@code /kernel}). */
    public String kernel() {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/kernel"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(jvm + " answered " + response.statusCode() + " for /kernel: " + response.body());
            }
            return response.body();
        } catch (java.io.IOException e) {
            throw new UncheckedIOException("cannot ask " + jvm + " for its kernel", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public ChildJvm jvm() {
        return jvm;
    }
}
