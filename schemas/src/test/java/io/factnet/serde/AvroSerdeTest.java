package io.factnet.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryException;
import io.factnet.topics.Topics;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
    private static final String SCOPE = "avro-serde-test";
    private final SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope(SCOPE);
    private final Serde<Request> serde = Topics.REQUESTS.valueSerde(registry);
    private final String topic = Topics.REQUESTS.name();

    @AfterEach
    void dropRegistry() {
        InMemorySchemaRegistryClient.dropScope(SCOPE);
    }

    static Request request(String id) {
        return Request.newBuilder().setRequestId(id).setProject("p1")
                .setSubmittedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .setCommand(AllocateFloatingIp.newBuilder().setPool("public").build())
                .build();
    }

    @Test
    void roundTripsAndWritesTheConfluentHeaderWithTheRegistryId() {
        byte[] bytes = serde.serializer().serialize(topic, request("r1"));

        int registered = registry.idOf(Topics.REQUESTS.valueSubject(), Request.getClassSchema());
        assertThat(bytes[0]).isEqualTo((byte) 0);
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registered);
        assertThat(serde.deserializer().deserialize(topic, bytes)).isEqualTo(request("r1"));
    }

    @Test
    void nullIsATombstoneBothWays() {
        assertThat(serde.serializer().serialize(topic, null)).isNull();
        assertThat(serde.deserializer().deserialize(topic, null)).isNull();
    }

    @Test
    void wrongMagicByteIsNamed() {
        byte[] bytes = serde.serializer().serialize(topic, request("r1"));
        bytes[0] = 7;
        assertThatThrownBy(() -> serde.deserializer().deserialize(topic, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(topic).hasMessageContaining("wrong magic byte 0x07");
    }

    @Test
    void unknownSchemaIdIsNamed() {
        byte[] bytes = serde.serializer().serialize(topic, request("r1"));
        ByteBuffer.wrap(bytes).putInt(1, 4242);
        assertThatThrownBy(() -> serde.deserializer().deserialize(topic, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(topic).hasMessageContaining("unknown schema id 4242");
    }

    /** A registry that gives no answer is not an unknown id: the record is retriable, not a dead letter. */
    @Test
    void aRegistryWithoutAnAnswerMakesTheRecordRetriableNotBad() {
        byte[] bytes = serde.serializer().serialize(topic, request("r1"));
        SchemaRegistryClient down = new SchemaRegistryClient() {
            @Override
            public int register(String subject, org.apache.avro.Schema schema) {
                throw new UnsupportedOperationException();
            }

            @Override
            public int idOf(String subject, org.apache.avro.Schema schema) {
                throw new UnsupportedOperationException();
            }

            @Override
            public org.apache.avro.Schema schemaById(int id) {
                throw new SchemaRegistryException("schema registry unreachable at http://127.0.0.1:1",
                        new java.net.ConnectException("Connection refused"));
            }

            @Override
            public boolean isCompatible(String subject, org.apache.avro.Schema schema) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void setCompatibility(String subject, String level) {
                throw new UnsupportedOperationException();
            }
        };
        RecordDecoder<Request> unavailable = new RecordDecoder<>(Topics.REQUESTS.valueDeserializer(down));
        assertThatThrownBy(() -> unavailable.decode(topic, 0, 5, bytes))
                .isInstanceOfSatisfying(BadRecordException.class, e -> assertThat(e.retriable()).isTrue())
                .hasMessageContaining("the schema registry gave no answer for schema id")
                .hasMessageNotContaining("unknown schema id");
        ByteBuffer.wrap(bytes).putInt(1, -7);
        assertThatThrownBy(() -> unavailable.decode(topic, 0, 6, bytes)).as("not asked: no registry gives negative ids")
                .isInstanceOfSatisfying(BadRecordException.class, e -> assertThat(e.retriable()).isFalse())
                .hasMessageContaining("unknown schema id -7");
        ByteBuffer.wrap(bytes).putInt(1, 4242);
        RecordDecoder<Request> answered = new RecordDecoder<>(serde.deserializer());
        assertThatThrownBy(() -> answered.decode(topic, 0, 6, bytes))
                .isInstanceOfSatisfying(BadRecordException.class, e -> assertThat(e.retriable()).isFalse())
                .hasMessageContaining("unknown schema id 4242");
    }

    @Test
    void truncatedRecordsAreNamed() {
        byte[] bytes = serde.serializer().serialize(topic, request("r1"));
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 3);
        assertThatThrownBy(() -> serde.deserializer().deserialize(topic, cut))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(topic).hasMessageContaining("cannot decode");
        assertThatThrownBy(() -> serde.deserializer().deserialize(topic, new byte[] {0, 0}))
                .hasMessageContaining("shorter than the 5-byte header");
    }

    @Test
    void trailingGarbageIsRefused() {
        byte[] bytes = serde.serializer().serialize(topic, request("r1"));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 4);
        assertThatThrownBy(() -> serde.deserializer().deserialize(topic, longer))
                .hasMessageContaining("trailing bytes");
    }

    @Test
    void aRecordOfAnotherTypeIsRefusedNotMisread() {
        Serde<Result> results = Topics.RESULTS.valueSerde(registry);
        Result result = Result.newBuilder().setRequestId("r").setProject("p").setCommand("X")
                .setStatus(io.factnet.model.Status.ACCEPTED).setReason(io.factnet.model.Reason.OK)
                .setMessage("").setCompletedAt(Instant.EPOCH).build();
        byte[] bytes = results.serializer().serialize(topic, result);
        assertThatThrownBy(() -> serde.deserializer().deserialize(topic, bytes))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void recordDecoderNamesTopicPartitionAndOffset() {
        RecordDecoder<Request> decoder = new RecordDecoder<>(serde.deserializer());
        ConsumerRecord<String, byte[]> bad = new ConsumerRecord<>(topic, 3, 42L, "p1", new byte[] {1, 2, 3, 4, 5, 6});
        assertThatThrownBy(() -> decoder.value(bad))
                .isInstanceOf(BadRecordException.class)
                .hasMessageContaining(topic + "-3 offset 42")
                .satisfies(e -> {
                    BadRecordException b = (BadRecordException) e;
                    assertThat(Map.of("t", b.topic(), "p", b.partition(), "o", b.offset()))
                            .isEqualTo(Map.of("t", topic, "p", 3, "o", 42L));
                });
        ConsumerRecord<String, byte[]> good = new ConsumerRecord<>(topic, 0, 1L, "p1",
                serde.serializer().serialize(topic, request("r2")));
        assertThat(decoder.value(good).getRequestId()).isEqualTo("r2");
    }
}
