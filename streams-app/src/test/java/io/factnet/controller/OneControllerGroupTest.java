package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second controller group (another application id) on the same cluster would act on the first one's
 * saga topics: the controller refuses to start while another group has committed offsets there.
 */
class OneControllerGroupTest {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static Admin admin;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
        TopicAdmin.ensure(admin, Topics.all(), 4, (short) 1);
    }

    @AfterAll
    static void stop() {
        admin.close();
        kafka.close();
    }

    /** What a consumer group leaves behind: a committed offset on one partition of the topic. */
    static void commitOffset(String group, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(0)));
        }
    }

    @Test
    void aControllerRefusesToStartWhileAnotherGroupConsumesTheSagaTopics() {
        commitOffset("factnet-other-controllers", Topics.INTERNAL_CLAIMS.name());
        commitOffset("factnet-other-controllers", Topics.INTERNAL_GRANTS.name());
        ControllerConfig config = ControllerConfig.from(ControllerTestConfig.properties(kafka.bootstrapServers(), "one-group",
                dir.resolve("state"), "factnet-controller-b"));

        assertThatThrownBy(() -> Controller.start(config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("group factnet-other-controllers has committed offsets on "
                        + Topics.INTERNAL_CLAIMS.name() + " and " + Topics.INTERNAL_GRANTS.name())
                .hasMessageContaining("this one is factnet-controller-b")
                .hasMessageContaining("kafka-consumer-groups.sh --delete --group");
    }

    @Test
    void itsOwnGroupAndReadersOfRequestsOrResultsDoNotCount() {
        commitOffset("factnet-own", Topics.INTERNAL_CLAIMS.name());
        commitOffset("audit-reader", Topics.REQUESTS.name());
        commitOffset("results-reader", Topics.RESULTS.name());
        commitOffset("stranger", Topics.INTERNAL_GRANTS.name());

        Map<String, Set<String>> others = OneControllerGroup.otherGroupsOnSagaTopics(admin, "factnet-own");

        assertThat(others).doesNotContainKeys("factnet-own", "audit-reader", "results-reader")
                .containsEntry("stranger", Set.of(Topics.INTERNAL_GRANTS.name()));
    }
}
