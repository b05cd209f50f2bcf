package io.factnet.reliability.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.cli.process.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import io.factnet.reliability.read.TopicReader;
import io.factnet.topics.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process control the chaos scenarios stand on: start, wait for a line, kill -9, restart, clean up. */
class BrokerProcessTest {
    @TempDir
    Path dir;
    final Children children = new Children();

    @AfterEach
    void cleanUp() {
        children.close();
        assertThat(Children.liveInThisJvm()).as("child processes left alive").isZero();
    }

    @Test
    void aChildThatExitsBeforePrintingTheLineFailsTheWaitAtOnceWithItsLog() {
        ChildJvm child = children.start(new ChildJvm.Spec("no-dir", List.of("broker"), dir.resolve("no-dir.log")));
        long began = System.nanoTime();
        assertThatThrownBy(() -> child.awaitLine(Pattern.compile("ready"), Duration.ofSeconds(60)))
                .hasMessageContaining("exited with 1")
                .hasMessageContaining("Missing required option: '--dir");
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(30));
    }

    /** Killed right after "ready": no partition may come back as stray ("ready" waits for the topic ids on disk). */
    @Test
    void theBrokerComesBackAfterKillMinus9AtTheSameAddressWithItsTopics() throws Exception {
        BrokerProcess broker = BrokerProcess.start(children, dir, 2);
        String bootstrap = broker.bootstrapServers();
        long firstPid = broker.jvm().pid();
        broker.kill();
        assertThat(broker.isAlive()).isFalse();
        broker.restart();
        assertThat(broker.jvm().pid()).isNotEqualTo(firstPid);
        assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            assertThat(admin.listTopics().names().get()).contains("factnet.requests", "factnet.results");
        }
        assertThat(broker.strayPartitionWarnings()).isEmpty();
        assertThat(broker.stop()).isEqualTo(143);
    }

    /**
     * What the lead once saw ("marked stray"): Kafka 4.1 sets aside the partition folders of a topic that
     * was deleted just before the broker died (the deletion was committed, the folders not yet renamed),
     * renames them *-stray and keeps them. That is leftover data of a deleted topic, not a loss: here it
     * happened in 4 of 4 rounds (docs/RELIABILITY.md); what must hold is that no other topic is touched.
     */
    @Test
    void aTopicDeletedJustBeforeACrashIsTheOnlyOneSetAside() throws Exception {
        BrokerProcess broker = BrokerProcess.start(children, dir, 2);
        String bootstrap = broker.bootstrapServers();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                     new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), 0, "kept", "kept")).get();
            admin.createTopics(List.of(new NewTopic("scratch", 2, (short) 1))).all().get();
            producer.send(new ProducerRecord<>("scratch", 0, "gone", "gone")).get();
            admin.deleteTopics(List.of("scratch")).all().get();
        }
        broker.kill();
        broker.restart();
        assertThat(broker.strayPartitionWarnings()).allSatisfy(line -> assertThat(line).contains("scratch"));
        try (TopicReader reader = new TopicReader(bootstrap, List.of(Topics.REQUESTS.name()))) {
            assertThat(reader.readToEnd(Duration.ofSeconds(30))).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactly("kept");
        }
    }
}
