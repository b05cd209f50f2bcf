package io.factnet.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.NodeRole;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.tunneling.TunnelingConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which agents a node process runs (ADR 0046): a routing or addressing node joins its networks' L2 with a bridging agent. */
class NodeConfigTest {
    static NodeConfig config(List<NodeRole> roles, List<NodeRole> registered) {
        return new NodeConfig("n1", roles, registered, NodeConfig.Driver.RENDER, Optional.empty(), Path.of("state"),
                new RoutingConfig(Ipv4Address.parse("198.51.100.1"), InterfaceName.of("eth0"), RoutingConfig.DEFAULT_METADATA_HOST,
                        List.of(), RoutingConfig.Firewall.NFTABLES),
                new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of()), new TunnelingConfig("w", TunnelingConfig.Implementation.AUTO),
                51820, 51829, Duration.ZERO, Duration.ZERO);
    }

    @Test
    void aRoutingOrAddressingNodeRunsTheBridgingAgentOnceUnlessItIsABridgingNode() {
        List<NodeRole> r = List.of(NodeRole.ROUTING);
        List<NodeRole> a = List.of(NodeRole.ADDRESSING);
        List<NodeRole> ra = List.of(NodeRole.ROUTING, NodeRole.ADDRESSING);
        List<NodeRole> all = List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);
        assertThat(config(r, r).agentRoles()).containsExactly(NodeRole.ROUTING, NodeRole.BRIDGING);
        assertThat(config(a, a).agentRoles()).containsExactly(NodeRole.ADDRESSING, NodeRole.BRIDGING);
        assertThat(config(ra, ra).agentRoles()).containsExactly(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);
        // one process per role: the routing process runs it, the addressing process does not
        assertThat(config(r, ra).agentRoles()).containsExactly(NodeRole.ROUTING, NodeRole.BRIDGING);
        assertThat(config(a, ra).agentRoles()).containsExactly(NodeRole.ADDRESSING);
        // a bridging node runs its bridging agent as registered (here or in a process of its own)
        assertThat(config(all, all).agentRoles()).isEqualTo(all);
        assertThat(config(r, all).agentRoles()).containsExactly(NodeRole.ROUTING);
        assertThat(config(List.of(NodeRole.TUNNELING), List.of(NodeRole.TUNNELING)).agentRoles()).containsExactly(NodeRole.TUNNELING);
    }
}
