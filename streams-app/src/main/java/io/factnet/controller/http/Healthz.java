package io.factnet.controller.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.controller.Controller;
import io.factnet.controller.ThreadReplacements;
import io.factnet.http.Reply;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@code /healthz}: 200 while Kafka Streams is RUNNING and its stream threads are not dying in a loop, else 503
 * with the reason. Kafka Streams stays RUNNING while a replaced thread dies again on the same record, so its
 * state alone said healthy while a partition stood still ({@link ThreadReplacements}).
 */
final class Healthz {
    private Healthz() {
    }

    static Reply reply(Controller controller) {
        KafkaStreams.State state = controller.state();
        ThreadReplacements.Health threads = controller.threadReplacements().health();
        ObjectNode body = AvroJson.JSON.objectNode().put("state", state.name()).put("threadReplacements", threads.total());
        boolean healthy = state == KafkaStreams.State.RUNNING && threads.healthy();
        if (!healthy) {
            String notRunning = state != KafkaStreams.State.RUNNING ? "the controller is " + state + ", not RUNNING" : "";
            body.put("reason", threads.healthy() ? notRunning : notRunning.isEmpty() ? threads.reason() : notRunning + "; " + threads.reason());
        }
        return Reply.json(healthy ? 200 : 503, body);
    }
}
