package io.factnet.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.Request;
import io.factnet.registry.HttpSchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryConfig;
import io.factnet.registry.SchemaRegistryException;
import io.factnet.serde.AvroSerializer;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The thin Confluent-compatible client and serde against a real registry (Apicurio) and a real broker. */
class ApicurioInteropTest {

    @TempDir
    static Path work;
    static ApicurioRegistry apicurio;
    static EmbeddedKafka kafka;
    static SchemaRegistryClient registry;

    @BeforeAll
    static void start() {
        apicurio = ApicurioRegistry.start(work.resolve("apicurio"));
        kafka = EmbeddedKafka.start(work.resolve("kafka"));
        registry = new HttpSchemaRegistryClient(SchemaRegistryConfig.of(apicurio.confluentUrl()));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            TopicAdmin.ensure(admin, List.of(Topics.REQUESTS), 1, (short) 1);
        }
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
        if (apicurio != null) {
            apicurio.close();
        }
    }

    static Schema record(String name, String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"" + name + "\",\"fields\":[" + fields + "]}");
    }

    static Request request(String id) {
        return Request.newBuilder().setRequestId(id).setProject("p1").setSubmittedAt(Instant.ofEpochMilli(1000))
                .setCommand(AllocateFloatingIp.newBuilder().setPool("public").build()).build();
    }

    @Test
    void registersAndFetchesById() {
        Schema schema = record("Interop1", "{\"name\":\"x\",\"type\":\"int\"}");
        int id = registry.register("interop1-value", schema);
        assertThat(registry.register("interop1-value", schema)).isEqualTo(id);

        // A fresh client has no cache: the schema really comes from the registry.
        SchemaRegistryClient fresh = new HttpSchemaRegistryClient(SchemaRegistryConfig.of(apicurio.confluentUrl()));
        assertThat(fresh.schemaById(id)).isEqualTo(schema);
        assertThat(fresh.idOf("interop1-value", schema)).isEqualTo(id);
        assertThatThrownBy(() -> fresh.schemaById(987654))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
    }

    @Test
    void refusesAnIncompatibleSchemaUnderBackward() {
        String subject = "interop2-value";
        registry.register(subject, record("Interop2", "{\"name\":\"x\",\"type\":\"int\"}"));
        registry.setCompatibility(subject, "BACKWARD");
        Schema compatible = record("Interop2", "{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":\"int\",\"default\":1}");
        Schema incompatible = record("Interop2", "{\"name\":\"z\",\"type\":\"string\"}");

        assertThat(registry.isCompatible(subject, compatible)).isTrue();
        assertThat(registry.isCompatible(subject, incompatible)).isFalse();
        assertThatThrownBy(() -> registry.register(subject, incompatible))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE));
        assertThat(registry.register(subject, compatible)).isPositive();
    }

    @Test
    void roundTripsThroughKafkaWithTheRegistryIdOnTheWireAndSurvivesBadBytes() {
        String topic = Topics.REQUESTS.name();
        byte[] good1 = Topics.REQUESTS.valueSerde(registry).serializer().serialize(topic, request("r1"));
        int id = registry.idOf(Topics.REQUESTS.valueSubject(), Request.getClassSchema());
        assertThat(good1[0]).isEqualTo((byte) 0);
        assertThat(ByteBuffer.wrap(good1, 1, 4).getInt()).isEqualTo(id);

        byte[] wrongMagic = good1.clone();
        wrongMagic[0] = 1;
        byte[] unknownId = good1.clone();
        ByteBuffer.wrap(unknownId).putInt(1, 999_999);
        byte[] truncated = Arrays.copyOf(good1, good1.length - 4);
        byte[] garbage = "not avro at all".getBytes();

        // The producing side: configured the way Confluent's serializer is, by class name and registry URL.
        try (KafkaProducer<String, Request> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class.getName(),
                SchemaRegistryConfig.URL, apicurio.confluentUrl()))) {
            producer.send(new ProducerRecord<>(topic, "p1", request("r1")));
        }
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            for (byte[] bad : List.of(wrongMagic, unknownId, truncated, garbage)) {
                raw.send(new ProducerRecord<>(topic, "p1", bad));
            }
        }
        try (KafkaProducer<String, Request> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), Topics.REQUESTS.valueSerde(registry).serializer())) {
            producer.send(new ProducerRecord<>(topic, "p1", request("r2")));
        }

        // The consuming side: a fresh client (ids fetched from the registry); bad records are reported and skipped.
        SchemaRegistryClient consumerRegistry = new HttpSchemaRegistryClient(SchemaRegistryConfig.of(apicurio.confluentUrl()));
        RecordDecoder<Request> decoder = new RecordDecoder<>(Topics.REQUESTS.valueDeserializer(consumerRegistry));
        List<String> decoded = new ArrayList<>();
        List<BadRecordException> errors = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(Set.of(partition));
            consumer.seekToBeginning(Set.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (decoded.size() + errors.size() < 6 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        decoded.add(decoder.value(record).getRequestId());
                    } catch (BadRecordException e) {
                        errors.add(e);
                    }
                }
            }
        }
        assertThat(decoded).containsExactly("r1", "r2");
        assertThat(errors).hasSize(4);
        assertThat(errors).allSatisfy(e -> assertThat(e.getMessage()).contains(topic + "-0 offset " + e.offset()));
        assertThat(errors).extracting(BadRecordException::offset).containsExactly(1L, 2L, 3L, 4L);
        assertThat(errors.get(0)).hasMessageContaining("wrong magic byte 0x01");
        assertThat(errors.get(1)).hasMessageContaining("unknown schema id 999999");
        assertThat(errors.get(2)).hasMessageContaining("cannot decode");
        assertThat(errors.get(3)).hasMessageContaining("wrong magic byte");
    }
}
