package io.factnet.client;

import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRef;
import io.factnet.model.Request;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * Waits until every node a request touched has applied it (OVN's nb_cfg/hv_cfg): first finds the offset
 * of the request's record in the node's partition of its role topic (by the request id in the record's
 * {@value NodeKeys#REQUEST_ID_HEADER} header, which tombstones carry too, or in its value), then waits
 * for an AppliedAck of that node and role at or past that offset, without an error, or whose error names
 * other resources than the request's (its {@code notApplied}). Acks are monotonic
 * per node, so an ack past the offset means the request's change is live whatever else was applied with it.
 */
final class AppliedWaiter {
    private static final Duration POLL = Duration.ofMillis(100);

    /** Where a touched node's change sits in its role topic, and the node's resources it wrote there. */
    private record Target(NodeRef node, TopicPartition partition, long offset, Set<String> resources) {
    }

    private final KafkaConsumer<String, byte[]> reader;
    private final SchemaRegistryClient registry;
    private final Map<TopicPartition, Long> before;
    private final Deadline deadline;
    private final Consumer<String> warn;

    /**
     * @param before end offsets taken before the request was produced, of every node topic partition and
     *               of factnet.node-events: the request's records and acks can only be at or after them
     */
    AppliedWaiter(KafkaConsumer<String, byte[]> reader, SchemaRegistryClient registry, Map<TopicPartition, Long> before,
                  Deadline deadline, Consumer<String> warn) {
        this.reader = reader;
        this.registry = registry;
        this.before = before;
        this.deadline = deadline;
        this.warn = warn;
    }

    List<Applied> await(String requestId, List<NodeRef> touched) {
        List<Target> targets = new ArrayList<>();
        for (NodeRef node : touched.stream().distinct().toList()) {
            targets.add(findTarget(requestId, node));
        }
        return awaitAcks(requestId, targets);
    }

    /** The offset to wait for in the node's partition: the last record written there for this request. */
    private Target findTarget(String requestId, NodeRef node) {
        Topic<String, ? extends SpecificRecord> topic = Topics.forRole(node.getRole());
        int partitions = RequestClient.partitions(reader, topic.name(), deadline).size();
        TopicPartition partition = new TopicPartition(topic.name(), NodeKeys.partition(node.getNodeId(), partitions));
        RecordDecoder<? extends SpecificRecord> decoder = new RecordDecoder<>(topic.valueDeserializer(registry));
        // The result is committed, and with it (one transaction) the node records: all are below this end offset.
        long end = reader.endOffsets(List.of(partition), deadline.remainingAtMost(RequestClient.CONNECT_TIMEOUT)).get(partition);
        reader.assign(List.of(partition));
        reader.seek(partition, before.getOrDefault(partition, 0L));
        long ours = -1;
        Set<String> resources = new HashSet<>();
        while (!deadline.passed()) {
            for (ConsumerRecord<String, byte[]> record : reader.poll(deadline.remainingAtMost(POLL))) {
                if (node.getNodeId().equals(nodeIdOf(record.key())) && requestId.equals(requestIdOf(decoder, record))) {
                    ours = record.offset();
                    resources.add(NodeKeys.resourceOf(record.key()));
                }
            }
            if (ours >= 0 && reader.position(partition) >= end) {
                return new Target(node, partition, ours, Set.copyOf(resources));
            }
        }
        throw new IllegalStateException("request " + requestId + " was accepted, but no record of it reached "
                + partition + " for node " + node.getNodeId() + " within " + deadline.total().toMillis() + " ms");
    }

    /** The request that wrote a node record: its header, else (a writer without headers) its value's requestId. */
    private String requestIdOf(RecordDecoder<? extends SpecificRecord> decoder, ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader(NodeKeys.REQUEST_ID_HEADER);
        if (header != null && header.value() != null) {
            return new String(header.value(), StandardCharsets.UTF_8);
        }
        if (record.value() == null) {
            return null;
        }
        try {
            SpecificRecord value = decoder.value(record);
            Schema.Field field = value.getSchema().getField("requestId");
            return field == null ? null : String.valueOf(value.get(field.pos()));
        } catch (BadRecordException e) {
            warn.accept("skipped an unreadable node record: " + e.getMessage());
            return null;
        }
    }

    private static String nodeIdOf(String key) {
        try {
            return key == null ? null : NodeKeys.nodeIdOf(key);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private List<Applied> awaitAcks(String requestId, List<Target> targets) {
        Map<Target, Applied> applied = new LinkedHashMap<>();
        Map<Target, AppliedAck> lastSeen = new LinkedHashMap<>();
        List<TopicPartition> events = before.keySet().stream()
                .filter(tp -> tp.topic().equals(Topics.NODE_EVENTS.name())).toList();
        reader.assign(events);
        events.forEach(tp -> reader.seek(tp, before.get(tp)));
        RecordDecoder<Request> decoder = new RecordDecoder<>(Topics.NODE_EVENTS.valueDeserializer(registry));
        while (applied.size() < targets.size() && !deadline.passed()) {
            for (ConsumerRecord<String, byte[]> record : reader.poll(deadline.remainingAtMost(POLL))) {
                AppliedAck ack = ackOf(decoder, record);
                if (ack == null) {
                    continue;
                }
                for (Target target : targets) {
                    if (applied.containsKey(target) || !covers(ack, target)) {
                        continue;
                    }
                    if (AppliedAcks.holdsBack(ack, target.resources())) {
                        AppliedAck previous = lastSeen.put(target, ack);
                        if (previous != null && ack.getError().equals(previous.getError())) {
                            continue; // the same failure again: said once is enough
                        }
                        warn.accept(target.node().getNodeId() + " " + target.node().getRole() + " failed to apply up to offset "
                                + ack.getAppliedOffset() + ": " + ack.getError() + " (waiting for a retry)");
                        continue;
                    }
                    applied.put(target, new Applied(target.node().getNodeId(), target.node().getRole(),
                            target.partition().topic(), target.partition().partition(), target.offset(),
                            ack.getAppliedOffset(), ack.getApplyMillis(), ack.getPublicKey()));
                }
            }
        }
        if (applied.size() < targets.size()) {
            List<String> pending = new ArrayList<>();
            for (Target target : targets) {
                if (!applied.containsKey(target)) {
                    AppliedAck failed = lastSeen.get(target);
                    pending.add(target.node().getNodeId() + " " + target.node().getRole() + " (offset " + target.offset()
                            + " of " + target.partition() + (failed != null ? "; last apply failed: " + failed.getError() : "") + ")");
                }
            }
            throw new IllegalStateException("request " + requestId + " was accepted but not applied within "
                    + deadline.total().toMillis() + " ms by " + String.join(", ", pending));
        }
        return targets.stream().map(applied::get).toList();
    }

    private static boolean covers(AppliedAck ack, Target target) {
        return ack.getNodeId().equals(target.node().getNodeId())
                && ack.getRole() == target.node().getRole()
                && ack.getPartition() == target.partition().partition()
                && ack.getAppliedOffset() >= target.offset();
    }

    private AppliedAck ackOf(RecordDecoder<Request> decoder, ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            return decoder.value(record).getCommand() instanceof AppliedAck ack ? ack : null;
        } catch (BadRecordException e) {
            warn.accept("skipped an unreadable node event: " + e.getMessage());
            return null;
        }
    }
}
