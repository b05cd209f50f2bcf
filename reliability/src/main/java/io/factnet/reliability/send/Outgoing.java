package io.factnet.reliability.send;

import io.factnet.model.Request;
import io.factnet.serde.AvroSerializer;
import io.factnet.topics.RequestRoutes;

/**
 * One record to produce: the bytes exactly as they go on the wire, and the request they carry (null
 * for bad bytes that carry none). {@code label} names it in reports (the corpus entry, or "load").
 */
public record Outgoing(String topic, String key, byte[] value, Request request, String label) {

    /** A request on its routed topic and key, in the registry's wire format. */
    public static Outgoing of(Request request, AvroSerializer<Request> serializer, String label) {
        String topic = RequestRoutes.topicOf(request).name();
        return new Outgoing(topic, RequestRoutes.keyOf(request), serializer.serialize(topic, request), request, label);
    }
}
