package io.factnet.node.bridging;

import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The bridging node's settings.
 *
 * @param vlanMode           the L2 of a physical network not named in {@code l2}: TAGGED: a VLAN link vlan&lt;id&gt; on
 *                           the physical interface in each bridge (needs 802.1Q in the kernel); UNTAGGED: no VLAN links,
 *                           the physical interface (if one is mapped) goes into the bridge as it is
 * @param physicalInterfaces physical network name (as in CreateNetwork) -> interface on this node
 * @param portGrace          how long an instance's port may be gone from its bridge before the node reports the
 *                           instance gone (InstanceGone, ADR 0031): a reboot or a migration's switch-over is shorter
 * @param l2                 physical network -> its L2 between the nodes (ADR 0035), overriding {@code vlanMode}
 * @param underlayAddress    this node's address on the underlay: VXLAN's local tunnel end, sent in RegisterNode
 * @param sameGroupTraffic   whether a group's members reach each other without a rule (nova's allow_same_net_traffic)
 */
public record BridgingConfig(VlanMode vlanMode, Map<String, InterfaceName> physicalInterfaces, Duration portGrace,
                             Map<String, L2> l2, Optional<Ipv4Address> underlayAddress, boolean sameGroupTraffic) {

    public enum VlanMode { TAGGED, UNTAGGED }

    /** How a project's bridges on two nodes are joined: 802.1Q on the trunk, VXLAN over the underlay, or one wire each. */
    public enum L2 { VLAN, VXLAN, UNTAGGED }

    /** The default grace period of an instance's port (env FACTNET_PORT_GRACE). */
    public static final Duration DEFAULT_PORT_GRACE = Duration.ofSeconds(60);

    public BridgingConfig {
        physicalInterfaces = Map.copyOf(physicalInterfaces);
        l2 = Map.copyOf(l2);
        if (portGrace.isNegative()) {
            throw new IllegalArgumentException("the port grace period must not be negative: " + portGrace);
        }
        if (underlayAddress.isEmpty() && l2.containsValue(L2.VXLAN)) {
            throw new IllegalArgumentException("vxlan (--l2 " + l2.entrySet().stream().filter(e -> e.getValue() == L2.VXLAN)
                    .map(Map.Entry::getKey).sorted().findFirst().orElseThrow()
                    + "=vxlan) needs this node's underlay address: give --underlay-address ADDR");
        }
    }

    /** With the default grace period of instance ports. */
    public BridgingConfig(VlanMode vlanMode, Map<String, InterfaceName> physicalInterfaces) {
        this(vlanMode, physicalInterfaces, DEFAULT_PORT_GRACE);
    }

    /** One L2 for every physical network (the vlan mode's), no underlay, same-group traffic allowed. */
    public BridgingConfig(VlanMode vlanMode, Map<String, InterfaceName> physicalInterfaces, Duration portGrace) {
        this(vlanMode, physicalInterfaces, portGrace, Map.of(), Optional.empty(), true);
    }

    /** The L2 of a physical network: its own setting, else the vlan mode's. */
    public L2 l2(String physicalNetwork) {
        L2 own = l2.get(physicalNetwork);
        return own != null ? own : vlanMode == VlanMode.TAGGED ? L2.VLAN : L2.UNTAGGED;
    }

    /**
     * Whether some physical network may be VLAN-tagged here, so the kernel needs 802.1Q: one named vlan, or the vlan
     * mode's default for a mapped one not named, or for all when neither interfaces nor L2s are given.
     */
    public boolean needsVlan() {
        if (l2.containsValue(L2.VLAN)) {
            return true;
        }
        return vlanMode == VlanMode.TAGGED && (physicalInterfaces.isEmpty() ? l2.isEmpty() : !l2.keySet().containsAll(physicalInterfaces.keySet()));
    }
}
