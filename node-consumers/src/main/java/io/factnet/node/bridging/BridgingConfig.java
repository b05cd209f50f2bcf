package io.factnet.node.bridging;

import io.factnet.node.net.InterfaceName;
import java.util.Map;

/**
 * The bridging node's settings.
 *
 * @param vlanMode           TAGGED: a VLAN link vlan&lt;id&gt; on the physical interface in each bridge
 *                           (needs 802.1Q in the kernel); UNTAGGED: no VLAN links, the physical
 *                           interface (if one is mapped) goes into the bridge as it is
 * @param physicalInterfaces physical network name (as in CreateNetwork) -> interface on this node
 */
public record BridgingConfig(VlanMode vlanMode, Map<String, InterfaceName> physicalInterfaces) {

    public enum VlanMode { TAGGED, UNTAGGED }

    public BridgingConfig {
        physicalInterfaces = Map.copyOf(physicalInterfaces);
    }
}
