package io.factnet.serde;

import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClients;
import io.factnet.registry.SchemaRegistryException;
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
 * <p>
 * Before Avro reads a value, {@link DeclaredSizes} checks that every length and item count it declares fits
 * in the bytes that follow: Avro allocates what a record declares, and a 13-byte record could make it
 * allocate 2 GiB. A registry that does not answer is not an unknown schema id: the exception then has a
 * cause for which {@link SchemaRegistryException#unavailableIn} is true, and the record must be retried.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    static {
        AvroLimits.apply();
    }

    private SchemaRegistryClient registry;
    private Class<T> type;
    private final Map<Integer, Decoding<T>> decodingsById = new ConcurrentHashMap<>();

    /** How to read what one schema id wrote: the bounds check of its writer's schema, and the resolving reader. */
    private record Decoding<T>(DeclaredSizes sizes, SpecificDatumReader<T> reader) {
    }

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
        Decoding<T> decoding = decodingFor(topic, id);
        try {
            decoding.sizes().check(data, WireFormat.HEADER_SIZE);
        } catch (WireFormat.BadWireFormatException e) {
            throw new SerializationException("topic " + topic + ": cannot decode " + data.length
                    + " bytes written with schema id " + id + ": " + e.getMessage(), e);
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER_SIZE,
                data.length - WireFormat.HEADER_SIZE, null);
        try {
            T record = decoding.reader().read(null, decoder);
            if (!decoder.isEnd()) {
                throw new IOException("trailing bytes after the record");
            }
            return record;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("topic " + topic + ": cannot decode " + data.length
                    + " bytes written with schema id " + id + " (truncated, corrupt or of another type): " + e, e);
        }
    }

    private Decoding<T> decodingFor(String topic, int id) {
        Decoding<T> cached = decodingsById.get(id);
        if (cached != null) {
            return cached;
        }
        if (id < 0) {
            // No registry gives negative ids; not asking keeps a registry that errs on them from stalling the record.
            throw new SerializationException("topic " + topic + ": unknown schema id " + id + ": registries give no negative ids");
        }
        Schema writer;
        try {
            writer = registry.schemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.unavailable()) {
                throw new SerializationException("topic " + topic + ": the schema registry gave no answer for schema id "
                        + id + " (the record is not at fault; retry it): " + e.getMessage(), e);
            }
            throw new SerializationException("topic " + topic + ": unknown schema id " + id + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new SerializationException("topic " + topic + ": unknown schema id " + id + ": " + e.getMessage(), e);
        }
        Schema reader = type != null ? SpecificData.get().getSchema(type) : writer;
        SpecificData model = type != null ? SpecificData.getForClass(type) : SpecificData.getForSchema(writer);
        if (model.getClass(reader) == null) {
            throw new SerializationException("topic " + topic + ": schema id " + id + " names "
                    + writer.getFullName() + ", which has no generated class here");
        }
        Decoding<T> created = new Decoding<>(new DeclaredSizes(writer), new SpecificDatumReader<>(writer, reader, model));
        decodingsById.put(id, created);
        return created;
    }
}
