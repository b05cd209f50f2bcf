package io.factnet.node;

import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads factnet.node-events from the beginning and waits (with a deadline) for the event a test expects. */
public final class NodeEventsReader implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final RecordDecoder<Request> decoder;
    private final List<Request> seen = new ArrayList<>();

    public NodeEventsReader(String bootstrap, SchemaRegistryClient registry) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.NODE_EVENTS.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        decoder = new RecordDecoder<>(Topics.NODE_EVENTS.valueDeserializer(registry));
    }

    /** Every event read so far. */
    public List<Request> seen() {
        poll(Duration.ZERO);
        return List.copyOf(seen);
    }

    public Request await(Predicate<Request> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Request> found = seen.stream().filter(wanted).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no such node event within " + timeout + "; seen: " + seen);
            }
            poll(Duration.ofMillis(100));
        }
    }

    /** The first ack of this node and role that reflects at least {@code offset}. */
    /**
     * The first ack that applied everything up to {@code offset} without an error. An agent may ack that offset with
     * an error first and retry (addressing before the bridging agent made its bridge, ADR 0022).
     */
    public AppliedAck awaitCleanAck(String nodeId, NodeRole role, long offset, Duration timeout) {
        return (AppliedAck) await(r -> r.getCommand() instanceof AppliedAck ack && ack.getNodeId().equals(nodeId)
                && ack.getRole() == role && ack.getAppliedOffset() >= offset && ack.getError() == null, timeout).getCommand();
    }

    public AppliedAck awaitAck(String nodeId, NodeRole role, long offset, Duration timeout) {
        return (AppliedAck) await(r -> r.getCommand() instanceof AppliedAck ack && ack.getNodeId().equals(nodeId)
                && ack.getRole() == role && ack.getAppliedOffset() >= offset, timeout).getCommand();
    }

    public List<AppliedAck> acks(String nodeId, NodeRole role) {
        return seen().stream().filter(r -> r.getCommand() instanceof AppliedAck ack && ack.getNodeId().equals(nodeId)
                && ack.getRole() == role).map(r -> (AppliedAck) r.getCommand()).toList();
    }

    private void poll(Duration timeout) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
            seen.add(decoder.value(record));
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
