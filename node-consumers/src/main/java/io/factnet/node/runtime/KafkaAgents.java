package io.factnet.node.runtime;

import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.Topic;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Builds an agent on real Kafka clients: a consumer without a group (the agent assigns its partition itself). */
public final class KafkaAgents {
    private KafkaAgents() {
    }

    public static <V extends SpecificRecord> NodeAgent<V> build(AgentSettings settings, Topic<String, V> topic,
                                                               Map<String, Object> clientConfig,
                                                               SchemaRegistryClient registry,
                                                               RoleReconciler<V> reconciler, NodeEventSink events,
                                                               LongSupplier clock) {
        KafkaConsumer<String, byte[]> consumer = replayConsumer(clientConfig,
                "factnet-node-" + settings.nodeId() + "-" + settings.role().name().toLowerCase(Locale.ROOT));
        return new NodeAgent<>(settings, topic, consumer, new RecordDecoder<>(topic.valueDeserializer(registry)),
                reconciler, events, clock);
    }

    /** A consumer that reads a node's partition by assignment: no group, nothing committed, committed records only. */
    public static KafkaConsumer<String, byte[]> replayConsumer(Map<String, Object> clientConfig, String clientId) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // The controller writes transactionally: an aborted desired state must never reach the kernel.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // A replay reads one partition from the start: big fetches, few polls (100k records in one pass of a few polls).
        config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        config.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
        config.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 << 20);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
