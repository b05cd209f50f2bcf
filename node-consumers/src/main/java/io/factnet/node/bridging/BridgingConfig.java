package io.factnet.node.bridging;

import io.factnet.node.net.InterfaceName;
import java.time.Duration;
import java.util.Map;

/**
 * The bridging node's settings.
 *
 * @param vlanMode           TAGGED: a VLAN link vlan&lt;id&gt; on the physical interface in each bridge
 *                           (needs 802.1Q in the kernel); UNTAGGED: no VLAN links, the physical
 *                           interface (if one is mapped) goes into the bridge as it is
 * @param physicalInterfaces physical network name (as in CreateNetwork) -> interface on this node
 * @param portGrace          how long an instance's port may be gone from its bridge before the node reports the
 *                           instance gone (InstanceGone, ADR 0031): a reboot or a migration's switch-over is shorter
 */
public record BridgingConfig(VlanMode vlanMode, Map<String, InterfaceName> physicalInterfaces, Duration portGrace) {

    public enum VlanMode { TAGGED, UNTAGGED }

    /** The default grace period of an instance's port (env FACTNET_PORT_GRACE). */
    public static final Duration DEFAULT_PORT_GRACE = Duration.ofSeconds(60);

    public BridgingConfig {
        physicalInterfaces = Map.copyOf(physicalInterfaces);
        if (portGrace.isNegative()) {
            throw new IllegalArgumentException("the port grace period must not be negative: " + portGrace);
        }
    }

    /** With the default grace period of instance ports. */
    public BridgingConfig(VlanMode vlanMode, Map<String, InterfaceName> physicalInterfaces) {
        this(vlanMode, physicalInterfaces, DEFAULT_PORT_GRACE);
    }
}
