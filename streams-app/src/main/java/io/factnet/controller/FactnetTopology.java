package io.factnet.controller;

import io.factnet.controller.pool.PoolProcessor;
import io.factnet.controller.project.ProjectProcessor;
import io.factnet.controller.stage.CommitPacer;
import io.factnet.controller.stage.DecodeProcessor;
import io.factnet.controller.stage.InputPositions;
import io.factnet.controller.stage.KeyPartitions;
import io.factnet.controller.stage.NodePartitioner;
import io.factnet.controller.stage.PoisonRecords;
import io.factnet.controller.stage.RequestOutcomes;
import io.factnet.controller.stage.Sinks;
import io.factnet.controller.stage.StoreNames;
import io.factnet.model.AppliedAck;
import io.factnet.model.BlockPoolRecord;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.FloatingPoolRecord;
import io.factnet.model.GroupRecord;
import io.factnet.model.NodeRecord;
import io.factnet.model.NodeRole;
import io.factnet.model.NetworkSlots;
import io.factnet.model.ProjectRecord;
import io.factnet.model.QueuedRequest;
import io.factnet.model.SeenRequest;
import io.factnet.model.SubnetAddresses;
import io.factnet.model.VlanPoolRecord;
import io.factnet.model.VpnRecord;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClients;
import io.factnet.serde.AvroSerde;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The NetworkController's topology, built in this one place. Two sub-topologies joined by the saga topics:
 * <pre>
 * requests, admin-requests, node-events --decode-requests--+
 * internal.grants --------------------------decode-grants--+--> project-stage --> results, state.*, node.*,
 *                                                               (13 stores)       internal.claims, dead-letters
 * internal.claims --decode-claims--> pool-stage (4 stores) --> internal.grants, internal.claims, state.nodes, dead-letters
 * </pre>
 * The decode processors share their stage's input-positions store ({@link InputPositions}).
 * Sources read raw bytes; the decode processors turn unreadable records into dead letters, and records whose
 * processing failed twice the same way too ({@link PoisonRecords}; a skipped request gets a REJECTED INTERNAL result).
 */
public final class FactnetTopology {
    private FactnetTopology() {
    }

    public static final String REQUESTS_SOURCE = "requests-source";
    public static final String ADMIN_REQUESTS_SOURCE = "admin-requests-source";
    public static final String NODE_EVENTS_SOURCE = "node-events-source";
    public static final String GRANTS_SOURCE = "grants-source";
    public static final String CLAIMS_SOURCE = "claims-source";
    public static final String DECODE_REQUESTS = "decode-requests";
    public static final String DECODE_GRANTS = "decode-grants";
    public static final String DECODE_CLAIMS = "decode-claims";
    public static final String PROJECT_STAGE = "project-stage";
    public static final String POOL_STAGE = "pool-stage";

    private static final List<Topic<String, ?>> PROJECT_STATE_TOPICS = List.of(Topics.STATE_NETWORKS,
            Topics.STATE_GROUP_SUBNETS, Topics.STATE_GROUPS, Topics.STATE_FIXED_IPS, Topics.STATE_FLOATING_IPS,
            Topics.STATE_VPNS, Topics.STATE_INSTANCE_METADATA);

    /**
     * The topology with the registry the config names, for inputs with these partition counts (the stages refuse
     * a record that is not in its key's partition); results are counted into {@code outcomes}.
     */
    public static Topology build(ControllerConfig config, RequestOutcomes outcomes, KeyPartitions partitions) {
        return build(config, SchemaRegistryClients.create(config.registry()), outcomes, new PoisonRecords(),
                new InputPositions.Replays(), partitions);
    }

    /** For a topology test driver: one partition per input topic. */
    public static Topology build(ControllerConfig config, SchemaRegistryClient registry) {
        return build(config, registry, new RequestOutcomes());
    }

    /** For a topology test driver: one partition per input topic. */
    public static Topology build(ControllerConfig config, SchemaRegistryClient registry, RequestOutcomes outcomes) {
        return build(config, registry, outcomes, new PoisonRecords(), new InputPositions.Replays(), KeyPartitions.ONE);
    }

    /**
     * The topology, for inputs with these partition counts (the stages refuse a record that is not in its key's
     * partition). {@code poison} outlives the stream threads (a replaced thread reads the failed record again), so
     * the controller makes it once, and {@code replays} (records skipped as processed already) too. The topology gets the streams config, so that a {@code processor.wrapper.class}
     * (Kafka Streams' hook to wrap every processor, e.g. for tracing) applies.
     */
    public static Topology build(ControllerConfig config, SchemaRegistryClient registry, RequestOutcomes outcomes,
                                 PoisonRecords poison, InputPositions.Replays replays, KeyPartitions partitions) {
        boolean register = config.autoRegisterSchemas();
        boolean persistent = !config.inMemoryStores();
        ByteArrayDeserializer bytes = new ByteArrayDeserializer();
        StringSerializer keys = new StringSerializer();
        Topology topology = new Topology(new TopologyConfig(new StreamsConfig(config.streams())));
        ThreadLocal<CommitPacer> pacers = CommitPacer.perThread(config.commitPacing());
        Duration tick = Duration.ofMillis(config.commitPacing().quickMillis());

        // ---------------------------------------------------------------- project stage (key = project)
        topology.addSource(REQUESTS_SOURCE, bytes, bytes, Topics.REQUESTS.name());
        topology.addSource(ADMIN_REQUESTS_SOURCE, bytes, bytes, Topics.ADMIN_REQUESTS.name());
        topology.addSource(NODE_EVENTS_SOURCE, bytes, bytes, Topics.NODE_EVENTS.name());
        topology.addSource(GRANTS_SOURCE, bytes, bytes, Topics.INTERNAL_GRANTS.name());
        topology.addProcessor(DECODE_REQUESTS, () -> new DecodeProcessor<>(Topics.REQUESTS.valueDeserializer(registry),
                PROJECT_STAGE, Sinks.PROJECT_DEAD_LETTERS, poison, StoreNames.PROJECT_INPUT_POSITIONS, replays).answeringSkippedRequests(Sinks.RESULTS, outcomes)
                        .pacedBy(pacers, tick),
                REQUESTS_SOURCE, ADMIN_REQUESTS_SOURCE, NODE_EVENTS_SOURCE);
        topology.addProcessor(DECODE_GRANTS, () -> new DecodeProcessor<>(Topics.INTERNAL_GRANTS.valueDeserializer(registry),
                PROJECT_STAGE, Sinks.PROJECT_DEAD_LETTERS, poison, StoreNames.PROJECT_INPUT_POSITIONS, replays).pacedBy(pacers, tick), GRANTS_SOURCE);
        topology.addProcessor(PROJECT_STAGE, () -> new ProjectProcessor(config.fixedIpHoldDown(), config.idempotencyRetention(), outcomes,
                partitions.projectStage(), config.releaseGoneAfter(), config.floatingStock(), config.networkStock()),
                DECODE_REQUESTS, DECODE_GRANTS);
        topology.addStateStore(store(StoreNames.PROJECTS, avro(registry, ProjectRecord.class, register), persistent), PROJECT_STAGE);
        topology.addStateStore(store(StoreNames.PROJECT_QUEUE, avro(registry, QueuedRequest.class, register), persistent), PROJECT_STAGE);
        topology.addStateStore(store(StoreNames.REQUESTS_SEEN, avro(registry, SeenRequest.class, register), persistent), PROJECT_STAGE);
        topology.addStateStore(index(StoreNames.REQUESTS_SEEN_BY_TIME), PROJECT_STAGE);
        topology.addStateStore(store(StoreNames.GROUPS, avro(registry, GroupRecord.class, register), persistent), PROJECT_STAGE);
        topology.addStateStore(store(StoreNames.GROUP_ADDRESSES, avro(registry, SubnetAddresses.class, register), persistent), PROJECT_STAGE);
        topology.addStateStore(store(StoreNames.FIXED_IPS, avro(registry, FixedIp.class, register), persistent), PROJECT_STAGE);
        topology.addStateStore(index(StoreNames.FIXED_IP_ADDRESSES), PROJECT_STAGE);
        topology.addStateStore(index(StoreNames.MACS), PROJECT_STAGE);
        topology.addStateStore(store(StoreNames.FLOATING_IPS, avro(registry, FloatingIp.class, register), persistent), PROJECT_STAGE);
        topology.addStateStore(index(StoreNames.FLOATING_BY_FIXED), PROJECT_STAGE);
        topology.addStateStore(store(StoreNames.VPNS, avro(registry, VpnRecord.class, register), persistent), PROJECT_STAGE);
        topology.addStateStore(store(StoreNames.NODE_ACKS, avro(registry, AppliedAck.class, register), persistent), PROJECT_STAGE);
        topology.addStateStore(store(StoreNames.NETWORK_SLOTS, avro(registry, NetworkSlots.class, register), persistent), PROJECT_STAGE);
        topology.addStateStore(store(StoreNames.PROJECT_INPUT_POSITIONS, Serdes.Long(), persistent), DECODE_REQUESTS, DECODE_GRANTS);

        sink(topology, Sinks.RESULTS, Topics.RESULTS, registry, register, PROJECT_STAGE, DECODE_REQUESTS);
        for (Topic<String, ?> state : PROJECT_STATE_TOPICS) {
            sink(topology, Sinks.of(state), state, registry, register, PROJECT_STAGE);
        }
        for (NodeRole role : NodeRole.values()) {
            Topic<String, ?> topic = Topics.forRole(role);
            topology.addSink(Sinks.node(role), topic.name(), keys, serializer(topic, registry, register),
                    new NodePartitioner(), PROJECT_STAGE);
        }
        sink(topology, Sinks.PROJECT_CLAIMS, Topics.INTERNAL_CLAIMS, registry, register, PROJECT_STAGE);
        sink(topology, Sinks.PROJECT_DEAD_LETTERS, Topics.DEAD_LETTERS, registry, register, DECODE_REQUESTS, DECODE_GRANTS);

        // ---------------------------------------------------------------- pool stage (key = pool id)
        topology.addSource(CLAIMS_SOURCE, bytes, bytes, Topics.INTERNAL_CLAIMS.name());
        topology.addProcessor(DECODE_CLAIMS, () -> new DecodeProcessor<>(Topics.INTERNAL_CLAIMS.valueDeserializer(registry),
                POOL_STAGE, Sinks.POOL_DEAD_LETTERS, poison, StoreNames.POOL_INPUT_POSITIONS, replays).pacedBy(pacers, tick), CLAIMS_SOURCE);
        topology.addProcessor(POOL_STAGE, () -> new PoolProcessor(partitions.poolStage()), DECODE_CLAIMS);
        topology.addStateStore(store(StoreNames.VLAN_POOLS, avro(registry, VlanPoolRecord.class, register), persistent), POOL_STAGE);
        topology.addStateStore(store(StoreNames.BLOCK_POOLS, avro(registry, BlockPoolRecord.class, register), persistent), POOL_STAGE);
        topology.addStateStore(store(StoreNames.FLOATING_POOLS, avro(registry, FloatingPoolRecord.class, register), persistent), POOL_STAGE);
        topology.addStateStore(store(StoreNames.NODES, avro(registry, NodeRecord.class, register), persistent), POOL_STAGE);
        topology.addStateStore(store(StoreNames.POOL_INPUT_POSITIONS, Serdes.Long(), persistent), DECODE_CLAIMS);
        sink(topology, Sinks.GRANTS, Topics.INTERNAL_GRANTS, registry, register, POOL_STAGE);
        sink(topology, Sinks.POOL_CLAIMS, Topics.INTERNAL_CLAIMS, registry, register, POOL_STAGE);
        sink(topology, Sinks.of(Topics.STATE_NODES), Topics.STATE_NODES, registry, register, POOL_STAGE);
        sink(topology, Sinks.POOL_DEAD_LETTERS, Topics.DEAD_LETTERS, registry, register, DECODE_CLAIMS);
        return topology;
    }

    private static void sink(Topology topology, String name, Topic<String, ?> topic, SchemaRegistryClient registry,
                             boolean register, String... parents) {
        topology.addSink(name, topic.name(), new StringSerializer(), serializer(topic, registry, register), parents);
    }

    @SuppressWarnings("unchecked")
    private static Serializer<Object> serializer(Topic<String, ?> topic, SchemaRegistryClient registry, boolean register) {
        return (Serializer<Object>) topic.valueSerde(registry, register).serializer();
    }

    private static <V extends SpecificRecord> Serde<V> avro(SchemaRegistryClient registry, Class<V> type, boolean register) {
        return new AvroSerde<>(registry, type, register);
    }

    /**
     * An index of the project stage: in memory, without a changelog, rebuilt from the stores it indexes when its task
     * starts (DerivedIndexes, ADR 0028).
     */
    private static StoreBuilder<KeyValueStore<String, String>> index(String name) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.String())
                .withLoggingDisabled().withCachingDisabled();
    }

    /** A store with a changelog (named after it) and a cache; RocksDB unless in-memory stores were asked for. */
    private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<V> values, boolean persistent) {
        KeyValueBytesStoreSupplier supplier = persistent ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
        return Stores.keyValueStoreBuilder(supplier, Serdes.String(), values).withCachingEnabled();
    }
}
