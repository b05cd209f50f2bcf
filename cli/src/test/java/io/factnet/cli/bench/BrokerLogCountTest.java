package io.factnet.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.topics.Topics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records per request come from the broker's segments: data records and transaction markers apart, only the window's. */
class BrokerLogCountTest {

    @TempDir
    Path dir;

    @Test
    void countsTheWindowsRecordsAndMarkersPerTopicFromTheSegments() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("out", 2, (short) 1), new NewTopic("app-store-changelog", 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            kafka.awaitPartitionMetadata(List.of("out", "app-store-changelog"), java.time.Duration.ofSeconds(30));
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "log-count-test"), new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                transaction(producer, 1); // before the window: not counted
                Map<TopicPartition, Long> before = BrokerLogCount.endOffsets(admin);
                for (int i = 0; i < 3; i++) {
                    transaction(producer, 2);
                }
                producer.beginTransaction(); // an aborted one: its records and its ABORT marker were written all the same
                producer.send(new ProducerRecord<>("out", 1, "k", "aborted"));
                producer.flush();
                producer.abortTransaction();
                Map<TopicPartition, Long> after = markersWritten(admin);
                transaction(producer, 1); // after the window: not counted

                BrokerLogCount.Counts counts = BrokerLogCount.count(kafka.dataDir().resolve("kraft"), before, after);

                // "out": 3 x 2 records on partition 0 with a COMMIT each, 1 record on partition 1 with an ABORT
                assertThat(counts.topics().get("out")).extracting(BrokerLogCount.TopicCount::records, BrokerLogCount.TopicCount::markers,
                        BrokerLogCount.TopicCount::offsets).containsExactly(7L, 4L, 11L);
                assertThat(counts.topics().get("app-store-changelog")).extracting(BrokerLogCount.TopicCount::records,
                        BrokerLogCount.TopicCount::markers).containsExactly(3L, 3L);
                assertThat(counts.topics().get("out").bytes()).isPositive();
                assertThat(counts.records(BrokerLogCount.Family.OUTPUTS)).isEqualTo(7);
                assertThat(counts.records(BrokerLogCount.Family.CHANGELOGS)).isEqualTo(3);
                assertThat(counts.records(BrokerLogCount.Family.MARKERS)).isEqualTo(7);
                // the coordinator's own bookkeeping (__transaction_state) is Kafka's internal family
                assertThat(counts.records(BrokerLogCount.Family.KAFKA_INTERNAL)).isPositive();
                assertThat(counts.scanned()).isEqualTo(counts.offsets());
                assertThat(counts.perRequest(10)).startsWith("records per request, from the broker's logs: ")
                        .contains("outputs 0.70", "changelogs 0.30", "markers 0.70").doesNotContain("the scan found");
                assertThat(counts.perTopic(10)).contains("out 0.70 +0.40 markers", "app-store-changelog 0.30 +0.30 markers");
            }
        }
    }

    @Test
    void topicsFallIntoFamiliesByName() {
        assertThat(BrokerLogCount.familyOf(Topics.REQUESTS.name())).isEqualTo(BrokerLogCount.Family.INPUTS);
        assertThat(BrokerLogCount.familyOf(Topics.NODE_EVENTS.name())).isEqualTo(BrokerLogCount.Family.INPUTS);
        assertThat(BrokerLogCount.familyOf(Topics.RESULTS.name())).isEqualTo(BrokerLogCount.Family.OUTPUTS);
        assertThat(BrokerLogCount.familyOf(Topics.NODE_ROUTING.name())).isEqualTo(BrokerLogCount.Family.OUTPUTS);
        assertThat(BrokerLogCount.familyOf(Topics.INTERNAL_CLAIMS.name())).isEqualTo(BrokerLogCount.Family.SAGA);
        assertThat(BrokerLogCount.familyOf("factnet-controller-project-queue-changelog")).isEqualTo(BrokerLogCount.Family.CHANGELOGS);
        assertThat(BrokerLogCount.familyOf("__consumer_offsets")).isEqualTo(BrokerLogCount.Family.KAFKA_INTERNAL);
    }

    /** The coordinator writes the markers after it answered the commit: the end offsets once no transaction is open. */
    private static Map<TopicPartition, Long> markersWritten(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> partitions = Map.of(new TopicPartition("out", 0), OffsetSpec.latest(),
                new TopicPartition("out", 1), OffsetSpec.latest(), new TopicPartition("app-store-changelog", 0), OffsetSpec.latest());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Map<TopicPartition, Long> stable = new java.util.HashMap<>();
            admin.listOffsets(partitions, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS)
                    .forEach((p, info) -> stable.put(p, info.offset()));
            Map<TopicPartition, Long> ends = BrokerLogCount.endOffsets(admin);
            if (partitions.keySet().stream().allMatch(p -> stable.get(p).equals(ends.get(p)))) {
                return ends;
            }
            assertThat(System.nanoTime()).as("the markers are written within 30 s").isLessThan(deadline);
            Thread.sleep(20); // polling with a deadline
        }
    }

    private static void transaction(KafkaProducer<String, String> producer, int perPartition0) {
        producer.beginTransaction();
        for (int i = 0; i < perPartition0; i++) {
            producer.send(new ProducerRecord<>("out", 0, "k", "v" + i));
        }
        producer.send(new ProducerRecord<>("app-store-changelog", 0, "k", "v"));
        producer.commitTransaction();
    }
}
