package io.factnet.controller.http;

import static io.factnet.controller.http.AvroJson.JSON;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.controller.ControllerStores;
import io.factnet.controller.stage.StoreNames;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.SeenRequests;
import io.factnet.model.AppliedAck;
import io.factnet.model.BlockPoolRecord;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.FloatingPoolRecord;
import io.factnet.model.GroupRecord;
import io.factnet.model.NodeRecord;
import io.factnet.model.ProjectRecord;
import io.factnet.model.SeenRequest;
import io.factnet.model.VlanPoolRecord;
import io.factnet.model.VpnRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Answers from this instance's stores only (its active tasks): one project when this instance owns it,
 * or this instance's share of a list, which {@link QueryRouter} merges with the other instances' shares.
 * A store that is not here right now (its task is moving in a rebalance) is a 503.
 */
final class LocalState {
    private static final StringSerializer KEYS = new StringSerializer();

    private final ControllerStores stores;

    LocalState(ControllerStores stores) {
        this.stores = stores;
    }

    /** The project's view; 404 when this instance, its owner, has never seen it. */
    ObjectNode project(String project) {
        ProjectRecord record = this.<ProjectRecord>get(StoreNames.PROJECTS, project);
        if (record == null) {
            throw ApiException.notFound("no project " + project);
        }
        return projectView(record);
    }

    /** Share of {@code /v1/projects}: every project of this instance. */
    ObjectNode projects() {
        ArrayNode projects = JSON.arrayNode();
        forEach(StoreNames.PROJECTS, null, (String key, ProjectRecord record) -> projects.add(projectView(record)));
        return share("projects", projects);
    }

    private ObjectNode projectView(ProjectRecord record) {
        List<GroupRecord> groups = new ArrayList<>();
        forEach(StoreNames.GROUPS, record.getProject(), (String key, GroupRecord group) -> groups.add(group));
        VpnRecord vpn = this.<VpnRecord>get(StoreNames.VPNS, record.getProject());
        return StateViews.project(record, groups, vpn);
    }

    /** The project's instances (fixed IPs with their floating IPs); 404 for an unknown project. */
    ObjectNode instances(String project) {
        if (this.<ProjectRecord>get(StoreNames.PROJECTS, project) == null) {
            throw ApiException.notFound("no project " + project);
        }
        ObjectNode answer = share("instances", instancesOf(project));
        answer.put("project", project);
        return answer;
    }

    /** Share of {@code /v1/instances}: the instances of every project of this instance. */
    ObjectNode allInstances() {
        return share("instances", instancesOf(null));
    }

    private ArrayNode instancesOf(String project) {
        Map<String, List<String>> floatingByFixed = new LinkedHashMap<>();
        forEach(StoreNames.FLOATING_IPS, project, (String key, FloatingIp floating) -> {
            if (floating.getFixedAddress() != null) {
                floatingByFixed.computeIfAbsent(floating.getProject() + "/" + floating.getFixedAddress(), k -> new ArrayList<>())
                        .add(floating.getAddress());
            }
        });
        ArrayNode instances = JSON.arrayNode();
        forEach(StoreNames.FIXED_IPS, project, (String key, FixedIp fixed) -> instances.add(StateViews.instance(fixed,
                floatingByFixed.getOrDefault(fixed.getProject() + "/" + fixed.getAddress(), List.of()))));
        return instances;
    }

    /**
     * The project's requests that have a result, each with its first result (who asked included): what the project
     * stage remembers of them for the idempotency retention (7 days by default). Every page scans them all: the
     * answer is bounded by the page's limit, the work by the project's requests within the retention.
     */
    ObjectNode requests(String project) {
        if (this.<ProjectRecord>get(StoreNames.PROJECTS, project) == null) {
            throw ApiException.notFound("no project " + project);
        }
        ArrayNode requests = JSON.arrayNode();
        forEach(StoreNames.REQUESTS_SEEN, project, (String key, SeenRequest seen) -> {
            if (SeenRequests.answers(seen)) {
                requests.add(StateViews.request(SeenRequests.listed(key, seen)));
            }
        });
        ObjectNode answer = share("requests", requests);
        answer.put("project", project);
        return answer;
    }

    /** Floating IPs given to projects, of one pool or all (null), of one project or all (null). */
    ObjectNode floatingIps(String pool, String project) {
        ArrayNode floating = JSON.arrayNode();
        forEach(StoreNames.FLOATING_IPS, project, (String key, FloatingIp ip) -> {
            if (pool == null || pool.equals(ip.getPool())) {
                floating.add(StateViews.floatingIp(ip));
            }
        });
        return share("floatingIps", floating);
    }

    /** Share of {@code /v1/pools}: the pools whose pool-stage task runs here. */
    ObjectNode pools() {
        ArrayNode vlans = JSON.arrayNode();
        forEach(StoreNames.VLAN_POOLS, null, (String physnet, VlanPoolRecord pool) -> vlans.add(StateViews.vlanRange(physnet, pool)));
        ObjectNode answer = share("vlanRanges", vlans);
        BlockPoolRecord blocks = this.<BlockPoolRecord>get(StoreNames.BLOCK_POOLS, PoolKeys.BLOCKS);
        answer.set("supernet", blocks == null ? JSON.nullNode() : StateViews.supernet(blocks));
        ArrayNode floating = answer.putArray("floatingPools");
        forEach(StoreNames.FLOATING_POOLS, null, (String name, FloatingPoolRecord pool) -> floating.add(StateViews.floatingPool(name, pool)));
        return answer;
    }

    /** Share of {@code /v1/nodes}: registered nodes and agents' last acks kept here ({@link QueryRouter} joins them). */
    ObjectNode nodes() {
        ArrayNode nodes = JSON.arrayNode();
        forEach(StoreNames.NODES, null, (String id, NodeRecord node) -> nodes.add(StateViews.node(node)));
        ObjectNode answer = share("nodes", nodes);
        ArrayNode acks = answer.putArray("acks");
        forEach(StoreNames.NODE_ACKS, null, (String key, AppliedAck ack) -> acks.add(StateViews.ack(ack)));
        return answer;
    }

    /** The last acks kept here, for the offset-lag metric. */
    List<AppliedAck> acks() {
        List<AppliedAck> acks = new ArrayList<>();
        forEach(StoreNames.NODE_ACKS, null, (String key, AppliedAck ack) -> acks.add(ack));
        return acks;
    }

    private <V> void forEach(String storeName, String project, BiConsumer<String, V> action) {
        ReadOnlyKeyValueStore<String, V> store = store(storeName);
        try (KeyValueIterator<String, V> entries = project == null ? store.all() : store.prefixScan(project + "/", KEYS)) {
            while (entries.hasNext()) {
                KeyValue<String, V> entry = entries.next();
                action.accept(entry.key, entry.value);
            }
        } catch (InvalidStateStoreException e) {
            throw moving(storeName, e);
        }
    }

    private <V> V get(String storeName, String key) {
        try {
            return this.<V>store(storeName).get(key);
        } catch (InvalidStateStoreException e) {
            throw moving(storeName, e);
        }
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        try {
            return stores.store(name);
        } catch (InvalidStateStoreException e) {
            throw moving(name, e);
        }
    }

    private static ApiException moving(String store, InvalidStateStoreException e) {
        return ApiException.unavailable("store " + store + " is not queryable here right now (" + e.getMessage()
                + "): its tasks are moving between controllers; retry shortly");
    }

    private static ObjectNode share(String field, ArrayNode items) {
        ObjectNode answer = JSON.objectNode();
        answer.set(field, items);
        return answer;
    }
}
