package io.factnet.client;

import io.factnet.model.Allocation;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.AvroLimits;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;

import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads of a result only what a load driver needs: its status, the nodes it touched (the rule of
 * {@code --wait-applied}) and an allocated address (an association takes it). Avro's schema
 * resolution with a reader schema of those fields alone skips the rest in the bytes (request id,
 * project, command, message, time, the other allocation fields) without building them. The
 * {@link Result} it gives has only those fields and the request id (the record's key) set; the others
 * are null. A refusal is decoded whole by the caller: its reason and message are the point.
 */
final class LeanResults {
    /** Result projected to status, allocated (its address alone) and touched. */
    static final Schema READER = projection();

    private final SchemaRegistryClient registry;
    private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();
    private BinaryDecoder decoder;

    static {
        AvroLimits.apply();
    }

    LeanResults(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    /** The lean result of a record keyed by its request id (one thread only: the decoder is reused). */
    Result read(ConsumerRecord<String, byte[]> record) {
        byte[] data = record.value();
        try {
            int id = WireFormat.schemaId(data);
            GenericDatumReader<GenericRecord> reader = readers.computeIfAbsent(id,
                    i -> new GenericDatumReader<>(registry.schemaById(i), READER));
            decoder = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, decoder);
            GenericRecord lean = reader.read(null, decoder);
            Result result = new Result();
            result.setRequestId(record.key());
            result.setStatus(Status.valueOf(lean.get("status").toString()));
            if (lean.get("allocated") instanceof GenericRecord allocated) {
                Object address = allocated.get("address");
                Allocation allocation = new Allocation();
                allocation.setAddress(address == null ? null : address.toString());
                result.setAllocated(allocation);
            }
            List<NodeRef> touched = new ArrayList<>();
            for (Object ref : (List<?>) lean.get("touched")) {
                GenericRecord node = (GenericRecord) ref;
                touched.add(new NodeRef(node.get("nodeId").toString(), NodeRole.valueOf(node.get("role").toString())));
            }
            result.setTouched(touched);
            return result;
        } catch (IOException | RuntimeException e) {
            throw new BadRecordException(record.topic(), record.partition(), record.offset(), e);
        }
    }

    private static Schema projection() {
        Schema full = Result.getClassSchema();
        Schema allocationFull = Allocation.getClassSchema();
        Schema.Field address = allocationFull.getField("address");
        Schema allocation = Schema.createRecord(allocationFull.getName(), null, allocationFull.getNamespace(), false,
                List.of(new Schema.Field(address, address.schema())));
        Schema.Field status = full.getField("status");
        Schema.Field touched = full.getField("touched");
        return Schema.createRecord(full.getName(), null, full.getNamespace(), false, List.of(
                new Schema.Field(status, status.schema()),
                new Schema.Field("allocated", Schema.createUnion(Schema.create(Schema.Type.NULL), allocation), null,
                        JsonProperties.NULL_VALUE),
                new Schema.Field(touched, touched.schema())));
    }

}
