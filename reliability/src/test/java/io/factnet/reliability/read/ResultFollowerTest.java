package io.factnet.reliability.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.Reason;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.reliability.load.RequestKey;
import io.factnet.serde.AvroSerializer;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Results written to factnet.results (as the controller writes them) are found per request, in order; none is made up. */
class ResultFollowerTest {
    static final SchemaRegistryClient REGISTRY = InMemorySchemaRegistryClient.scope("result-follower-test");

    @AfterAll
    static void drop() {
        InMemorySchemaRegistryClient.dropScope("result-follower-test");
    }

    static Result result(String project, String id, Reason reason) {
        return Result.newBuilder().setRequestId(id).setProject(project).setCommand("AllocateFloatingIp")
                .setStatus(reason == Reason.OK ? Status.ACCEPTED : Status.REJECTED).setReason(reason).setMessage("m")
                .setCompletedAt(Instant.now()).build();
    }

    @Test
    void findsEachRequestsResultsInOrderAndSaysWhenNoneCame(@TempDir Path dir) {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                TopicAdmin.ensure(admin, List.of(Topics.RESULTS), 4, (short) 1);
            }
            try (KafkaProducer<String, Result> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                    new StringSerializer(), new AvroSerializer<>(REGISTRY, true))) {
                producer.send(new ProducerRecord<>(Topics.RESULTS.name(), "r1", result("p1", "r1", Reason.OK)));
                producer.send(new ProducerRecord<>(Topics.RESULTS.name(), "r1", result("p2", "r1", Reason.NOT_FOUND)));
                producer.send(new ProducerRecord<>(Topics.RESULTS.name(), "r1", result("p1", "r1", Reason.OK)));
                producer.send(new ProducerRecord<>(Topics.RESULTS.name(), "junk", null));
            }
            try (ResultFollower follower = new ResultFollower(kafka.bootstrapServers(), REGISTRY)) {
                assertThat(follower.await(new RequestKey("p2", "r1"), Duration.ofSeconds(30)).getReason()).isEqualTo(Reason.NOT_FOUND);
                assertThat(follower.await(new RequestKey("p1", "r1"), 2, Duration.ofSeconds(30))).hasSize(2);
                assertThatThrownBy(() -> follower.await(new RequestKey("p1", "r1"), 3, Duration.ofMillis(500)))
                        .hasMessageContaining("2 of 3");
                assertThat(follower.all()).hasSize(4);
            }
        }
    }
}
