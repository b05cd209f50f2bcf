package io.factnet.reliability.read;

import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A whole factnet topic read to its end (read_committed) and decoded, in partition and offset order. */
public final class TopicSnapshot {
    private TopicSnapshot() {
    }

    public static <V extends SpecificRecord> List<Decoded<V>> read(String bootstrapServers, Topic<String, V> topic,
                                                                   SchemaRegistryClient registry, Duration timeout) {
        try (TopicReader reader = new TopicReader(bootstrapServers, List.of(topic.name()))) {
            return decode(topic, registry, reader.readToEnd(timeout));
        }
    }

    public static <V extends SpecificRecord> List<Decoded<V>> decode(Topic<String, V> topic, SchemaRegistryClient registry,
                                                                     List<ConsumerRecord<byte[], byte[]>> records) {
        RecordDecoder<V> decoder = new RecordDecoder<>(topic.valueDeserializer(registry));
        List<Decoded<V>> decoded = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
            try {
                V value = record.value() == null ? null : decoder.value(record);
                decoded.add(new Decoded<>(record.topic(), record.partition(), record.offset(), key, value, null));
            } catch (BadRecordException e) {
                decoded.add(new Decoded<>(record.topic(), record.partition(), record.offset(), key, null, e.getMessage()));
            }
        }
        decoded.sort(Comparator.comparingInt((Decoded<V> d) -> d.partition()).thenComparingLong(Decoded::offset));
        return decoded;
    }

    /** The latest value per key: what a compacted topic means (a tombstone deletes the key). */
    public static <V> Map<String, Decoded<V>> latest(List<Decoded<V>> records) {
        Map<String, Decoded<V>> latest = new java.util.LinkedHashMap<>();
        for (Decoded<V> record : records) {
            if (!record.readable()) {
                continue;
            }
            if (record.value() == null) {
                latest.remove(record.key());
            } else {
                latest.put(record.key(), record);
            }
        }
        return latest;
    }
}
