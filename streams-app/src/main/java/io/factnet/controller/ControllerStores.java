package io.factnet.controller;

import io.factnet.controller.stage.StoreNames;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.NodeRecord;
import io.factnet.model.ProjectRecord;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Read-only access to the controller's stores (names in {@link StoreNames}). A store holds the keys of
 * this instance's tasks only: {@link #ownerOf} says which instance holds a key (route the query there).
 * Project-stage keys start with the project, so {@code ownerOf(store, project)} finds its owner.
 */
public final class ControllerStores {
    private final KafkaStreams streams;

    ControllerStores(KafkaStreams streams) {
        this.streams = streams;
    }

    public <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    /**
     * Throws {@link org.apache.kafka.streams.errors.InvalidStateStoreException} unless this instance's store
     * of that partition answers queries: a task just taken over is active here while it still restores,
     * and the store across all partitions would simply not find its keys.
     */
    public void requireQueryable(String name, int partition) {
        // store() only builds a view: the partition's store is looked up (and found missing) on first use
        streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore()).withPartition(partition))
                .approximateNumEntries();
    }

    /** Where a key lives: by the project for project-stage stores, by the pool id for pool-stage stores. */
    public KeyQueryMetadata ownerOf(String store, String partitionKey) {
        return streams.queryMetadataForKey(store, partitionKey, Serdes.String().serializer());
    }

    /** Every instance of the application (its {@code application.server}), this one included: where a list is gathered. */
    public List<HostInfo> instances() {
        return streams.metadataForAllStreamsClients().stream().map(StreamsMetadata::hostInfo).distinct().toList();
    }

    public Optional<ProjectRecord> project(String project) {
        return Optional.ofNullable(this.<ProjectRecord>store(StoreNames.PROJECTS).get(project));
    }

    public Optional<FixedIp> fixedIp(String project, String instance) {
        return Optional.ofNullable(this.<FixedIp>store(StoreNames.FIXED_IPS).get(project + "/" + instance));
    }

    public Optional<FloatingIp> floatingIp(String project, String address) {
        return Optional.ofNullable(this.<FloatingIp>store(StoreNames.FLOATING_IPS).get(project + "/" + address));
    }

    public Optional<NodeRecord> node(String nodeId) {
        return Optional.ofNullable(this.<NodeRecord>store(StoreNames.NODES).get(nodeId));
    }
}
