package io.factnet.cli.history;

import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.Topic;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the committed records of some partitions of an event topic written from a moment on, up to the end each
 * partition had when the read began (what was there when the user asked; later records are not waited for). It seeks
 * by time ({@code offsetsForTimes}), so a window of a long-kept topic costs what the window holds.
 */
public final class TopicWindow implements AutoCloseable {
    /** A record read: where it was, when it was written, its key and its value (null: a tombstone, or unreadable with an error). */
    public record Read<V>(TopicPartition partition, long offset, Instant written, String key, V value, String error) {
        boolean tombstone() {
            return value == null && error == null;
        }
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final SchemaRegistryClient registry;
    private final Duration timeout;

    public TopicWindow(Map<String, Object> kafka, SchemaRegistryClient registry, Duration timeout) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "factnet-history");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.registry = registry;
        this.timeout = timeout;
    }

    int partitionCount(Topic<?, ?> topic) {
        return consumer.partitionsFor(topic.name(), timeout).size();
    }

    /** Every partition of the topic. */
    public List<Integer> allPartitions(Topic<?, ?> topic) {
        return java.util.stream.IntStream.range(0, partitionCount(topic)).boxed().toList();
    }

    /** The records of these partitions written at or after {@code since}, whose key passes {@code keys}. */
    public <V extends SpecificRecord> List<Read<V>> read(Topic<String, V> topic, List<Integer> partitionNumbers, Instant since,
                                                  Predicate<String> keys) {
        List<TopicPartition> partitions = partitionNumbers.stream().map(p -> new TopicPartition(topic.name(), p)).toList();
        RecordDecoder<V> decoder = new RecordDecoder<>(topic.valueDeserializer(registry));
        consumer.assign(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
        Map<TopicPartition, Long> times = new HashMap<>();
        partitions.forEach(p -> times.put(p, since.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(times, timeout);
        for (TopicPartition partition : partitions) {
            OffsetAndTimestamp start = starts.get(partition);
            consumer.seek(partition, start == null ? ends.get(partition) : start.offset());
        }
        List<Read<V>> reads = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < ends.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read " + topic.name() + " to its end within " + timeout.toSeconds() + " s");
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                if (record.offset() >= ends.get(partition) || record.key() == null || !keys.test(record.key())) {
                    continue;
                }
                Instant written = Instant.ofEpochMilli(record.timestamp());
                if (record.value() == null) {
                    reads.add(new Read<>(partition, record.offset(), written, record.key(), null, null));
                    continue;
                }
                try {
                    reads.add(new Read<>(partition, record.offset(), written, record.key(), decoder.value(record), null));
                } catch (BadRecordException e) {
                    reads.add(new Read<>(partition, record.offset(), written, record.key(), null, e.getMessage()));
                }
            }
        }
        return reads;
    }

    /** A compacted topic's current values (every partition, from the start; tombstones delete): key -> the last read. */
    public <V extends SpecificRecord> List<Read<V>> latest(Topic<String, V> topic) {
        Map<String, Read<V>> latest = new java.util.LinkedHashMap<>();
        for (Read<V> read : read(topic, allPartitions(topic), Instant.EPOCH, key -> true)) {
            if (read.value() == null) {
                latest.remove(read.key());
            } else {
                latest.put(read.key(), read);
            }
        }
        return new ArrayList<>(latest.values());
    }

    @Override
    public void close() {
        consumer.close();
    }
}
