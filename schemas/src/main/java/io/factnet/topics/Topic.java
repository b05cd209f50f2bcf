package io.factnet.topics;

import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.AvroDeserializer;
import io.factnet.serde.AvroSerde;
import java.time.Duration;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.TopicConfig;
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

    /**
     * How long a node topic keeps a record after a newer one of its key superseded it, unless the operator says
     * otherwise ({@code min.compaction.lag.ms}): how far back {@code factnet replay --at} is exact (ADR 0036).
     */
    public static final Duration DEFAULT_NODE_HISTORY = Duration.ofDays(7);

    /** Topic-level configs this topic is created with. */
    public Map<String, String> configs() {
        return configs(DEFAULT_EVENT_RETENTION, DEFAULT_NODE_HISTORY);
    }

    /**
     * As {@link #configs()}, an event topic keeping its records {@code eventRetention} (negative: for ever), a node
     * topic keeping superseded records {@code nodeHistory}.
     */
    public Map<String, String> configs(Duration eventRetention, Duration nodeHistory) {
        if (nodeHistory.isNegative()) {
            throw new IllegalArgumentException("the node history (min.compaction.lag.ms) cannot be negative: " + nodeHistory);
        }
        if (byNode) {
            // The cleaner leaves every segment that holds a record younger than min.compaction.lag.ms alone, so a record
            // is removed only once the record that superseded it is that old: the state at any time within it stays.
            return Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1",
                    "segment.ms", "3600000", TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, String.valueOf(nodeHistory.toMillis()));
        }
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
