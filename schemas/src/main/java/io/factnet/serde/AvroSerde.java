package io.factnet.serde;

import io.factnet.registry.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;

/** Serializer and deserializer of one specific record type over one registry. */
public final class AvroSerde<T extends SpecificRecord> extends Serdes.WrapperSerde<T> {

    public AvroSerde(SchemaRegistryClient registry, Class<T> type, boolean autoRegister) {
        super(new AvroSerializer<>(registry, autoRegister), new AvroDeserializer<>(registry, type));
    }
}
