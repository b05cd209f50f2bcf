package io.factnet.client;

import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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

/**
 * Sends requests to the topic and key {@link RequestRoutes} gives, and waits for what the caller asks:
 * nothing, the result, or the result and the node acks, by the rule of {@code --wait-applied} that
 * {@link OutcomeTracker} keeps for one request as for a batch. The tracker follows the topics from their
 * end before the request is produced, so it never scans history and never misses an answer. It reads with
 * {@code assign()}, never in a consumer group, so it needs no group ACL and leaves no offsets. Used by {@code factnet request} and
 * by tests that drive the controller; one instance serves many requests, one at a time.
 */
public final class RequestClient implements AutoCloseable {
    /** What to wait for after producing. */
    public enum Wait { NONE, RESULT, APPLIED }

    /** A broker that does not answer is reported after this long, even with a longer timeout. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(100);

    /**
     * What came of one request.
     *
     * @param result  null when not waited for
     * @param applied null unless waited for and the result was ACCEPTED: one entry per touched node
     */
    public record Exchange(Request request, RecordMetadata sent, Result result, List<Applied> applied) {
    }

    private final Map<String, Object> kafka;
    private final SchemaRegistryClient registry;
    private final boolean autoRegisterSchemas;
    private final Consumer<String> warn;
    private final KafkaConsumer<String, byte[]> reader;
    private KafkaProducer<String, Request> producer;
    private OutcomeTracker tracker;
    private boolean trackerFollowsNodes;

    /**
     * @param kafka Kafka client properties (bootstrap servers, security); the client sets its own
     *              producer and reader settings on top
     * @param warn  where to say what the caller should know but does not end the wait (unreadable
     *              records skipped, a node's failed apply that it will retry)
     */
    public RequestClient(Map<String, Object> kafka, SchemaRegistryClient registry, boolean autoRegisterSchemas,
                         Consumer<String> warn) {
        this.kafka = Map.copyOf(kafka);
        this.registry = registry;
        this.autoRegisterSchemas = autoRegisterSchemas;
        this.warn = warn;
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "factnet-client-reader");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        // one reader waiting for one answer: do not let the broker hold an empty fetch for 500 ms
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.reader = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Produces the request and waits up to {@code timeout} for the answer; a REJECTED result ends the
     * wait (the caller reads its reason). Getting ready and producing take at most
     * {@link #CONNECT_TIMEOUT} each and do not count against the timeout: a short timeout on a busy
     * machine must mean "no answer in time", not "no metadata in time". Throws
     * {@link IllegalStateException} with one clear sentence when Kafka does not answer, a topic is
     * missing, the wait runs out, or the request id is too long to be answered under.
     */
    public Exchange send(Request request, Wait wait, Duration timeout) {
        if (request.getRequestId().length() > RequestRoutes.MAX_ANSWERED_REQUEST_ID) {
            // The controller would answer under the id's first characters, where this wait would never look.
            throw new IllegalStateException("the request id has " + request.getRequestId().length() + " characters; ids have "
                    + "1-128 (the controller answers none longer than " + RequestRoutes.MAX_ANSWERED_REQUEST_ID + ")");
        }
        Deadline connecting = Deadline.after(CONNECT_TIMEOUT);
        Topic<String, Request> topic = RequestRoutes.topicOf(request);
        partitions(reader, topic.name(), connecting);
        if (wait == Wait.NONE) {
            return new Exchange(request, produce(topic, RequestRoutes.keyOf(request), request, Deadline.after(CONNECT_TIMEOUT)), null, null);
        }
        // Followed from before it is produced: its result and node records can only come after.
        OutcomeTracker tracker = tracker(wait, connecting);
        Tracked tracked = tracker.track(request.getRequestId(), System.nanoTime());
        try {
            RecordMetadata sent = produce(topic, RequestRoutes.keyOf(request), request, Deadline.after(CONNECT_TIMEOUT));
            Deadline deadline = Deadline.after(timeout);
            Result result = await(tracked.result(), deadline, () -> "no result for request " + request.getRequestId() + " within "
                    + deadline.total().toMillis() + " ms (is the controller running?)");
            if (wait == Wait.RESULT || result.getStatus() == Status.REJECTED) {
                return new Exchange(request, sent, result, null);
            }
            await(tracked.applied(), deadline, () -> "request " + request.getRequestId() + " was accepted but not applied within "
                    + deadline.total().toMillis() + " ms by " + tracked.waitingFor() + lastFailures(tracker, tracked));
            List<String> order = result.getTouched().stream().map(n -> n.getNodeId() + "/" + n.getRole()).distinct().toList();
            List<Applied> applied = tracked.appliedOn().stream()
                    .sorted(Comparator.comparingInt(a -> order.indexOf(a.nodeId() + "/" + a.role()))).toList();
            return new Exchange(request, sent, result, applied);
        } finally {
            tracker.forget(tracked);
        }
    }

    /**
     * The one tracker of this client ({@link OutcomeTracker}, the rule of {@code --wait-applied} for a batch or one
     * request), made on the first wait; one that follows the node topics once the first wait for applied comes.
     */
    private OutcomeTracker tracker(Wait wait, Deadline connecting) {
        boolean applied = wait == Wait.APPLIED;
        if (tracker == null || applied && !trackerFollowsNodes) {
            for (NodeRole role : applied ? List.of(NodeRole.values()) : List.<NodeRole>of()) {
                partitions(reader, Topics.forRole(role).name(), connecting); // one clear line when a topic is missing
            }
            partitions(reader, Topics.RESULTS.name(), connecting);
            if (applied) {
                partitions(reader, Topics.NODE_EVENTS.name(), connecting);
            }
            if (tracker != null) {
                tracker.close();
            }
            tracker = new OutcomeTracker(kafka, registry, applied ? EnumSet.allOf(NodeRole.class) : EnumSet.noneOf(NodeRole.class),
                    false, warn);
            trackerFollowsNodes = applied;
        }
        return tracker;
    }

    /** The future's value, or one clear line when the deadline passes or the tracker stops. */
    private static <T> T await(CompletableFuture<T> future, Deadline deadline, Supplier<String> late) {
        try {
            return future.get(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(late.get());
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The last failed apply of each node the request still waits for, for the message that it was not applied. */
    private static String lastFailures(OutcomeTracker tracker, Tracked tracked) {
        StringBuilder failures = new StringBuilder();
        tracker.lastAcks().forEach((node, ack) -> {
            if (ack.getError() != null && tracked.waitingFor.containsKey(node)) {
                failures.append("; ").append(node.nodeId()).append(' ').append(node.role()).append(" last apply failed: ")
                        .append(ack.getError());
            }
        });
        return failures.toString();
    }

    /** The partitions of a topic, or one clear line when the broker does not answer or the topic is missing. */
    static List<TopicPartition> partitions(KafkaConsumer<?, ?> reader, String topic, Deadline deadline) {
        List<PartitionInfo> infos;
        // Say the wait this call was given: what is left after it has run out is nothing (it once said "1 ms").
        Duration budget = deadline.remainingAtMost(CONNECT_TIMEOUT);
        try {
            infos = reader.partitionsFor(topic, budget);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within " + budget.toMillis()
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
        return RequestRoutes.partitionOf(key, partitions);
    }

    private RecordMetadata produce(Topic<String, Request> topic, String key, Request request, Deadline deadline) {
        try {
            Duration left = deadline.remaining();
            return producer(deadline).send(new ProducerRecord<>(topic.name(), key, request))
                    .get(Math.max(1, left.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the request was not acknowledged by Kafka within " + deadline.total().toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot send the request to " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IllegalStateException("cannot send the request to " + topic.name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Made on the first request: how long a send may block for metadata follows that request's deadline. */
    private KafkaProducer<String, Request> producer(Deadline deadline) {
        if (producer == null) {
            Map<String, Object> props = new HashMap<>(kafka);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "factnet-client");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, deadline.remainingAtMost(CONNECT_TIMEOUT).toMillis());
            producer = new KafkaProducer<>(props, new StringSerializer(),
                    Topics.REQUESTS.valueSerde(registry, autoRegisterSchemas).serializer());
        }
        return producer;
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close();
        }
        if (tracker != null) {
            tracker.close();
        }
        reader.close();
    }
}
