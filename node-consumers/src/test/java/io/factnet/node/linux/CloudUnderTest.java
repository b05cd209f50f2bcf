package io.factnet.node.linux;

/**
 * What the end-to-end test asks of the cloud, in the words of requests. {@link DirectNodeState}
 * answers by writing the nodes' desired state itself (the controller is built in parallel); a
 * controller-driven implementation sends the same requests to factnet.requests and waits for the
 * results and the applied acks, and the test stays as it is.
 */
interface CloudUnderTest {

    /** The project's network: VLAN, block, gateway and bridge on the nodes. */
    record Network(int vlan, String bridge, String cidr, String gateway) {
    }

    Network createNetwork(String project);

    /** A fixed address for an instance with this MAC in the group's subnet; returns the address. */
    String allocateFixedIp(String project, String instance, String group, String mac);

    /** Opens TCP ports from anywhere into the group. */
    void allowTcp(String project, String group, int port);

    /** Opens ICMP from anywhere into the group. */
    void allowIcmp(String project, String group);

    void associateFloatingIp(String project, String floating, String instance);

    void disassociateFloatingIp(String project, String floating);

    /** The project's VPN: public endpoint (address:port) clients connect to. */
    String createVpn(String project);

    /** Adds a client peer; returns its VPN address. */
    String addVpnPeer(String project, String publicKey);

    /** Waits until every node touched by the changes so far has applied them (acks without error). */
    void awaitApplied();

    /** The tunneling node's WireGuard public key (from its ack). */
    String vpnServerKey();
}
