package io.factnet.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    @TempDir
    Path dataDir;

    @Test
    void servesTransactionsAndKeepsItsTopicsAcrossARestartOnTheSameFolder() throws Exception {
        String bootstrap;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir)) {
            bootstrap = kafka.bootstrapServers();
            assertThat(bootstrap).startsWith("127.0.0.1:");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-test"),
                    new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", 0, "k", "before restart"));
                producer.commitTransaction();
            }
        }

        try (EmbeddedKafka again = EmbeddedKafka.start(dataDir)) {
            assertThat(again.bootstrapServers()).isEqualTo(bootstrap);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                assertThat(admin.listTopics().names().get()).contains("t");
            }
            assertThat(readAll(bootstrap, new TopicPartition("t", 0), 1)).containsExactly("before restart");
        }
    }

    @Test
    void afterAwaitingPartitionMetadataEveryNewPartitionHasItsTopicIdOnDisk(@TempDir Path folder) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(folder)) {
            List<NewTopic> topics = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                topics.add(new NewTopic("empty-" + i, 4, (short) 1));
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(topics).all().get();
            }
            kafka.awaitPartitionMetadata(topics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(30));
            for (int i = 0; i < 8; i++) {
                for (int p = 0; p < 4; p++) {
                    assertThat(folder.resolve("kraft").resolve("empty-" + i + "-" + p).resolve("partition.metadata")).exists();
                }
            }
        }
    }

    static List<String> readAll(String bootstrap, TopicPartition partition, int expected) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(Set.of(partition));
            consumer.seekToBeginning(Set.of(partition));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            return values;
        }
    }
}
