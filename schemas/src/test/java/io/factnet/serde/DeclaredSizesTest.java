package io.factnet.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.AppliedAck;
import io.factnet.model.DeadLetter;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SystemLimitException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Records that declare more than they hold are refused before Avro allocates anything; every valid one still reads. */
class DeclaredSizesTest {
    private static final String SCOPE = "declared-sizes-test";
    private final SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope(SCOPE);
    private final AvroDeserializer<Request> requests = Topics.REQUESTS.valueDeserializer(registry);
    private final String topic = Topics.REQUESTS.name();
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @AfterEach
    void dropRegistry() {
        InMemorySchemaRegistryClient.dropScope(SCOPE);
    }

    /** The request schema's id, read once by the deserializer (so that the registry lookup is not measured). */
    private int requestId() {
        int id = registry.register(Topics.REQUESTS.valueSubject(), Request.getClassSchema());
        requests.deserialize(topic, bytes(AvroSerdeTest.request("warm-up")));
        return id;
    }

    /** Decodes a poison value: a SerializationException that says what it declares, fast and without allocating it. */
    private void refused(AvroDeserializer<?> deserializer, byte[] poison, String declared) {
        RuntimeException thrown = null;
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        long began = System.nanoTime();
        try {
            deserializer.deserialize(topic, poison);
        } catch (RuntimeException e) {
            thrown = e;
        }
        long micros = (System.nanoTime() - began) / 1000;
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        System.out.printf("poison of %d bytes (%s): refused in %d us, %d bytes allocated%n", poison.length, declared, micros,
                allocated);
        assertThat(thrown).isInstanceOf(SerializationException.class)
                .hasMessageContaining("cannot decode " + poison.length + " bytes")
                .hasMessageContaining(declared);
        assertThat(allocated).as("bytes allocated refusing it").isLessThan(1 << 20);
    }

    @Test
    void theIssues13ByteStringIsRefusedWithoutAllocatingIt() {
        byte[] poison = OversizedValues.string(requestId());
        assertThat(poison).hasSize(13);
        refused(requests, poison, "a string at byte 5 declares " + OversizedValues.HUGE + " bytes; 3 are left");
    }

    @Test
    void arraysMapsAndNestedValuesThatDeclareTooMuchAreRefused() {
        int id = requestId();
        refused(requests, OversizedValues.array(id), "an array block at byte");
        refused(requests, OversizedValues.array(id), "declares " + OversizedValues.HUGE + " items");
        refused(requests, OversizedValues.map(id), "a map block at byte");
        refused(requests, OversizedValues.nestedString(id), "a string at byte");
        refused(requests, OversizedValues.sizedBlock(id), "declares " + OversizedValues.HUGE + " bytes");
    }

    @Test
    void bytesThatDeclareTooMuchAreRefused() throws IOException {
        AvroDeserializer<DeadLetter> letters = Topics.DEAD_LETTERS.valueDeserializer(registry);
        DeadLetter valid = DeadLetter.newBuilder().setTopic("t").setPartition(0).setOffset(0).setError("e").setAt(Instant.EPOCH).build();
        letters.deserialize(topic, Topics.DEAD_LETTERS.valueSerde(registry).serializer().serialize(topic, valid));
        int id = registry.register(Topics.DEAD_LETTERS.valueSubject(), DeadLetter.getClassSchema());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(WireFormat.header(id));
        BinaryEncoder out = EncoderFactory.get().directBinaryEncoder(bytes, null);
        out.writeString("t");
        out.writeInt(0);
        out.writeLong(0);
        out.writeIndex(1); // key: the bytes branch
        out.writeLong(OversizedValues.HUGE);
        out.flush();
        refused(letters, bytes.toByteArray(), "a bytes value at byte");
    }

    @Test
    void badUnionAndEnumIndexesAndOverlongNumbersAreNamed() {
        int id = requestId();
        byte[] badBranch = frame(id, 0x02, 'r', 0x02, 'p', 0x00, 0x7e); // command index 63
        assertThatThrownBy(() -> requests.deserialize(topic, badBranch)).hasMessageContaining("union branch at byte 10 is 63");
        byte[] overlong = frame(id, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
        assertThatThrownBy(() -> requests.deserialize(topic, overlong)).hasMessageContaining("runs over 10 bytes");
        Request ack = request(AppliedAck.newBuilder().setNodeId("n").setRole(NodeRole.ROUTING).setPartition(0)
                .setAppliedOffset(1).build());
        byte[] valid = bytes(ack);
        int role = indexOf(valid, "n") + 1;
        valid[role] = 0x7e; // the role enum's index 63
        assertThatThrownBy(() -> requests.deserialize(topic, valid)).hasMessageContaining("enum symbol at byte " + role + " is 63");
    }

    @Test
    void validRecordsWithArraysMapsAndSizedBlocksStillRead() throws IOException {
        Request pool = request(DefineFloatingPool.newBuilder().setPool("public")
                .setCidrs(List.of("203.0.113.0/24", "198.51.100.0/24")).setExcluded(List.of("203.0.113.7")).build());
        Request ack = request(AppliedAck.newBuilder().setNodeId("n1").setRole(NodeRole.TUNNELING).setPartition(3)
                .setAppliedOffset(99).setCounts(Map.of("peers", 4L, "vpns", 2L)).setPublicKey("k").build());
        for (Request request : List.of(pool, ack)) {
            assertThat(requests.deserialize(topic, bytes(request))).isEqualTo(request);
            // Avro's blocking encoder writes arrays and maps as blocks of negative count followed by their size.
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.writeBytes(WireFormat.header(requestId()));
            BinaryEncoder blocking = EncoderFactory.get().blockingBinaryEncoder(bytes, null);
            new org.apache.avro.specific.SpecificDatumWriter<Request>(Request.class).write(request, blocking);
            blocking.flush();
            assertThat(requests.deserialize(topic, bytes.toByteArray())).isEqualTo(request);
        }
    }

    /** Every type Avro has, in one generic record: the walk reads it whole, and refuses every shorter prefix. */
    @Test
    void everyAvroTypeIsWalkedAndEveryTruncationIsRefused() throws IOException {
        Schema schema = new Schema.Parser().parse("""
                {"type": "record", "name": "All", "fields": [
                  {"name": "n", "type": "null"}, {"name": "b", "type": "boolean"}, {"name": "i", "type": "int"},
                  {"name": "l", "type": "long"}, {"name": "f", "type": "float"}, {"name": "d", "type": "double"},
                  {"name": "s", "type": "string"}, {"name": "y", "type": "bytes"},
                  {"name": "x", "type": {"type": "fixed", "name": "F", "size": 3}},
                  {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}},
                  {"name": "u", "type": ["null", "string"]},
                  {"name": "a", "type": {"type": "array", "items": {"type": "map", "values": "long"}}},
                  {"name": "r", "type": {"type": "record", "name": "In", "fields": [{"name": "v", "type": "int"}]}}]}""");
        GenericRecord all = new GenericData.Record(schema);
        all.put("n", null);
        all.put("b", true);
        all.put("i", -70000);
        all.put("l", Long.MIN_VALUE);
        all.put("f", 1.5f);
        all.put("d", -2.25);
        all.put("s", "text");
        all.put("y", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        all.put("x", new GenericData.Fixed(schema.getField("x").schema(), new byte[] {4, 5, 6}));
        all.put("e", new GenericData.EnumSymbol(schema.getField("e").schema(), "B"));
        all.put("u", "branch");
        all.put("a", List.of(Map.of("k", 1L), Map.of("k1", 2L, "k2", 3L)));
        GenericRecord in = new GenericData.Record(schema.getField("r").schema());
        in.put("v", 7);
        all.put("r", in);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder out = EncoderFactory.get().directBinaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(schema).write(all, out);
        byte[] data = bytes.toByteArray();

        DeclaredSizes sizes = new DeclaredSizes(schema);
        sizes.check(data, 0);
        for (int length = 0; length < data.length; length++) {
            byte[] cut = Arrays.copyOf(data, length);
            assertThatThrownBy(() -> sizes.check(cut, 0)).as("cut at %d", length)
                    .isInstanceOf(WireFormat.BadWireFormatException.class);
        }
        assertThatThrownBy(() -> sizes.check(Arrays.copyOf(data, data.length + 1), 0)).hasMessageContaining("trailing bytes");
    }

    @Test
    void avrosOwnLimitsAreInForceAsTheSecondLine() {
        assertThat(new AvroDeserializer<Request>()).isNotNull(); // loads the class, which applies the limits
        assertThat(AvroLimits.inForce()).isTrue();
        assertThatThrownBy(() -> SystemLimitException.checkMaxCollectionLength(AvroLimits.MAX_ITEMS + 1L))
                .isInstanceOf(SystemLimitException.class);
    }

    private byte[] bytes(Request request) {
        return Topics.REQUESTS.valueSerde(registry).serializer().serialize(topic, request);
    }

    private static Request request(Object command) {
        return Request.newBuilder().setRequestId("r1").setProject("p1").setSubmittedAt(Instant.EPOCH).setCommand(command).build();
    }

    private static byte[] frame(int id, int... body) {
        byte[] bytes = Arrays.copyOf(WireFormat.header(id), WireFormat.HEADER_SIZE + body.length);
        for (int i = 0; i < body.length; i++) {
            bytes[WireFormat.HEADER_SIZE + i] = (byte) body[i];
        }
        return bytes;
    }

    private static int indexOf(byte[] data, String text) {
        byte[] needle = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        outer:
        for (int i = WireFormat.HEADER_SIZE; i <= data.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(text + " not in the record");
    }
}
