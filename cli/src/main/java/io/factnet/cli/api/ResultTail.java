package io.factnet.cli.api;

import io.factnet.model.Result;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of {@code factnet.results} from its end at start-up (read_committed, {@code assign()}: no
 * consumer group, no offsets), completes the waits of requests in flight, and keeps the last results it saw for the
 * 202's poll link. One reader for all the gateway's requests, where {@code RequestClient} has one per request: the
 * gateway waits for many at once. Results are matched by project and request id (ids are per project).
 */
final class ResultTail implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResultTail.class);

    private final KafkaConsumer<String, byte[]> reader;
    private final RecordDecoder<Result> decoder;
    private final Map<String, CompletableFuture<Result>> waiting = new ConcurrentHashMap<>();
    private final Map<String, Result> recent;
    private final Thread thread;
    private volatile boolean running = true;

    ResultTail(Map<String, Object> kafka, SchemaRegistryClient registry, int keep) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "factnet-api-results");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.reader = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.decoder = new RecordDecoder<>(Topics.RESULTS.valueDeserializer(registry));
        this.recent = java.util.Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Result> eldest) {
                return size() > keep;
            }
        });
        List<PartitionInfo> infos = reader.partitionsFor(Topics.RESULTS.name(), Duration.ofSeconds(10));
        if (infos == null || infos.isEmpty()) {
            reader.close();
            throw new IllegalStateException("topic " + Topics.RESULTS.name() + " does not exist (factnet's topics are created by the controller)");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
        reader.assign(partitions);
        reader.seekToEnd(partitions);
        // resolve the positions now: a request registered after this returns can only be answered after them
        partitions.forEach(p -> reader.position(p, Duration.ofSeconds(10)));
        this.thread = new Thread(this::run, "factnet-api-results");
        thread.setDaemon(true);
        thread.start();
    }

    static String key(String project, String requestId) {
        return project + "\n" + requestId;
    }

    /** Registers a wait before the request is produced; one future for every caller of the same project and id. */
    CompletableFuture<Result> expect(String project, String requestId) {
        return waiting.computeIfAbsent(key(project, requestId), k -> new CompletableFuture<>());
    }

    /** Gives up a wait (timed out): the result still goes to the recent ones when it comes. */
    void forget(String project, String requestId, CompletableFuture<Result> future) {
        waiting.remove(key(project, requestId), future);
    }

    boolean pending(String project, String requestId) {
        return waiting.containsKey(key(project, requestId));
    }

    /** The result of a request if this gateway saw it since it started (the last {@code keep}). */
    Result recent(String project, String requestId) {
        return recent.get(key(project, requestId));
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        continue;
                    }
                    try {
                        Result result = decoder.value(record);
                        String key = key(result.getProject(), result.getRequestId());
                        recent.put(key, result);
                        CompletableFuture<Result> future = waiting.remove(key);
                        if (future != null) {
                            future.complete(result);
                        }
                    } catch (BadRecordException e) {
                        log.warn("skipped an unreadable result at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                                e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("the gateway's results reader stopped", e);
            waiting.values().forEach(f -> f.completeExceptionally(e));
        } finally {
            reader.close();
        }
    }

    boolean alive() {
        return thread.isAlive();
    }

    @Override
    public void close() {
        running = false;
        reader.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
