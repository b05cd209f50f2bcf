package io.factnet.reliability.load;

import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import java.util.List;

/**
 * The cloud every chaos run sets up first (admin requests): one VLAN range, one supernet, three
 * floating pools of different shapes and three nodes. The load generator and the bad-input corpus
 * both refer to these names.
 */
public final class Fleet {
    private Fleet() {
    }

    public static final String PHYSICAL_NETWORK = "physnet1";
    public static final String SUPERNET = "10.0.0.0/8";

    /** A floating pool and how to guess one of its addresses when no result told us the real one. */
    public record Pool(String name, List<String> cidrs, List<String> ranges, List<String> excluded,
                       String guessPrefix, int guessFirst, int guessLast) {
        DefineFloatingPool definition() {
            return DefineFloatingPool.newBuilder().setPool(name).setCidrs(cidrs).setRanges(ranges).setExcluded(excluded)
                    .build();
        }
    }

    public static final List<Pool> POOLS = List.of(
            new Pool("public-a", List.of("203.0.113.0/24"), List.of(), List.of("203.0.113.1"), "203.0.113.", 2, 254),
            new Pool("public-b", List.of("198.51.100.0/25", "198.51.100.128/25"), List.of(), List.of(), "198.51.100.", 1, 254),
            new Pool("public-c", List.of(), List.of("192.0.2.10-192.0.2.250"), List.of(), "192.0.2.", 10, 250));

    /** Every node has an interface on the one physical network (NodeAgentProcess.RENDER_SETTINGS) and registers it. */
    public static final List<RegisterNode> NODES = List.of(
            RegisterNode.newBuilder().setNodeId("node-1").setPublicAddress("198.18.0.1").setPhysicalNetworks(List.of(PHYSICAL_NETWORK))
                    .setRoles(List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING, NodeRole.TUNNELING)).build(),
            RegisterNode.newBuilder().setNodeId("node-2").setPublicAddress("198.18.0.2").setPhysicalNetworks(List.of(PHYSICAL_NETWORK))
                    .setRoles(List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING)).build(),
            RegisterNode.newBuilder().setNodeId("node-3").setPublicAddress("198.18.0.3").setPhysicalNetworks(List.of(PHYSICAL_NETWORK))
                    .setRoles(List.of(NodeRole.TUNNELING)).setVpnPortFirst(53000).setVpnPortLast(53999).build());

    /** The admin commands that set the fleet up, in order. */
    public static List<Object> setupCommands() {
        List<Object> commands = new java.util.ArrayList<>();
        commands.add(DefineVlanRange.newBuilder().setPhysicalNetwork(PHYSICAL_NETWORK).setFirst(100).setLast(4094).build());
        commands.add(DefineSupernet.newBuilder().setCidr(SUPERNET).setBlockPrefix(20).setGroupPrefix(24).build());
        POOLS.forEach(pool -> commands.add(pool.definition()));
        commands.addAll(NODES);
        return commands;
    }

    /** Nodes that have the role. */
    public static List<String> nodesWith(NodeRole role) {
        return NODES.stream().filter(n -> n.getRoles().contains(role)).map(RegisterNode::getNodeId).toList();
    }
}
