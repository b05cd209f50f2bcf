package io.factnet.controller.stage;

import io.factnet.model.DeadLetter;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a source's raw value with the registry serde. A record that cannot be read (not Confluent wire
 * format, unknown schema id, truncated, a tombstone where none belongs) becomes a {@link DeadLetter}
 * with its bytes, where it was and why; it goes to the dead-letter child in the same exactly-once
 * transaction, and processing goes on with the next record.
 */
public final class DecodeProcessor<V> implements Processor<byte[], byte[], String, Object> {
    private static final Logger log = LoggerFactory.getLogger(DecodeProcessor.class);

    private final RecordDecoder<V> decoder;
    private final String next;
    private final String deadLetters;
    private ProcessorContext<String, Object> context;

    public DecodeProcessor(Deserializer<V> deserializer, String next, String deadLetters) {
        this.decoder = new RecordDecoder<>(deserializer);
        this.next = next;
        this.deadLetters = deadLetters;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        try {
            if (record.value() == null) {
                throw new BadRecordException(where.topic(), where.partition(), where.offset(),
                        new IllegalArgumentException("a tombstone (null value) is not a " + next + " input"));
            }
            String key = utf8(where, record.key());
            V value = decoder.decode(where.topic(), where.partition(), where.offset(), record.value());
            context.forward(new Record<String, Object>(key, value, record.timestamp(), record.headers()), next);
        } catch (BadRecordException e) {
            log.warn("dead letter: {}", e.getMessage());
            DeadLetter letter = DeadLetter.newBuilder()
                    .setTopic(where.topic()).setPartition(where.partition()).setOffset(where.offset())
                    .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                    .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                    .setError(e.getMessage())
                    .setAt(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                    .build();
            String key = where.topic() + "-" + where.partition() + "-" + where.offset();
            context.forward(new Record<String, Object>(key, letter, record.timestamp()), deadLetters);
        }
    }

    /** Keys are plain UTF-8 strings; bytes that are not UTF-8 make the record a dead letter. */
    private static String utf8(RecordMetadata where, byte[] key) {
        if (key == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            throw new BadRecordException(where.topic(), where.partition(), where.offset(),
                    new IllegalArgumentException("the key is not UTF-8"));
        }
    }
}
