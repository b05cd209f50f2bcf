package io.factnet.controller.stage;

import java.util.List;

/**
 * The names of the controller's state stores: stable, public, for interactive queries (the HTTP API
 * reads them through {@link ControllerStores}). Keys are plain strings; values are the Avro records named.
 * Each store has a changelog topic {@code <application.id>-<store>-changelog}.
 */
public final class StoreNames {
    private StoreNames() {
    }

    // ------------------------------------------------------------ project stage (keys start with "<project>/" unless said)
    /** ProjectRecord by project: quotas, usage counts, the network, the group slots, the request queue. */
    public static final String PROJECTS = "projects";
    /** QueuedRequest by project/sequence (12 digits): requests waiting behind a request in flight. */
    public static final String PROJECT_QUEUE = "project-queue";
    /** SeenRequest by project/request id: what the first answer of every request said (idempotency, ADR 0045). */
    public static final String REQUESTS_SEEN = "requests-seen";
    /** Empty string by 16-digit millis/project/request id: the expiry order of requests-seen (an index, ADR 0028). */
    public static final String REQUESTS_SEEN_BY_TIME = "requests-seen-by-time";
    /** GroupRecord by project/group: description, rules, subnet, instance count. */
    public static final String GROUPS = "groups";
    /** SubnetAddresses by project/group: the group subnet's address bitmap and hold-downs. */
    public static final String GROUP_ADDRESSES = "group-addresses";
    /** FixedIp by project/instance. */
    public static final String FIXED_IPS = "fixed-ips";
    /** Instance name by project/address (an index of fixed-ips: no changelog, rebuilt at start, ADR 0028). */
    public static final String FIXED_IP_ADDRESSES = "fixed-ip-addresses";
    /** Instance name by project/mac: MACs in use in the project's VLAN (an index of fixed-ips, ADR 0028). */
    public static final String MACS = "macs";
    /** FloatingIp by project/address. */
    public static final String FLOATING_IPS = "floating-ips";
    /** Floating address by project/fixed address: the association seen from the fixed side (an index, ADR 0028). */
    public static final String FLOATING_BY_FIXED = "floating-by-fixed";
    /** VpnRecord by project. */
    public static final String VPNS = "vpns";
    /**
     * AppliedAck by node/role (role in lower case, the record key of acks): the last ack of each node agent.
     * Not by project: an ack's partition is that of its key, so {@code ownerOf(NODE_ACKS, "node-1/routing")} finds it.
     */
    public static final String NODE_ACKS = "node-acks";
    /**
     * NetworkSlots by the project-stage task's partition (as a decimal string): the VLANs and blocks the pool stage gave
     * the task ahead of its new networks (ADR 0044). Not by project: the stock is the task's, shared by its projects.
     */
    public static final String NETWORK_SLOTS = "network-slots";
    /**
     * Offset by "topic-partition": the last input record of each partition the project stage processed, written by
     * its decode processors in the same transaction as the rest (a record at or below it is skipped: ADR 0024).
     */
    public static final String PROJECT_INPUT_POSITIONS = "project-input-positions";

    // ------------------------------------------------------------ pool stage
    /** VlanPoolRecord by physical network. */
    public static final String VLAN_POOLS = "vlan-pools";
    /** BlockPoolRecord under the key "blocks". */
    public static final String BLOCK_POOLS = "block-pools";
    /** FloatingPoolRecord by pool name. */
    public static final String FLOATING_POOLS = "floating-pools";
    /** NodeRecord by node id. */
    public static final String NODES = "nodes";
    /** As {@link #PROJECT_INPUT_POSITIONS}, for the pool stage's input (internal.claims). */
    public static final String POOL_INPUT_POSITIONS = "pool-input-positions";

    public static final List<String> PROJECT_STAGE = List.of(PROJECTS, PROJECT_QUEUE, REQUESTS_SEEN,
            REQUESTS_SEEN_BY_TIME, GROUPS, GROUP_ADDRESSES, FIXED_IPS, FIXED_IP_ADDRESSES, MACS, FLOATING_IPS,
            FLOATING_BY_FIXED, VPNS, NODE_ACKS, NETWORK_SLOTS, PROJECT_INPUT_POSITIONS);
    public static final List<String> POOL_STAGE = List.of(VLAN_POOLS, BLOCK_POOLS, FLOATING_POOLS, NODES, POOL_INPUT_POSITIONS);
}
