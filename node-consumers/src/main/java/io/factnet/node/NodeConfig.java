package io.factnet.node;

import io.factnet.model.NodeRole;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.tunneling.TunnelingConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything a node process needs besides Kafka: who it is, which roles it runs, how it reaches
 * the kernel and each role's own settings.
 *
 * @param registeredRoles the roles the node registers with: its agents may run as separate
 *                 processes (one per role), each registering the node's whole set
 * @param driver   LINUX runs the real tools (as root; inside {@code netns} if given); RENDER writes
 *                 the files and a command plan under {@code stateDir} against a simulated kernel
 * @param stateDir one folder per role below it: rule files, hosts files, keys, plans
 * @param failApplyWhile render driver only, fault injection: while this file exists every command fails
 *                 like a broken tool ({@link io.factnet.node.sim.FailureSwitch})
 */
public record NodeConfig(String nodeId, List<NodeRole> roles, List<NodeRole> registeredRoles, Driver driver, Optional<String> netns, Path stateDir,
                         RoutingConfig routing, BridgingConfig bridging, TunnelingConfig tunneling, int vpnPortFirst,
                         int vpnPortLast, Duration debounce, Duration resync, Optional<Path> failApplyWhile) {

    public enum Driver { LINUX, RENDER }

    public NodeConfig {
        roles = List.copyOf(roles);
        registeredRoles = List.copyOf(registeredRoles);
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("a node runs at least one role");
        }
        if (!registeredRoles.containsAll(roles)) {
            throw new IllegalArgumentException("the registered roles " + registeredRoles + " must include the roles run here " + roles);
        }
        if (!nodeId.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("node id " + nodeId + " must be 1..64 letters, digits, '_', '.' or '-'");
        }
        if (vpnPortFirst < 1 || vpnPortLast > 65535 || vpnPortFirst > vpnPortLast) {
            throw new IllegalArgumentException("VPN port range " + vpnPortFirst + "-" + vpnPortLast + " is not within 1..65535");
        }
        if (driver == Driver.RENDER && netns.isPresent()) {
            throw new IllegalArgumentException("--netns needs the linux driver");
        }
        if (driver != Driver.RENDER && failApplyWhile.isPresent()) {
            throw new IllegalArgumentException("--fail-apply-while is for the render driver (with linux, put a failing tool on the PATH)");
        }
    }

    /**
     * The roles whose agents run here: the roles run, and the bridging agent where the node carries a network's routing or
     * addressing role without being registered as a bridging node. Every node of a network joins its L2 with the project's
     * bridge (ADR 0046: the gateway lives on the routing node's, dnsmasq on the addressing node's). With one process per
     * role, the process of the first of those roles runs it.
     */
    public List<NodeRole> agentRoles() {
        if (registeredRoles.contains(NodeRole.BRIDGING)) {
            return roles;
        }
        NodeRole first = registeredRoles.contains(NodeRole.ROUTING) ? NodeRole.ROUTING
                : registeredRoles.contains(NodeRole.ADDRESSING) ? NodeRole.ADDRESSING : null;
        if (first == null || !roles.contains(first)) {
            return roles;
        }
        List<NodeRole> agents = new java.util.ArrayList<>(roles);
        agents.add(NodeRole.BRIDGING);
        return List.copyOf(agents);
    }

    /** A node without fault injection. */
    public NodeConfig(String nodeId, List<NodeRole> roles, List<NodeRole> registeredRoles, Driver driver, Optional<String> netns,
                      Path stateDir, RoutingConfig routing, BridgingConfig bridging, TunnelingConfig tunneling, int vpnPortFirst,
                      int vpnPortLast, Duration debounce, Duration resync) {
        this(nodeId, roles, registeredRoles, driver, netns, stateDir, routing, bridging, tunneling, vpnPortFirst, vpnPortLast,
                debounce, resync, Optional.empty());
    }
}
