package io.factnet.node.runtime;

import io.factnet.model.AppliedAck;
import io.factnet.model.InstanceBack;
import io.factnet.model.InstanceGone;
import io.factnet.model.LeaseGranted;
import io.factnet.model.LeaseReleased;
import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import io.factnet.model.Request;
import io.factnet.topics.RequestRoutes;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The requests a node agent sends on factnet.node-events, and its registration. Every one gets a fresh
 * request id (the controller answers a repeated id with the first result, and a node that registers
 * again with a new address must not be taken for a duplicate), made of the characters the controller
 * accepts. RegisterNode is pool-wide (project {@value RequestRoutes#ADMIN_PROJECT}) and goes on
 * factnet.admin-requests only (ADR 0025); leases and instance reports belong to the network's project; acks to none
 * (project {@value RequestRoutes#ADMIN_PROJECT}, key node/role).
 */
public final class NodeEvents {

    private NodeEvents() {
    }

    /**
     * @param physicalNetworks those the node has an interface on (empty: every one)
     * @param publicKey        a tunneling node's WireGuard public key (pinned by the registration), else null
     */
    public static Request register(String nodeId, List<NodeRole> roles, String publicAddress, int vpnPortFirst,
                                   int vpnPortLast, List<String> physicalNetworks, String publicKey) {
        return register(RegisterNode.newBuilder().setNodeId(nodeId).setRoles(roles).setPublicAddress(publicAddress)
                .setVpnPortFirst(vpnPortFirst).setVpnPortLast(vpnPortLast).setPhysicalNetworks(physicalNetworks)
                .setPublicKey(publicKey).build());
    }

    /** A node's registration as it is (with its underlay address, ADR 0035). */
    public static Request register(RegisterNode node) {
        return request("register:" + node.getNodeId(), RequestRoutes.ADMIN_PROJECT, node);
    }

    /**
     * @param notApplied the resources whose entry up to {@code appliedOffset} is not on the node (all else is);
     *                   null when the error concerns the whole ack
     */
    public static Request ack(String nodeId, NodeRole role, int partition, long appliedOffset, Map<String, Long> counts,
                              long applyMillis, String error, String publicKey, List<String> notApplied) {
        return request("ack:" + nodeId + ":" + role.name().toLowerCase(Locale.ROOT), RequestRoutes.ADMIN_PROJECT,
                AppliedAck.newBuilder().setNodeId(nodeId).setRole(role).setPartition(partition)
                        .setAppliedOffset(appliedOffset).setCounts(Map.copyOf(counts)).setApplyMillis(applyMillis)
                        .setError(error).setPublicKey(publicKey)
                        .setNotApplied(notApplied == null ? null : List.copyOf(notApplied)).build());
    }

    public static Request leaseGranted(String project, String nodeId, String address, String mac, String hostname) {
        return request("lease:" + nodeId, project, LeaseGranted.newBuilder().setNodeId(nodeId).setAddress(address)
                .setMac(mac).setHostname(hostname).build());
    }

    public static Request leaseReleased(String project, String nodeId, String address, String mac) {
        return request("lease:" + nodeId, project, LeaseReleased.newBuilder().setNodeId(nodeId).setAddress(address)
                .setMac(mac).build());
    }

    /** The network's bridging node saw the instance's port gone for longer than its grace period (ADR 0031). */
    public static Request instanceGone(String project, String nodeId, String instance) {
        return request("gone:" + nodeId, project, InstanceGone.newBuilder().setNodeId(nodeId).setInstance(instance).build());
    }

    /** The network's bridging node sees a port it reported gone again. */
    public static Request instanceBack(String project, String nodeId, String instance) {
        return request("back:" + nodeId, project, InstanceBack.newBuilder().setNodeId(nodeId).setInstance(instance).build());
    }

    private static Request request(String idPrefix, String project, Object command) {
        return Request.newBuilder().setRequestId(idPrefix + ":" + UUID.randomUUID()).setProject(project)
                .setSubmittedAt(Instant.now()).setCommand(command).build();
    }
}
