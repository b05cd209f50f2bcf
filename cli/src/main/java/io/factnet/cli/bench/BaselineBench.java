package io.factnet.cli.bench;

import io.factnet.model.Request;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.serde.AvroSerializer;
import io.factnet.topics.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The raw-Kafka ceiling factnet is measured against: the very bytes of the benchmark's requests
 * (same keys, same sizes, same count) produced to a topic and consumed back, one hop, with the
 * client settings Kafka Streams uses for the chosen guarantee. Two phases: full speed (throughput,
 * and latency under saturation) and paced at a fixed rate (latency when not saturated, measured from
 * each record's scheduled send time so that a stall is not hidden).
 */
public final class BaselineBench implements BenchRun {
    /** A scratch topic per run; it is not one of factnet's topics. */
    static final String TOPIC_PREFIX = "factnet-bench-baseline-";
    private static final String SEQUENCE_HEADER = "seq";
    private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(10);

    /** What the consumer side saw of one phase. */
    record Phase(int received, int duplicates, double seconds, LatencySummary latency) {
    }

    @Override
    public BenchResult run(BenchSettings settings, String bootstrapServers, List<Request> requests) throws Exception {
        List<byte[]> values = serialize(requests);
        List<String> keys = requests.stream().map(Request::getProject).toList();

        PeakMemory.Mark mark = PeakMemory.reset();
        Phase full = phase(settings, bootstrapServers, keys, values, requests.size(), 0);
        if (full.received() != requests.size() || full.duplicates() != 0) {
            throw new IllegalStateException("the baseline lost or duplicated records: received " + full.received()
                    + " of " + requests.size() + ", " + full.duplicates() + " duplicates");
        }
        Map<String, LatencySummary> latencies = new LinkedHashMap<>();
        latencies.put("full speed", full.latency());
        if (settings.pacedRate() > 0 && settings.pacedCount() > 0) {
            Phase paced = phase(settings, bootstrapServers, keys, values, settings.pacedCount(), settings.pacedRate());
            latencies.put(String.format("at %,d/s", settings.pacedRate()), paced.latency());
        }
        return new BenchResult("raw Kafka baseline", requests.size(), averageBytes(values), full.seconds(), latencies,
                List.of(PeakMemory.since(mark, "bench JVM (broker and clients)")), List.of());
    }

    /** Average size of the requests on the wire. */
    static double averageBytes(List<byte[]> values) {
        return values.stream().mapToInt(v -> v.length).average().orElse(0);
    }

    /** The requests as the CLI and the controller put them on the wire: Confluent framing and Avro. */
    static List<byte[]> serialize(List<Request> requests) {
        String scope = "bench-" + UUID.randomUUID();
        try (AvroSerializer<Request> serializer = new AvroSerializer<>(InMemorySchemaRegistryClient.scope(scope), true)) {
            List<byte[]> values = new ArrayList<>(requests.size());
            for (Request request : requests) {
                values.add(serializer.serialize(Topics.REQUESTS.name(), request));
            }
            return values;
        } finally {
            InMemorySchemaRegistryClient.dropScope(scope);
        }
    }

    /** Sends {@code count} records (cycling through the values) at {@code rate} per second (0: at full speed) and receives them. */
    Phase phase(BenchSettings settings, String bootstrap, List<String> keys, List<byte[]> values, int count, int rate)
            throws Exception {
        String topic = TOPIC_PREFIX + UUID.randomUUID();
        createTopic(bootstrap, topic, settings.partitions());
        AtomicLongArray sentAt = new AtomicLongArray(count);
        long[] latencies = new long[count];
        BitSet seen = new BitSet(count);
        int received = 0;
        int duplicates = 0;
        try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrap, settings.guarantee())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < settings.partitions(); p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            partitions.forEach(consumer::position); // joins the topic now, not after the first sends

            Producing producing = new Producing(settings, bootstrap, topic, keys, values, count, rate, sentAt);
            Thread producer = new Thread(producing, "bench-producer");
            long start = System.nanoTime();
            producer.start();
            long deadline = start + PHASE_TIMEOUT.toNanos();
            long lastReceived = start;
            while (received < count && System.nanoTime() < deadline && producing.failure == null) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    int seq = sequenceOf(record);
                    if (seen.get(seq)) {
                        duplicates++;
                        continue;
                    }
                    seen.set(seq);
                    latencies[received++] = now - sentAt.get(seq);
                    lastReceived = now;
                }
            }
            producer.join(TimeUnit.SECONDS.toMillis(30));
            if (producing.failure != null) {
                throw new IllegalStateException("the benchmark producer failed: " + producing.failure.getMessage(), producing.failure);
            }
            return new Phase(received, duplicates, (lastReceived - start) / 1e9, LatencySummary.of(latencies, received));
        } finally {
            deleteTopic(bootstrap, topic);
        }
    }

    private static int sequenceOf(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader(SEQUENCE_HEADER);
        return ByteBuffer.wrap(header.value()).getInt();
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap, Guarantee guarantee) {
        Map<String, Object> props = new LinkedHashMap<>(guarantee.consumerSettings());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "factnet-bench-consumer");
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * The producer side of a phase: a transaction per commit interval with exactly-once (as a stream
     * thread commits), plain idempotent sends with at-least-once. Each record carries its sequence
     * number in a header; its send time (or, paced, its scheduled time) is noted before sending.
     */
    private static final class Producing implements Runnable {
        private final BenchSettings settings;
        private final String bootstrap;
        private final String topic;
        private final List<String> keys;
        private final List<byte[]> values;
        private final int count;
        private final int rate;
        private final AtomicLongArray sentAt;
        volatile Throwable failure;

        Producing(BenchSettings settings, String bootstrap, String topic, List<String> keys, List<byte[]> values, int count,
                  int rate, AtomicLongArray sentAt) {
            this.settings = settings;
            this.bootstrap = bootstrap;
            this.topic = topic;
            this.keys = keys;
            this.values = values;
            this.count = count;
            this.rate = rate;
            this.sentAt = sentAt;
        }

        @Override
        public void run() {
            boolean transactional = settings.guarantee().transactional();
            Map<String, Object> props = new LinkedHashMap<>(settings.guarantee().producerSettings());
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "factnet-bench-producer");
            if (transactional) {
                props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TOPIC_PREFIX + UUID.randomUUID());
            }
            long commitNanos = settings.commitInterval().toNanos();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
                if (transactional) {
                    producer.initTransactions();
                    producer.beginTransaction();
                }
                long start = System.nanoTime();
                long lastCommit = start;
                for (int seq = 0; seq < count; seq++) {
                    long due = rate > 0 ? start + (long) (seq * 1e9 / rate) : 0;
                    long now;
                    // paced: park until the record is due, committing on time meanwhile as a stream thread does
                    while ((now = System.nanoTime()) < due) {
                        if (transactional && now - lastCommit >= commitNanos) {
                            lastCommit = commit(producer);
                        } else {
                            LockSupport.parkNanos(Math.min(due, transactional ? lastCommit + commitNanos : due) - now);
                        }
                    }
                    if (transactional && now - lastCommit >= commitNanos) {
                        lastCommit = commit(producer);
                        now = lastCommit;
                    }
                    sentAt.set(seq, rate > 0 ? due : now);
                    int index = seq % values.size();
                    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, keys.get(index), values.get(index));
                    record.headers().add(SEQUENCE_HEADER, ByteBuffer.allocate(4).putInt(seq).array());
                    producer.send(record);
                }
                if (transactional) {
                    producer.commitTransaction();
                } else {
                    producer.flush();
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        private static long commit(KafkaProducer<String, byte[]> producer) {
            producer.commitTransaction();
            producer.beginTransaction();
            return System.nanoTime();
        }
    }

    private static void createTopic(String bootstrap, String topic, int partitions) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    private static void deleteTopic(String bootstrap, String topic) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // a scratch topic left behind on a throwaway broker is harmless
        }
    }
}
