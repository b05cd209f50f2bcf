package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.FloatingNat;
import io.factnet.model.NetworkSnat;
import io.factnet.model.RoutingEntry;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADR 0036 on a real broker's log cleaner: node records stamped hours apart (each in a segment of its own, the topic's
 * segment.ms being ten minutes), the cleaner let run (polled for, with a deadline), and what {@code replay --at} then
 * finds. With {@code min.compaction.lag.ms} one hour the state 45 minutes ago survives although a newer record of its
 * key sits in a closed segment; the state four hours ago is gone, which is why the replay refuses it; with the lag set
 * to 0 the cleaner takes the state 45 minutes ago too.
 */
class ReplayAtCompactionTest {
    private static final String SCOPE = "replay-at-compaction-test";
    private static final int PARTITIONS = 2;
    private static final String NODE = "n9";
    private static final String FIP = NODE + "/fip/203.0.113.50";

    @TempDir
    Path dir;
    EmbeddedKafka kafka;

    @AfterEach
    void stop() {
        if (kafka != null) {
            kafka.close();
        }
        InMemorySchemaRegistryClient.dropScope(SCOPE);
    }

    @Test
    void theStateWithinTheLagSurvivesTheCleanerAndOlderStatesDoNot() throws Exception {
        // The cleaner looks for work every 100 ms instead of 15 s: the test polls for its result.
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), Map.of("log.cleaner.backoff.ms", "100"));
        TopicAdmin.ensureAll(kafka.bootstrapServers(), PARTITIONS);
        String topic = Topics.NODE_ROUTING.name();
        TopicPartition partition = new TopicPartition(topic, NodeKeys.partition(NODE, PARTITIONS));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            // A segment rolls when a record is stamped more than segment.ms after the segment's first one.
            configure(admin, topic, Map.of("min.compaction.lag.ms", Duration.ofHours(1), "segment.ms", Duration.ofMinutes(10)));
            Instant now = Instant.now();
            long snat;
            long fourHoursAgo;
            long threeHoursAgo;
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                    new StringSerializer(), new ByteArraySerializer())) {
                Serializer<RoutingEntry> values = Topics.NODE_ROUTING.valueSerde(InMemorySchemaRegistryClient.scope(SCOPE)).serializer();
                snat = write(producer, values, partition, now.minus(Duration.ofHours(6)), NODE + "/snat/p1",
                        new NetworkSnat("10.0.0.0/20"));
                fourHoursAgo = write(producer, values, partition, now.minus(Duration.ofHours(5)), FIP, nat("10.0.0.5"));
                threeHoursAgo = write(producer, values, partition, now.minus(Duration.ofHours(3)), FIP, nat("10.0.0.6"));
                // Superseded the 10.0.0.6 record 30 minutes ago: within the lag, and in a closed segment (the next one
                // rolled a new segment), so only min.compaction.lag.ms keeps the cleaner from using it.
                write(producer, values, partition, now.minus(Duration.ofMinutes(30)), FIP, nat("10.0.0.7"));
                write(producer, values, partition, now, FIP, nat("10.0.0.8"));
            }
            awaitGone(partition, fourHoursAgo);
            assertThat(offsets(partition)).as("the snat record, latest of its key, stays").contains(snat);

            Path exact = dir.resolve("exact");
            CliCapture within = replay(exact, "--at", "45m");
            assertThat(within.exit()).as(within.err()).isZero();
            assertThat(within.err()).isEmpty();
            assertThat(Files.readString(exact.resolve("routing/factnet.nft"))).contains("203.0.113.50 : 10.0.0.6")
                    .doesNotContain("10.0.0.7", "10.0.0.8");

            CliCapture older = replay(dir.resolve("older"), "--at", "4h");
            assertThat(older.exit()).isEqualTo(ReplayCommand.EXIT_BEYOND_HISTORY);
            Path inexact = dir.resolve("inexact");
            CliCapture anyway = replay(inexact, "--at", "4h", "--inexact");
            assertThat(anyway.exit()).as(anyway.err()).isZero();
            assertThat(Files.readString(inexact.resolve("routing/factnet.nft"))).as("its 10.0.0.5 record was cleaned")
                    .contains("snat to 198.51.100.9").doesNotContain("203.0.113.50 : 10.0.0.5");

            // Without the lag the cleaner uses the 30-minute-old record and takes the state of 45 minutes ago with it.
            configure(admin, topic, Map.of("min.compaction.lag.ms", Duration.ZERO));
            awaitGone(partition, threeHoursAgo);
            Path lost = dir.resolve("lost");
            CliCapture gone = replay(lost, "--at", "45m", "--inexact");
            assertThat(gone.exit()).as(gone.err()).isZero();
            assertThat(gone.err()).contains("min.compaction.lag.ms=0");
            assertThat(Files.readString(lost.resolve("routing/factnet.nft"))).doesNotContain("203.0.113.50 : 10.0.0.6");
        }
    }

    private static RoutingEntry nat(String fixed) {
        return new RoutingEntry("p1", "request-" + fixed, new FloatingNat("203.0.113.50", fixed, null));
    }

    private static long write(KafkaProducer<String, byte[]> producer, Serializer<RoutingEntry> values, TopicPartition partition,
                              Instant stamp, String key, Object entry) throws Exception {
        RoutingEntry value = entry instanceof RoutingEntry routing ? routing : new RoutingEntry("p1", "request-" + key, entry);
        return producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), stamp.toEpochMilli(), key,
                values.serialize(partition.topic(), value))).get(30, TimeUnit.SECONDS).offset();
    }

    private CliCapture replay(Path to, String... more) {
        List<String> args = new ArrayList<>(List.of("replay", "--role", "routing", "--node-id", NODE, "--public-address",
                "198.51.100.9", "--to", to.toString(), "--bootstrap-servers", kafka.bootstrapServers(),
                "--schema-registry-url", "mock://" + SCOPE));
        args.addAll(List.of(more));
        return CliCapture.run(args);
    }

    /** Sets these durations (as milliseconds) on the topic, and waits until the broker describes them so. */
    static void configure(Admin admin, String topic, Map<String, Duration> settings) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        List<AlterConfigOp> ops = settings.entrySet().stream().map(e -> new AlterConfigOp(
                new ConfigEntry(e.getKey(), String.valueOf(e.getValue().toMillis())), AlterConfigOp.OpType.SET)).toList();
        admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get(30, TimeUnit.SECONDS);
        // The controller has it now; the broker that answers describeConfigs once it has replayed the metadata.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Map.Entry<String, Duration> setting : settings.entrySet()) {
            String wanted = String.valueOf(setting.getValue().toMillis());
            while (!wanted.equals(admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
                    .get(setting.getKey()).value())) {
                assertThat(System.nanoTime()).as("%s never showed %s=%s", topic, setting.getKey(), wanted).isLessThan(deadline);
            }
        }
    }

    /** Polls the partition, with a deadline, until the record at {@code offset} is no longer in the log. */
    private void awaitGone(TopicPartition partition, long offset) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (offsets(partition).contains(offset)) {
            assertThat(System.nanoTime()).as("the cleaner did not remove offset %d of %s", offset, partition).isLessThan(deadline);
        }
    }

    /** The offsets of the partition's records, read from its beginning to its end. */
    private List<Long> offsets(TopicPartition partition) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            List<Long> offsets = new ArrayList<>();
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    offsets.add(record.offset());
                }
            }
            return offsets;
        }
    }
}
