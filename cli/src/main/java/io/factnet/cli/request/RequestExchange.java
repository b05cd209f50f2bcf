package io.factnet.cli.request;

import io.factnet.cli.client.BrokerProbe;
import io.factnet.cli.client.ClientSettings;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Produces one request and waits for what the user asked: nothing, its result, or its result and the
 * node acks. End offsets are taken before producing, so the result (and the node records and acks)
 * can only be at or after them: the reader never scans history and never misses an answer. It reads
 * with {@code assign()}, never in a consumer group, so it needs no group ACL and leaves no offsets.
 */
final class RequestExchange {
    /** What to wait for after producing. */
    enum Wait { NONE, RESULT, APPLIED }

    static final int EXIT_ACCEPTED = 0;
    static final int EXIT_ERROR = 1;
    static final int EXIT_REJECTED = 2;
    /** A broker that does not answer is reported after this long, even with a longer --timeout. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(100);

    private final ClientSettings settings;
    private final ResultPrinter printer;

    RequestExchange(ClientSettings settings, ResultPrinter printer) {
        this.settings = settings;
        this.printer = printer;
    }

    int run(Request request, Wait wait, Duration timeout) {
        Deadline deadline = Deadline.after(timeout);
        BrokerProbe.requireReachable(settings.bootstrapServers(), deadline.remainingAtMost(CONNECT_TIMEOUT));
        SchemaRegistryClient registry = settings.registryClient();
        Topic<String, Request> topic = RequestRoutes.topicOf(request);
        String key = RequestRoutes.keyOf(request);
        try (KafkaConsumer<String, byte[]> reader = reader()) {
            partitions(reader, topic.name(), deadline);
            Map<TopicPartition, Long> before = wait == Wait.NONE ? Map.of() : endOffsetsBefore(reader, request, wait, deadline);
            RecordMetadata sent = produce(registry, topic, key, request, deadline);
            if (wait == Wait.NONE) {
                printer.submitted(request, sent);
                return EXIT_ACCEPTED;
            }
            Result result = awaitResult(reader, registry, request.getRequestId(), before, deadline);
            if (result.getStatus() == Status.REJECTED) {
                printer.rejected(result);
                return EXIT_REJECTED;
            }
            if (wait == Wait.APPLIED) {
                List<AppliedWaiter.Applied> applied = new AppliedWaiter(reader, registry, before, deadline, printer::warn)
                        .await(request.getRequestId(), result.getTouched());
                printer.accepted(result, applied);
            } else {
                printer.accepted(result, null);
            }
            return EXIT_ACCEPTED;
        }
    }

    private KafkaConsumer<String, byte[]> reader() {
        Map<String, Object> props = settings.kafkaWith(Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, "factnet-cli-reader",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none",
                // one reader waiting for one answer: do not let the broker hold an empty fetch for 500 ms
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** The partitions of a topic, or one clear line when the broker does not answer or the topic is missing. */
    static List<TopicPartition> partitions(KafkaConsumer<?, ?> reader, String topic, Deadline deadline) {
        List<PartitionInfo> infos;
        try {
            infos = reader.partitionsFor(topic, deadline.remainingAtMost(CONNECT_TIMEOUT));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within " + deadline.remainingAtMost(CONNECT_TIMEOUT).toMillis()
                    + " ms (is the address a Kafka listener, and are security.protocol and SASL/TLS settings right?)");
        }
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist (factnet's topics are created by the controller)");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
        return partitions;
    }

    /** The partition of a key under Kafka's default partitioner, as the controller's producer places it. */
    static int partitionOfKey(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private Map<TopicPartition, Long> endOffsetsBefore(KafkaConsumer<String, byte[]> reader, Request request, Wait wait,
                                                       Deadline deadline) {
        List<TopicPartition> partitions = new ArrayList<>();
        List<TopicPartition> results = partitions(reader, Topics.RESULTS.name(), deadline);
        partitions.add(new TopicPartition(Topics.RESULTS.name(), partitionOfKey(request.getRequestId(), results.size())));
        if (wait == Wait.APPLIED) {
            partitions.addAll(partitions(reader, Topics.NODE_EVENTS.name(), deadline));
            for (NodeRole role : NodeRole.values()) {
                partitions.addAll(partitions(reader, Topics.forRole(role).name(), deadline));
            }
        }
        return new HashMap<>(reader.endOffsets(partitions, deadline.remainingAtMost(CONNECT_TIMEOUT)));
    }

    private RecordMetadata produce(SchemaRegistryClient registry, Topic<String, Request> topic, String key, Request request,
                                   Deadline deadline) {
        Map<String, Object> props = settings.kafkaWith(Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, "factnet-cli",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, deadline.remainingAtMost(CONNECT_TIMEOUT).toMillis()));
        try (KafkaProducer<String, Request> producer = new KafkaProducer<>(props, new StringSerializer(),
                topic.valueSerde(registry, settings.autoRegisterSchemas()).serializer())) {
            Duration left = deadline.remaining();
            return producer.send(new ProducerRecord<>(topic.name(), key, request))
                    .get(Math.max(1, left.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the request was not acknowledged by Kafka within " + deadline.total().toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot send the request to " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private Result awaitResult(KafkaConsumer<String, byte[]> reader, SchemaRegistryClient registry, String requestId,
                               Map<TopicPartition, Long> before, Deadline deadline) {
        TopicPartition partition = before.keySet().stream()
                .filter(tp -> tp.topic().equals(Topics.RESULTS.name())).findFirst().orElseThrow();
        reader.assign(List.of(partition));
        reader.seek(partition, before.get(partition));
        RecordDecoder<Result> decoder = new RecordDecoder<>(Topics.RESULTS.valueDeserializer(registry));
        while (!deadline.passed()) {
            for (ConsumerRecord<String, byte[]> record : reader.poll(deadline.remainingAtMost(POLL))) {
                if (!requestId.equals(record.key()) || record.value() == null) {
                    continue;
                }
                try {
                    Result result = decoder.value(record);
                    if (requestId.equals(result.getRequestId())) {
                        return result;
                    }
                } catch (BadRecordException e) {
                    printer.warn("skipped an unreadable result: " + e.getMessage());
                }
            }
        }
        throw new IllegalStateException("no result for request " + requestId + " within " + deadline.total().toMillis()
                + " ms (is the controller running?)");
    }
}
