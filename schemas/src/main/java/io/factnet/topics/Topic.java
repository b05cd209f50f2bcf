package io.factnet.topics;

import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.AvroDeserializer;
import io.factnet.serde.AvroSerde;
import java.time.Duration;
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

    /** How long an event topic keeps its records unless the operator says otherwise: the history's depth. */
    public static final Duration DEFAULT_EVENT_RETENTION = Duration.ofDays(7);

    /** Topic-level configs this topic is created with. */
    public Map<String, String> configs() {
        return configs(DEFAULT_EVENT_RETENTION);
    }

    /** As {@link #configs()}, an event topic keeping its records this long (negative: for ever). */
    public Map<String, String> configs(Duration eventRetention) {
        if (compacted) {
            return Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1",
                    "segment.ms", "3600000");
        }
        return Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(eventRetention.isNegative() ? -1 : eventRetention.toMillis()));
    }

    @Override
    public String toString() {
        return name;
    }
}
