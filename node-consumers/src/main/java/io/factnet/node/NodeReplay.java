package io.factnet.node;

import io.factnet.model.AddressingEntry;
import io.factnet.model.DhcpNetwork;
import io.factnet.model.Node;
import io.factnet.model.NodeRole;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.runtime.NodeRecords;
import io.factnet.node.runtime.PartitionReplay;
import io.factnet.node.runtime.RoleReconciler;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.sim.SimIp;
import io.factnet.node.sim.SimulatedHost;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Rebuilds one node's desired state of one role from its partition of the compacted role topic (from
 * the beginning to the end offset taken at the start, the latest value per key, tombstones delete) and
 * renders it with the render driver into a folder: the files and the command plan an agent in render
 * mode writes for that state, what an operator compares with a node. The replay and the render are the
 * agents' own ({@link PartitionReplay}, {@link NodeRecords}, the role's reconciler on a simulated kernel);
 * nothing is written to Kafka.
 */
public final class NodeReplay {
    private static final Duration POLL = Duration.ofMillis(100);

    private NodeReplay() {
    }

    /** What the replay tells its caller while it runs. */
    public interface Listener {
        /**
         * {@code done} of {@code total} offsets of the partition read (a compacted log has gaps: offsets, not
         * records); called last, once, with {@code done == total}.
         */
        void progress(TopicPartition partition, long done, long total);

        /** A record of this node that cannot be read: skipped, the resource keeps its last good entry. */
        void badRecord(String key, String reason);
    }

    /**
     * What one role's replay found and wrote.
     *
     * @param records     records of the partition read, of every node
     * @param later       records of the partition, of every node, timestamped after the replay's moment: read, not applied
     * @param nodeRecords this node's records among them (tombstones and unreadable ones too)
     * @param keys        this node's resources in the rebuilt state
     * @param entries     those resources by kind of entry (FloatingNat, DhcpHost, ...)
     * @param sync        what the render made of them, with the entries it refused and why
     * @param files       the files written, relative to the output folder
     * @param desired     the rebuilt state itself: this node's resources (keys without the node id) and their entries,
     *                    each with the request id that last wrote it (the packet tracer names it per hop)
     */
    public record Summary(NodeRole role, TopicPartition partition, long records, long later, long nodeRecords, long badRecords,
                          int keys, Map<String, Long> entries, SyncReport sync, List<Path> files,
                          SortedMap<String, ? extends SpecificRecord> desired) {
    }

    /**
     * Which records of a role's partition a replay applies, in offset order: every one, those stamped by a moment
     * ({@code factnet replay --at}), or those up to the offset a node acked ({@code factnet trace --applied}).
     */
    @FunctionalInterface
    public interface Cut {
        Cut NONE = (role, record) -> true;

        boolean applies(NodeRole role, ConsumerRecord<?, ?> record);

        /** The records written by {@code at}: Instant.MAX (no moment) takes every one. */
        static Cut at(Instant at) {
            return (role, record) -> appliesAt(record, at);
        }

        /** Per role, the records at or below the offset given ({@code -1}, or a role not given: none). */
        static Cut upTo(Map<NodeRole, Long> offsets) {
            Map<NodeRole, Long> copy = Map.copyOf(offsets);
            return (role, record) -> record.offset() <= copy.getOrDefault(role, -1L);
        }
    }

    /**
     * Replays and renders each of {@code config.roles()} of {@code config.nodeId()} into
     * {@code config.stateDir()/<role>}, on one simulated kernel as a render-mode node does; the summaries
     * come in the order of {@code config.roles()}. Bridging is rendered
     * first: its bridges are what the addressing role's dnsmasq binds to. Without the bridging role the
     * bridges the addressing entries name are taken to exist, as they do on the node (another agent makes them).
     */
    public static List<Summary> run(NodeConfig config, Consumer<String, byte[]> consumer, SchemaRegistryClient registry,
                                    Listener listener, Duration timeout) throws Exception {
        return run(config, consumer, registry, listener, timeout, NodeProcess.simulatedKernel(config));
    }

    /** The same, on the given simulated kernel (made by {@link NodeProcess#simulatedKernel}): the caller may look at it after. */
    public static List<Summary> run(NodeConfig config, Consumer<String, byte[]> consumer, SchemaRegistryClient registry,
                                    Listener listener, Duration timeout, SimulatedHost kernel) throws Exception {
        return run(config, consumer, registry, listener, timeout, kernel, Instant.MAX);
    }

    /**
     * The same, the state as it was at {@code at}: of the records below the end offset, in offset order, only those
     * whose timestamp is {@code at} or before are applied. A node record's timestamp is its request's (event time, ADR
     * 0004), so this is the state after every request stamped up to {@code at}; what the cleaner may have removed
     * before it is ADR 0036's question, answered by the caller.
     */
    public static List<Summary> run(NodeConfig config, Consumer<String, byte[]> consumer, SchemaRegistryClient registry,
                                    Listener listener, Duration timeout, SimulatedHost kernel, Instant at) throws Exception {
        return run(config, consumer, registry, listener, timeout, kernel, Cut.at(at));
    }

    /** The same, applying only the records {@code cut} takes (the others are read and counted as later). */
    public static List<Summary> run(NodeConfig config, Consumer<String, byte[]> consumer, SchemaRegistryClient registry,
                                    Listener listener, Duration timeout, SimulatedHost kernel, Cut cut) throws Exception {
        List<NodeRole> order = new ArrayList<>(config.roles());
        order.sort(Comparator.comparing(role -> role != NodeRole.BRIDGING));
        Map<NodeRole, Summary> summaries = new java.util.EnumMap<>(NodeRole.class);
        for (NodeRole role : order) {
            summaries.put(role, replay(config, role, Topics.forRole(role), consumer, registry, kernel, listener, timeout, cut));
        }
        return config.roles().stream().map(summaries::get).toList();
    }

    private static <V extends SpecificRecord> Summary replay(NodeConfig config, NodeRole role, Topic<String, V> topic,
                                                             Consumer<String, byte[]> consumer, SchemaRegistryClient registry,
                                                             SimulatedHost kernel, Listener listener, Duration timeout,
                                                             Cut cut) throws Exception {
        TopicPartition partition = partitionOf(consumer, topic.name(), config.nodeId(), timeout);
        NodeRecords<V> records = new NodeRecords<>(config.nodeId(), new RecordDecoder<>(topic.valueDeserializer(registry)),
                (key, e) -> listener.badRecord(key, e.getMessage()));
        PartitionReplay replay = PartitionReplay.begin(consumer, partition);
        long total = replay.end() - replay.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        long later = 0;
        while (!replay.caughtUp()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the replay of " + partition + " did not reach offset " + replay.end()
                        + " within " + timeout.toSeconds() + " s");
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                if (cut.applies(role, record)) {
                    records.accept(record);
                } else {
                    later++;
                }
            }
            if (!replay.caughtUp()) {
                listener.progress(partition, Math.round(replay.progress() * total), total);
            }
        }
        listener.progress(partition, total, total);
        SortedMap<String, V> desired = records.desired().snapshot();
        if (role == NodeRole.ADDRESSING && !config.roles().contains(NodeRole.BRIDGING)) {
            bridgesExist(desired.values(), kernel);
        }
        Path root = NodeProcess.stateRoot(config.stateDir());
        @SuppressWarnings("unchecked")
        RoleReconciler<V> reconciler = (RoleReconciler<V>) NodeProcess.reconciler(config, role, root, Optional.of(kernel));
        reconciler.preflight();
        // The agents' first sync after their replay: a full one, checking the (simulated) kernel.
        SyncReport report = reconciler.sync(desired, true);
        return new Summary(role, partition, records.read() + later, later, records.ours(), records.bad(), desired.size(),
                kinds(desired), report, files(root, root.resolve(role.name().toLowerCase(java.util.Locale.ROOT))), desired);
    }

    /** True when the record was written by {@code at}: Instant.MAX (no moment) takes every record. */
    private static boolean appliesAt(ConsumerRecord<?, ?> record, Instant at) {
        return at.equals(Instant.MAX) || record.timestamp() <= at.toEpochMilli();
    }

    /**
     * The bridges the DHCP networks bind to, with their gateway address (dnsmasq listens on it), made in the simulated
     * kernel where missing (a bad name or address is left to the render to refuse).
     */
    private static void bridgesExist(Collection<? extends SpecificRecord> entries, SimulatedHost kernel) {
        for (SpecificRecord value : entries) {
            if (value instanceof AddressingEntry entry && entry.getEntry() instanceof DhcpNetwork network) {
                try {
                    SimIp.Link link = kernel.ip().links().get(network.getBridge());
                    if (link == null) {
                        link = kernel.ip().addLink(network.getBridge(), "bridge");
                    }
                    String gateway = Ipv4Address.parse(network.getGateway()) + "/" + Ipv4Cidr.parseNetwork(network.getCidr()).prefix();
                    if (!link.addresses.contains(gateway)) {
                        link.addresses.add(gateway);
                    }
                } catch (IllegalArgumentException e) {
                    // not a valid interface name or address: the addressing render refuses the entry and says why
                }
            }
        }
    }

    /** The node's registration (public address, roles) from the compacted factnet.state.nodes, if it registered. */
    public static Optional<Node> registration(Consumer<String, byte[]> consumer, SchemaRegistryClient registry, String nodeId,
                                              Duration timeout) {
        TopicPartition partition = partitionOf(consumer, Topics.STATE_NODES.name(), nodeId, timeout);
        RecordDecoder<Node> decoder = new RecordDecoder<>(Topics.STATE_NODES.valueDeserializer(registry));
        PartitionReplay replay = PartitionReplay.begin(consumer, partition);
        Node latest = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!replay.caughtUp() && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                if (nodeId.equals(record.key())) {
                    try {
                        latest = record.value() == null ? null : decoder.value(record);
                    } catch (BadRecordException e) {
                        latest = null; // an unreadable registration is no registration
                    }
                }
            }
        }
        return Optional.ofNullable(latest);
    }

    /** The node's partition of a topic (partitioned by node id), or one clear error when the topic is missing. */
    private static TopicPartition partitionOf(Consumer<String, byte[]> consumer, String topic, String nodeId, Duration timeout) {
        List<PartitionInfo> partitions;
        try {
            partitions = consumer.partitionsFor(topic, timeout);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("Kafka did not describe " + topic + " within " + timeout.toSeconds() + " s");
        }
        if (partitions == null || partitions.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist (factnet's topics are created by the controller)");
        }
        return new TopicPartition(topic, NodeKeys.partition(nodeId, partitions.size()));
    }

    /** Entries by the kind in their {@code entry} union (every node entry record has one). */
    private static Map<String, Long> kinds(SortedMap<String, ? extends SpecificRecord> desired) {
        Map<String, Long> kinds = new TreeMap<>();
        for (SpecificRecord value : desired.values()) {
            Schema.Field field = value.getSchema().getField("entry");
            Object entry = field == null ? value : value.get(field.pos());
            kinds.merge(entry.getClass().getSimpleName(), 1L, Long::sum);
        }
        return kinds;
    }

    private static List<Path> files(Path root, Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }
}
