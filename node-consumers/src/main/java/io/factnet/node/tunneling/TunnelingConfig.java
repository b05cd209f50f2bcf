package io.factnet.node.tunneling;

/**
 * The tunneling node's settings.
 *
 * @param interfacePrefix put in front of every VPN interface name: wireguard-go keeps its control
 *                        socket in /var/run/wireguard/&lt;name&gt;.sock for the whole machine, so two
 *                        nodes (or test runs) on one machine need different names
 * @param implementation  KERNEL (ip link add type wireguard), USERSPACE (wireguard-go) or AUTO
 *                        (the kernel's when its module is there)
 */
public record TunnelingConfig(String interfacePrefix, Implementation implementation) {

    public enum Implementation { AUTO, KERNEL, USERSPACE }

    public TunnelingConfig {
        if (!interfacePrefix.matches("[A-Za-z0-9_]{0,8}")) {
            throw new IllegalArgumentException("interface prefix " + interfacePrefix + " must be 0..8 letters, digits or '_'");
        }
    }
}
