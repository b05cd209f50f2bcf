package io.factnet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.time.Duration;
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
            assertThat(deadline.passed()).isTrue();
        }
    }
}
