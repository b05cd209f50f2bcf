package io.factnet.serde;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decodes the value of a raw record. Consumers read bytes and decode here, so that one bad record
 * becomes a {@link BadRecordException} naming its topic, partition and offset, which the consumer
 * can report (or send to the dead-letter topic) before it goes on with the next record.
 */
public final class RecordDecoder<V> {
    private final Deserializer<V> deserializer;

    public RecordDecoder(Deserializer<V> deserializer) {
        this.deserializer = deserializer;
    }

    public V value(ConsumerRecord<?, byte[]> record) {
        return decode(record.topic(), record.partition(), record.offset(), record.value());
    }

    public V decode(String topic, int partition, long offset, byte[] value) {
        try {
            return deserializer.deserialize(topic, value);
        } catch (RuntimeException e) {
            throw new BadRecordException(topic, partition, offset, e);
        }
    }
}
