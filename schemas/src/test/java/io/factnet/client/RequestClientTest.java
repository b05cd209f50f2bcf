package io.factnet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.CreateNetwork;
import io.factnet.model.Request;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.topics.RequestRoutes;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

class RequestClientTest {
    /** A port nothing listens on: Kafka's client retries the connection until its wait runs out. */
    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aBrokerThatDoesNotAnswerIsReportedWithTheWaitItWasGivenNotTheTimeLeft() throws Exception {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + closedPort());
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Deadline deadline = Deadline.after(Duration.ofMillis(700));
            assertThatThrownBy(() -> RequestClient.partitions(reader, "factnet.requests", deadline))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("Kafka did not answer within ")
                    .satisfies(e -> {
                        long said = Long.parseLong(e.getMessage().replaceAll("^Kafka did not answer within (\\d+) ms.*$", "$1"));
                        // the wait it had: at most the deadline, and (on any machine) far more than the 1 ms left after it
                        assertThat(said).isBetween(500L, 700L);
                    });
            // It waited out its budget. Kafka's client keeps time in whole milliseconds (System.currentTimeMillis),
            // so it may give up up to 1 ms before this nanosecond deadline: CI once saw passed() false for that.
            assertThat(deadline.remaining()).isLessThanOrEqualTo(Duration.ofMillis(2));
        }
    }

    @Test
    void anIdTooLongToBeAnsweredUnderIsRefusedBeforeAnythingIsSent() {
        // Nothing listens on port 9: the refusal must come before any connection is tried.
        try (RequestClient client = new RequestClient(Map.of("bootstrap.servers", "127.0.0.1:9"),
                InMemorySchemaRegistryClient.scope("request-client-test"), true, warning -> { })) {
            String id = "x".repeat(RequestRoutes.MAX_ANSWERED_REQUEST_ID + 1);
            Request request = Request.newBuilder().setRequestId(id).setProject("p1").setSubmittedAt(Instant.EPOCH)
                    .setCommand(CreateNetwork.newBuilder().build()).build();
            assertThatThrownBy(() -> client.send(request, RequestClient.Wait.RESULT, Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("has 1025 characters; ids have 1-128");
        } finally {
            InMemorySchemaRegistryClient.dropScope("request-client-test");
        }
    }
}
