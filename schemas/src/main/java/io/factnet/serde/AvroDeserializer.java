package io.factnet.serde;

import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClients;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire format into specific records: the writer's schema comes from the registry by
 * the id in the header and is resolved against the reader's class (schema evolution).
 * Bad bytes raise a {@link SerializationException} that names the topic and says what is wrong;
 * {@link RecordDecoder} adds the partition and offset, which a deserializer is not told.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private SchemaRegistryClient registry;
    private Class<T> type;
    private final Map<Integer, SpecificDatumReader<T>> readersById = new ConcurrentHashMap<>();

    /** For Kafka's reflective construction: the type comes from the writer's schema name. */
    public AvroDeserializer() {
    }

    public AvroDeserializer(SchemaRegistryClient registry, Class<T> type) {
        this.registry = registry;
        this.type = type;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (registry == null) {
            registry = SchemaRegistryClients.create(configs);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        int id;
        try {
            id = WireFormat.schemaId(data);
        } catch (WireFormat.BadWireFormatException e) {
            throw new SerializationException("topic " + topic + ": " + e.getMessage(), e);
        }
        SpecificDatumReader<T> reader = readerFor(topic, id);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER_SIZE,
                data.length - WireFormat.HEADER_SIZE, null);
        try {
            T record = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new IOException("trailing bytes after the record");
            }
            return record;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("topic " + topic + ": cannot decode " + data.length
                    + " bytes written with schema id " + id + " (truncated, corrupt or of another type): " + e, e);
        }
    }

    private SpecificDatumReader<T> readerFor(String topic, int id) {
        SpecificDatumReader<T> cached = readersById.get(id);
        if (cached != null) {
            return cached;
        }
        Schema writer;
        try {
            writer = registry.schemaById(id);
        } catch (RuntimeException e) {
            throw new SerializationException("topic " + topic + ": unknown schema id " + id + ": " + e.getMessage(), e);
        }
        Schema reader = type != null ? SpecificData.get().getSchema(type) : writer;
        SpecificData model = type != null ? SpecificData.getForClass(type) : SpecificData.getForSchema(writer);
        if (model.getClass(reader) == null) {
            throw new SerializationException("topic " + topic + ": schema id " + id + " names "
                    + writer.getFullName() + ", which has no generated class here");
        }
        SpecificDatumReader<T> created = new SpecificDatumReader<>(writer, reader, model);
        readersById.put(id, created);
        return created;
    }
}
