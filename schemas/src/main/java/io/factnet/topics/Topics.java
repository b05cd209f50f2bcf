package io.factnet.topics;

import io.factnet.model.AddressingEntry;
import io.factnet.model.BridgingEntry;
import io.factnet.model.Claim;
import io.factnet.model.DeadLetter;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.Grant;
import io.factnet.model.InstanceMetadata;
import io.factnet.model.GroupSubnet;
import io.factnet.model.Network;
import io.factnet.model.Node;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.RoutingEntry;
import io.factnet.model.SecurityGroup;
import io.factnet.model.TunnelingEntry;
import io.factnet.model.Vpn;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The registry of every factnet topic. No topic name is written anywhere else.
 * Requests, admin requests and node events are co-partitioned (same key, the project, and the
 * same partition count): the controller's project stage reads them together.
 */
public final class Topics {
    private Topics() {
    }

    private static final Serde<String> KEY = Serdes.String();

    /** Project requests. Key: project. */
    public static final Topic<String, Request> REQUESTS = events("factnet.requests", Request.class);
    /** Admin requests (pools, nodes, quotas), writable by operators only. Key: the target project, or "_admin". */
    public static final Topic<String, Request> ADMIN_REQUESTS = events("factnet.admin-requests", Request.class);
    /** Events from node agents: leases and instances gone (key: project), applied acks (key: node/role). */
    public static final Topic<String, Request> NODE_EVENTS = events("factnet.node-events", Request.class);
    /** One result per request. Key: request id. */
    public static final Topic<String, Result> RESULTS = events("factnet.results", Result.class);
    /** Records that could not be read, with their bytes and the error. Key: topic-partition-offset. */
    public static final Topic<String, DeadLetter> DEAD_LETTERS = events("factnet.dead-letters", DeadLetter.class);

    /** The fact engine: compacted, latest value per key, tombstone on delete. */
    public static final Topic<String, Network> STATE_NETWORKS = state("factnet.state.networks", Network.class);
    public static final Topic<String, GroupSubnet> STATE_GROUP_SUBNETS = state("factnet.state.group-subnets", GroupSubnet.class);
    public static final Topic<String, SecurityGroup> STATE_GROUPS = state("factnet.state.groups", SecurityGroup.class);
    public static final Topic<String, FixedIp> STATE_FIXED_IPS = state("factnet.state.fixed-ips", FixedIp.class);
    public static final Topic<String, FloatingIp> STATE_FLOATING_IPS = state("factnet.state.floating-ips", FloatingIp.class);
    public static final Topic<String, Vpn> STATE_VPNS = state("factnet.state.vpns", Vpn.class);
    public static final Topic<String, Node> STATE_NODES = state("factnet.state.nodes", Node.class);
    /** Instances' cloud-init metadata (keys, user data), key the fixed address: off the FixedIp fact (ADR 0033). */
    public static final Topic<String, InstanceMetadata> STATE_INSTANCE_METADATA =
            state("factnet.state.instance-metadata", InstanceMetadata.class);

    /** Node desired state per role: compacted, key node-id/resource, partitioned by node id. */
    public static final Topic<String, RoutingEntry> NODE_ROUTING = node("factnet.node.routing", RoutingEntry.class);
    public static final Topic<String, AddressingEntry> NODE_ADDRESSING = node("factnet.node.addressing", AddressingEntry.class);
    public static final Topic<String, BridgingEntry> NODE_BRIDGING = node("factnet.node.bridging", BridgingEntry.class);
    public static final Topic<String, TunnelingEntry> NODE_TUNNELING = node("factnet.node.tunneling", TunnelingEntry.class);

    /**
     * The controller's saga, internal to it: claims to its pool stage (key: pool id such as vlan/physnet1,
     * blocks, floating, nodes) and grants back to its project stage (key: project). Created with the same
     * partition count as {@link #REQUESTS}: the project stage reads grants together with the requests.
     */
    public static final Topic<String, Claim> INTERNAL_CLAIMS = events("factnet.internal.claims", Claim.class);
    public static final Topic<String, Grant> INTERNAL_GRANTS = events("factnet.internal.grants", Grant.class);

    private static final List<Topic<String, ?>> ALL = List.of(
            REQUESTS, ADMIN_REQUESTS, NODE_EVENTS, RESULTS, DEAD_LETTERS,
            STATE_NETWORKS, STATE_GROUP_SUBNETS, STATE_GROUPS, STATE_FIXED_IPS, STATE_FLOATING_IPS, STATE_VPNS,
            STATE_NODES, STATE_INSTANCE_METADATA, NODE_ROUTING, NODE_ADDRESSING, NODE_BRIDGING, NODE_TUNNELING,
            INTERNAL_CLAIMS, INTERNAL_GRANTS);

    public static List<Topic<String, ?>> all() {
        return ALL;
    }

    public static Topic<String, ? extends SpecificRecord> forRole(NodeRole role) {
        return switch (role) {
            case ROUTING -> NODE_ROUTING;
            case ADDRESSING -> NODE_ADDRESSING;
            case BRIDGING -> NODE_BRIDGING;
            case TUNNELING -> NODE_TUNNELING;
        };
    }

    private static <V extends SpecificRecord> Topic<String, V> events(String name, Class<V> type) {
        return new Topic<>(name, KEY, type, false, false);
    }

    private static <V extends SpecificRecord> Topic<String, V> state(String name, Class<V> type) {
        return new Topic<>(name, KEY, type, true, false);
    }

    private static <V extends SpecificRecord> Topic<String, V> node(String name, Class<V> type) {
        return new Topic<>(name, KEY, type, true, true);
    }
}
