package io.factnet.client;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.CreateNetwork;
import io.factnet.model.Request;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.topics.RequestRoutes;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestClientTest {

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
