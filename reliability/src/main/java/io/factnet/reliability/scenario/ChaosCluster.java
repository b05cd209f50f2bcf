package io.factnet.reliability.scenario;

import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import io.factnet.reliability.check.NodeCatchUp;
import io.factnet.reliability.load.Fleet;
import io.factnet.reliability.process.BrokerProcess;
import io.factnet.reliability.process.Children;
import io.factnet.reliability.process.ControllerProcess;
import io.factnet.reliability.process.NodeAgentProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * factnet as an operator runs it, every part its own process: the broker on a data folder that survives
 * kill -9, two controllers ({@code factnet controller}, one application id, each its own state folder and
 * HTTP port) and one {@code factnet node --driver render} per node of the {@link Fleet}. The schema
 * registry runs from the test JVM (its URL is given).
 */
public final class ChaosCluster {
    public static final int PARTITIONS = 4;
    public static final String APPLICATION_ID = "factnet-chaos";
    public static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(3);

    private final BrokerProcess broker;
    private final List<ControllerProcess> controllers;
    private final List<NodeAgentProcess> agents;
    private final String registryUrl;

    private ChaosCluster(BrokerProcess broker, List<ControllerProcess> controllers, List<NodeAgentProcess> agents, String registryUrl) {
        this.broker = broker;
        this.controllers = controllers;
        this.agents = agents;
        this.registryUrl = registryUrl;
    }

    /**
     * How quickly a dead controller's work moves: production's defaults, or shorter timeouts for the short
     * form (session 6 s instead of 10 s, transactions of a dead controller aborted after 5 s instead of 10 s
     * and looked for every second instead of every 10 s), so that its scenarios fit the build's time budget.
     *
     * @param broker     broker settings
     * @param controller controller settings (Kafka Streams)
     */
    public record Failover(List<String> broker, List<String> controller) {
        public static final Failover DEFAULTS = new Failover(List.of(), List.of());
        public static final Failover FAST = new Failover(
                List.of("transaction.abort.timed.out.transaction.cleanup.interval.ms=1000"),
                List.of("session.timeout.ms=6000", "heartbeat.interval.ms=2000", "producer.transaction.timeout.ms=5000"));
    }

    public static ChaosCluster start(Children children, Path dir, String registryUrl, Duration agentResync, Failover failover) {
        BrokerProcess broker = BrokerProcess.start(children, dir.resolve("broker"), PARTITIONS, failover.broker());
        String bootstrap = broker.bootstrapServers();
        List<ControllerProcess> controllers = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            controllers.add(ControllerProcess.launch(children, "controller-" + i, bootstrap, registryUrl, APPLICATION_ID,
                    dir.resolve("controller-" + i).resolve("state"), freePort(), failover.controller()));
        }
        List<NodeAgentProcess> agents = new ArrayList<>();
        for (RegisterNode node : Fleet.NODES) {
            agents.add(NodeAgentProcess.launch(children, node, bootstrap, registryUrl, dir.resolve("nodes"), agentResync, freePort()));
        }
        controllers.forEach(ControllerProcess::awaitStarted);
        agents.forEach(NodeAgentProcess::awaitStarted);
        controllers.forEach(c -> c.awaitRunning(RUNNING_TIMEOUT));
        return new ChaosCluster(broker, controllers, agents, registryUrl);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public String registryUrl() {
        return registryUrl;
    }

    public BrokerProcess broker() {
        return broker;
    }

    public List<ControllerProcess> controllers() {
        return controllers;
    }

    public List<NodeAgentProcess> agents() {
        return agents;
    }

    /** Every agent of every node: one per role the node runs. */
    public List<NodeCatchUp.Agent> agentRoles() {
        List<NodeCatchUp.Agent> roles = new ArrayList<>();
        for (NodeAgentProcess agent : agents) {
            for (NodeRole role : agent.roles()) {
                roles.add(new NodeCatchUp.Agent(agent.nodeId(), role));
            }
        }
        return roles;
    }

    /** Waits until both controllers serve RUNNING again (after restarts, rebalances, a broker restart). */
    public void awaitControllersRunning(Duration timeout) {
        controllers.forEach(c -> c.awaitRunning(timeout));
    }
}
