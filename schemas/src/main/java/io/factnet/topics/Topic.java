package io.factnet.topics;

import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.AvroDeserializer;
import io.factnet.serde.AvroSerde;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * One Kafka topic of factnet: its name, its key serde (keys are plain strings: a schema id inside
 * a key would split one logical key of a compacted topic in two), its value type and how it is kept.
 *
 * @param compacted   true for the fact engine's topics: the latest value per key is the state, null deletes
 * @param byNode      true for node desired-state topics: partitioned by the node id in front of the key
 */
public record Topic<K, V extends SpecificRecord>(String name, Serde<K> keySerde, Class<V> valueType,
                                                 boolean compacted, boolean byNode) {

    public Serde<V> valueSerde(SchemaRegistryClient registry) {
        return new AvroSerde<>(registry, valueType, true);
    }

    public Serde<V> valueSerde(SchemaRegistryClient registry, boolean autoRegister) {
        return new AvroSerde<>(registry, valueType, autoRegister);
    }

    public AvroDeserializer<V> valueDeserializer(SchemaRegistryClient registry) {
        return new AvroDeserializer<>(registry, valueType);
    }

    /** The registry subject of the value schema (Confluent's TopicNameStrategy). */
    public String valueSubject() {
        return name + "-value";
    }

    /** Topic-level configs this topic is created with. */
    public Map<String, String> configs() {
        if (compacted) {
            return Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1",
                    "segment.ms", "3600000");
        }
        return Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(7L * 24 * 3600 * 1000));
    }

    @Override
    public String toString() {
        return name;
    }
}
