package io.factnet.node.runtime;

import io.factnet.model.Request;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topics;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes node events to factnet.node-events with an idempotent producer (acks=all), and, where the
 * node's principal may write it, its registration to factnet.admin-requests.
 */
public final class KafkaNodeEvents implements NodeEventSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaNodeEvents.class);

    private final KafkaProducer<String, Request> producer;

    public KafkaNodeEvents(Map<String, Object> clientConfig, SchemaRegistryClient registry, String clientId) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(config, Topics.NODE_EVENTS.keySerde().serializer(),
                Topics.NODE_EVENTS.valueSerde(registry).serializer());
    }

    @Override
    public void publish(Request event) {
        send(Topics.NODE_EVENTS.name(), event);
    }

    /** An admin command (the node's registration): refused on node events, it goes where operators write. */
    public void publishAdmin(Request command) {
        send(Topics.ADMIN_REQUESTS.name(), command);
    }

    private void send(String topic, Request event) {
        String key = RequestRoutes.keyOf(event);
        producer.send(new ProducerRecord<>(topic, key, event), (metadata, error) -> {
            if (error != null) {
                log.error("cannot publish {} for {}: {}", event.getCommand().getClass().getSimpleName(), key,
                        error.getMessage());
            }
        });
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
