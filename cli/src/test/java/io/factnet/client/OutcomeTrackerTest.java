package io.factnet.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AppliedAck;
import io.factnet.model.NetworkSnat;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.RoutingEntry;
import io.factnet.model.Status;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topic;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the demo's and the bench's tracker believe of an ack (issue 16, item 4: acks are not authenticated). */
class OutcomeTrackerTest {
    private static final String SCOPE = "outcome-tracker-test";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        TopicAdmin.ensureAll(kafka.bootstrapServers(), 1);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
        InMemorySchemaRegistryClient.dropScope(SCOPE);
    }

    private static <V extends org.apache.avro.specific.SpecificRecord> KafkaProducer<String, V> producer(Topic<String, V> topic, SchemaRegistryClient registry) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"), new StringSerializer(),
                topic.valueSerde(registry).serializer());
    }

    @Test
    void aForgedAckPastTheEndOfItsPartitionDoesNotCoverLaterChanges() throws Exception {
        SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope(SCOPE);
        try (OutcomeTracker tracker = new OutcomeTracker(Map.of("bootstrap.servers", kafka.bootstrapServers()), registry,
                EnumSet.of(NodeRole.ROUTING));
             KafkaProducer<String, RoutingEntry> routing = producer(Topics.NODE_ROUTING, registry);
             KafkaProducer<String, Result> results = producer(Topics.RESULTS, registry);
             KafkaProducer<String, Request> events = producer(Topics.NODE_EVENTS, registry)) {
            Tracked a = tracker.track("req-a", System.nanoTime());
            change(routing, results, "req-a"); // offset 0 of the node's partition
            ack(events, 999_999); // forged: far past the end
            assertThat(a.applied().get(WAIT.toSeconds(), TimeUnit.SECONDS).requestId()).as("what exists is covered").isEqualTo("req-a");

            Tracked b = tracker.track("req-b", System.nanoTime());
            change(routing, results, "req-b"); // offset 1
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!b.applied().isDone() && !b.waitingFor().contains("an ack of offset 1") && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(b.applied()).as("the forged ack counted up to the end of the partition when it was read, not beyond").isNotDone();
            assertThat(b.waitingFor()).as("the tracker passed req-b's record").contains("an ack of offset 1");
            ack(events, 1); // the agent's own
            assertThat(b.applied().get(WAIT.toSeconds(), TimeUnit.SECONDS).requestId()).isEqualTo("req-b");
        }
    }

    private static void change(KafkaProducer<String, RoutingEntry> routing, KafkaProducer<String, Result> results, String requestId)
            throws Exception {
        ProducerRecord<String, RoutingEntry> record = new ProducerRecord<>(Topics.NODE_ROUTING.name(), 0, "n1/snat/p1",
                new RoutingEntry("p1", requestId, new NetworkSnat("10.0.0.0/20")));
        record.headers().add(NodeKeys.REQUEST_ID_HEADER, requestId.getBytes(StandardCharsets.UTF_8));
        routing.send(record).get();
        results.send(new ProducerRecord<>(Topics.RESULTS.name(), requestId, Result.newBuilder().setRequestId(requestId)
                .setProject("p1").setCommand("CreateNetwork").setStatus(Status.ACCEPTED).setReason(Reason.OK).setMessage("ok")
                .setCompletedAt(Instant.now()).setTouched(List.of(new NodeRef("n1", NodeRole.ROUTING))).build())).get();
    }

    private static void ack(KafkaProducer<String, Request> events, long offset) throws Exception {
        AppliedAck ack = AppliedAck.newBuilder().setNodeId("n1").setRole(NodeRole.ROUTING).setPartition(0).setAppliedOffset(offset).build();
        events.send(new ProducerRecord<>(Topics.NODE_EVENTS.name(), "n1/routing", Request.newBuilder().setRequestId("ack-" + offset)
                .setProject("_admin").setSubmittedAt(Instant.now()).setCommand(ack).build())).get();
    }
}
