package io.factnet.reliability.send;

import io.factnet.model.Request;
import io.factnet.serde.AvroSerializer;
import io.factnet.topics.RequestRoutes;
import java.nio.charset.StandardCharsets;

/**
 * One record to produce: key and value bytes exactly as they go on the wire (keys are bytes so that the
 * corpus can send a key that is not UTF-8), and the request they carry (null for bad bytes that carry
 * none). {@code label} names it in reports (the corpus entry, or "load").
 */
public record Outgoing(String topic, byte[] key, byte[] value, Request request, String label) {

    /** A request on its routed topic and key, in the registry's wire format. */
    public static Outgoing of(Request request, AvroSerializer<Request> serializer, String label) {
        return of(request, serializer, label, RequestRoutes.scopeOf(request));
    }

    /** A request on the topic of this route (another than its own, when the wrong topic is the test), keyed as routed. */
    public static Outgoing of(Request request, AvroSerializer<Request> serializer, String label, RequestRoutes.Scope route) {
        String topic = route.topic().name();
        return new Outgoing(topic, RequestRoutes.keyOf(request).getBytes(StandardCharsets.UTF_8),
                serializer.serialize(topic, request), request, label);
    }
}
