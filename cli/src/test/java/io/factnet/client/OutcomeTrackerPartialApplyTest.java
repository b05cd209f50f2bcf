package io.factnet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AppliedAck;
import io.factnet.model.FloatingNat;
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
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's and the bench's tracker applies the --wait-applied rule: an ack holds back only the resources it names (ADR 0022). */
class OutcomeTrackerPartialApplyTest {
    static final int PARTITIONS = 2;
    static final String NODE = "n1";

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope("outcome-tracker-partial-apply-test");
    static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        TopicAdmin.ensureAll(kafka.bootstrapServers(), PARTITIONS);
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()), new StringSerializer(),
                new ByteArraySerializer());
    }

    @AfterAll
    static void stop() {
        producer.close();
        kafka.close();
    }

    @Test
    void anAckNamingAnotherResourceAppliesTheRequestOneNamingItsOwnWaitsForTheRetry() throws Exception {
        try (OutcomeTracker tracker = new OutcomeTracker(Map.of("bootstrap.servers", kafka.bootstrapServers()), registry,
                EnumSet.of(NodeRole.ROUTING))) {
            Tracked other = tracker.track("req-other", System.nanoTime());
            Tracked own = tracker.track("req-own", System.nanoTime());
            long otherOffset = nodeRecord("req-other", "fip/203.0.113.1");
            long ownOffset = nodeRecord("req-own", "fip/203.0.113.2");
            result("req-other");
            result("req-own");

            ack(ownOffset, "failed 1 entries (retrying): \"fip/203.0.113.2\": dnsmasq failed", List.of("fip/203.0.113.2"));
            assertThat(other.applied().get(30, TimeUnit.SECONDS)).isSameAs(other);
            assertThat(otherOffset).isLessThan(ownOffset);
            assertThatThrownBy(() -> own.applied().get(2, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(own.waitingFor()).contains("dnsmasq failed");

            ack(ownOffset, null, List.of());
            assertThat(own.applied().get(30, TimeUnit.SECONDS)).isSameAs(own);
        }
    }

    private static long nodeRecord(String requestId, String resource) throws Exception {
        RoutingEntry entry = new RoutingEntry("p1", requestId, new FloatingNat(resource.substring(4), "10.0.0.5", null));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.NODE_ROUTING.name(), NodeKeys.partition(NODE, PARTITIONS),
                NodeKeys.key(NODE, resource), serialize(Topics.NODE_ROUTING, entry));
        record.headers().add(NodeKeys.REQUEST_ID_HEADER, requestId.getBytes(StandardCharsets.UTF_8));
        return producer.send(record).get().offset();
    }

    private static void result(String requestId) throws Exception {
        Result result = Result.newBuilder().setRequestId(requestId).setProject("p1").setCommand("AllocateFloatingIp")
                .setStatus(Status.ACCEPTED).setReason(Reason.OK).setMessage("done").setCompletedAt(Instant.now())
                .setTouched(List.of(new NodeRef(NODE, NodeRole.ROUTING))).build();
        producer.send(new ProducerRecord<>(Topics.RESULTS.name(), requestId, serialize(Topics.RESULTS, result))).get();
    }

    private static void ack(long offset, String error, List<String> notApplied) throws Exception {
        AppliedAck ack = AppliedAck.newBuilder().setNodeId(NODE).setRole(NodeRole.ROUTING)
                .setPartition(NodeKeys.partition(NODE, PARTITIONS)).setAppliedOffset(offset).setError(error)
                .setNotApplied(notApplied).build();
        Request request = Request.newBuilder().setRequestId("ack-" + System.nanoTime()).setProject("_admin")
                .setSubmittedAt(Instant.now()).setCommand(ack).build();
        producer.send(new ProducerRecord<>(Topics.NODE_EVENTS.name(), NODE + "/routing", serialize(Topics.NODE_EVENTS, request))).get();
    }

    private static <V extends SpecificRecord> byte[] serialize(Topic<String, V> topic, V value) {
        return topic.valueSerde(registry).serializer().serialize(topic.name(), value);
    }
}
