package io.factnet.cli.flow;

import io.factnet.model.Request;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends requests the way {@code factnet request} does: to the topic and under the key that
 * {@link RequestRoutes} gives, as Avro through the registry serde; one idempotent producer for many.
 */
public final class RequestSender implements AutoCloseable {
    /** The producer's client.id (its network thread is named after it). */
    public static final String CLIENT_ID = "factnet-request-sender";
    private final KafkaProducer<String, Request> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    /**
     * @param kafka     connection settings
     * @param overrides producer settings of the caller (e.g. linger.ms), over the defaults
     */
    public RequestSender(Map<String, Object> kafka, SchemaRegistryClient registry, boolean autoRegister,
                         Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, CLIENT_ID);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        props.putAll(overrides);
        // One serializer for every request topic: it registers and looks up by the topic it is given.
        this.producer = new KafkaProducer<>(props, new StringSerializer(),
                Topics.REQUESTS.valueSerde(registry, autoRegister).serializer());
    }

    /** Sends without waiting; a failure is thrown by a later {@link #send} or {@link #flush}. */
    public Future<RecordMetadata> send(Request request) {
        throwIfFailed();
        Topic<String, Request> topic = RequestRoutes.topicOf(request);
        return producer.send(new ProducerRecord<>(topic.name(), RequestRoutes.keyOf(request), request), (metadata, error) -> {
            if (error != null) {
                failure.compareAndSet(null, error);
            }
        });
    }

    public void flush() {
        producer.flush();
        throwIfFailed();
    }

    private void throwIfFailed() {
        Exception error = failure.get();
        if (error != null) {
            throw new IllegalStateException("a request could not be sent: " + error.getMessage(), error);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
