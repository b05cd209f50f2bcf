package io.factnet.node;

import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topic;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes node desired state straight to the node topics, as the controller does (key node/resource,
 * the node's partition, null deletes), optionally several records in one transaction.
 */
public final class NodeTopicsWriter implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final SchemaRegistryClient registry;
    private final int partitions;

    public NodeTopicsWriter(String bootstrap, SchemaRegistryClient registry, int partitions, String transactionalId) {
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId, ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new ByteArraySerializer());
        this.producer.initTransactions();
        this.registry = registry;
        this.partitions = partitions;
    }

    /** One desired-state change; a null entry is a tombstone. */
    public record Change<V extends SpecificRecord>(Topic<String, V> topic, String nodeId, String resource, V entry) {
    }

    public static <V extends SpecificRecord> Change<V> change(Topic<String, V> topic, String nodeId, String resource, V entry) {
        return new Change<>(topic, nodeId, resource, entry);
    }

    /** Writes the changes in one transaction; returns the offset of the last one. */
    public long write(List<? extends Change<?>> changes) {
        producer.beginTransaction();
        Future<RecordMetadata> last = null;
        try {
            for (Change<?> change : changes) {
                last = send(change);
            }
            producer.commitTransaction();
            return last == null ? -1 : last.get().offset();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("cannot write desired state: " + e.getMessage(), e);
        }
    }

    /** Writes raw bytes as a value (a record nobody can read), in its own transaction. */
    public long writeRaw(Topic<String, ?> topic, String nodeId, String resource, byte[] value) {
        producer.beginTransaction();
        try {
            RecordMetadata metadata = producer.send(new ProducerRecord<>(topic.name(),
                    NodeKeys.partition(nodeId, partitions), NodeKeys.key(nodeId, resource), value)).get();
            producer.commitTransaction();
            return metadata.offset();
        } catch (InterruptedException | ExecutionException e) {
            producer.abortTransaction();
            throw new IllegalStateException(e);
        }
    }

    private <V extends SpecificRecord> Future<RecordMetadata> send(Change<V> change) {
        byte[] value = change.entry() == null ? null
                : change.topic().valueSerde(registry).serializer().serialize(change.topic().name(), change.entry());
        return producer.send(new ProducerRecord<>(change.topic().name(), NodeKeys.partition(change.nodeId(), partitions),
                NodeKeys.key(change.nodeId(), change.resource()), value));
    }

    @Override
    public void close() {
        producer.close();
    }
}
