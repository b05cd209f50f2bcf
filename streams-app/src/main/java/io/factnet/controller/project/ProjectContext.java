package io.factnet.controller.project;

import io.factnet.controller.stage.FloatingStock;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.Rejected;
import io.factnet.controller.stage.Sinks;
import io.factnet.controller.stage.Tx;
import io.factnet.model.AddressingEntry;
import io.factnet.model.BridgingEntry;
import io.factnet.model.Claim;
import io.factnet.model.ClaimHop;
import io.factnet.model.Grant;
import io.factnet.model.GroupRecord;
import io.factnet.model.Network;
import io.factnet.model.NodeRole;
import io.factnet.model.ProjectRecord;
import io.factnet.model.RoutingEntry;
import io.factnet.model.TunnelingEntry;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topic;
import java.util.List;

/**
 * What a handler works with for one request of one project: the project's record (a copy, saved by the
 * processor), the stores through the request's transaction, the event time, and ways to emit facts,
 * node desired state and claims.
 */
final class ProjectContext {
    static final String DEFAULT_GROUP = "default";

    final ProjectStores stores;
    final Tx tx;
    final String project;
    final String requestId;
    /** Event time of the request (the project's clock: never goes back). */
    final long now;
    final long holdDownMillis;
    /** How long a down instance keeps its fixed IP before the controller releases it; negative: never (ADR 0031). */
    final long releaseGoneAfterMillis;
    ProjectRecord record;
    /** The project's stock of floating addresses per pool (ADR 0039). */
    final FloatingStock stock;
    /** The task's network slots (ADR 0044). */
    final NetworkSlotStock slots;

    ProjectContext(ProjectStores stores, Tx tx, ProjectRecord record, String requestId, long now, long holdDownMillis,
                   long releaseGoneAfterMillis, FloatingStock stock, NetworkSlotStock slots) {
        this.stock = stock;
        this.slots = slots;
        this.releaseGoneAfterMillis = releaseGoneAfterMillis;
        this.stores = stores;
        this.tx = tx;
        this.record = record;
        this.project = record.getProject();
        this.requestId = requestId;
        this.now = now;
        this.holdDownMillis = holdDownMillis;
    }

    /** A store key of this project. */
    String key(String part) {
        return project + "/" + part;
    }

    Network network() {
        return record.getNetwork();
    }

    Network requireNetwork() {
        if (record.getNetwork() == null) {
            throw Rejected.notFound("project " + project + " has no network");
        }
        return record.getNetwork();
    }

    /** The group, or the implicit default group (not stored until saved), or null. */
    GroupRecord group(String name) {
        GroupRecord group = stores.groups.get(key(name));
        if (group == null && DEFAULT_GROUP.equals(name)) {
            return GroupRecord.newBuilder().setName(DEFAULT_GROUP).setDescription("default").setImplicit(true).build();
        }
        return group;
    }

    GroupRecord requireGroup(String name) {
        GroupRecord group = group(name);
        if (group == null) {
            throw Rejected.notFound("project " + project + " has no security group " + name);
        }
        return group;
    }

    /** A fact: latest value per key on a state topic; null deletes. */
    void state(Topic<String, ?> topic, String key, Object value) {
        tx.emit(Sinks.of(topic), key, value);
    }

    /** Desired state of one node: entry is the union branch (FloatingNat, DhcpHost, ...), null deletes. */
    void node(NodeRole role, String nodeId, String resource, Object entry) {
        Object value = entry == null ? null : switch (role) {
            case ROUTING -> RoutingEntry.newBuilder().setProject(project).setRequestId(requestId).setEntry(entry).build();
            case ADDRESSING -> AddressingEntry.newBuilder().setProject(project).setRequestId(requestId).setEntry(entry).build();
            case BRIDGING -> BridgingEntry.newBuilder().setProject(project).setRequestId(requestId).setEntry(entry).build();
            case TUNNELING -> TunnelingEntry.newBuilder().setProject(project).setRequestId(requestId).setEntry(entry).build();
        };
        tx.emit(Sinks.node(role), NodeKeys.key(nodeId, resource), value, requestId);
    }

    /** Desired state on the network's node of a role (routing, addressing or bridging). */
    void onNetworkNode(NodeRole role, String resource, Object entry) {
        node(role, nodeOf(requireNetwork(), role), resource, entry);
    }

    static String nodeOf(Network network, NodeRole role) {
        return switch (role) {
            case ROUTING -> network.getNodes().getRouting();
            case ADDRESSING -> network.getNodes().getAddressing();
            case BRIDGING -> network.getNodes().getBridging();
            case TUNNELING -> network.getNodes().getTunneling();
        };
    }

    /** A fire-and-forget claim (a release): no grant comes back. */
    void release(String pool, Object op) {
        tx.emit(Sinks.PROJECT_CLAIMS, pool, claim(List.of(PoolKeys.hop(pool, op)), false));
    }

    Claim claim(List<ClaimHop> hops, boolean reply) {
        return claim(hops, reply, null);
    }

    /** A claim whose grant starts from {@code seed} (what the project stage gives the hops: a network slot, ADR 0044). */
    Claim claim(List<ClaimHop> hops, boolean reply, Grant seed) {
        Grant grant = (seed == null ? Grant.newBuilder() : Grant.newBuilder(seed)).setRequestId(requestId).setProject(project).build();
        return Claim.newBuilder().setHops(hops).setGrant(grant).setReply(reply).build();
    }
}
