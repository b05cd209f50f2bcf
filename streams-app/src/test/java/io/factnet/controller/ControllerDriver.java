package io.factnet.controller;

import io.factnet.controller.stage.KeyPartitions;
import io.factnet.controller.stage.InputPositions;
import io.factnet.controller.stage.PoisonRecords;
import io.factnet.controller.stage.RequestOutcomes;
import io.factnet.model.AddressingEntry;
import io.factnet.model.BridgingEntry;
import io.factnet.model.DeadLetter;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.RoutingEntry;
import io.factnet.model.TunnelingEntry;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The whole controller topology in a TopologyTestDriver (in-memory stores, mock registry): the saga
 * topics are sources of the same topology, so the driver runs every request to its result before
 * {@link #submit} returns. Keeps the latest value per key of every state and node topic (the compacted
 * view an agent or a reader of the fact engine would have).
 */
final class ControllerDriver implements AutoCloseable {
    static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    final String scope = "ttd-" + UUID.randomUUID();
    final SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope(scope);
    final TopologyTestDriver driver;
    final Path stateDir;
    private final Map<String, TestInputTopic<String, Request>> inputs = new LinkedHashMap<>();
    private final TestOutputTopic<String, Result> results;
    private final TestOutputTopic<String, DeadLetter> deadLetters;
    private final Map<Topic<String, ?>, TestOutputTopic<String, ? extends SpecificRecord>> facts = new LinkedHashMap<>();
    /** Latest value per key of each state and node topic. */
    final Map<Topic<String, ?>, Map<String, SpecificRecord>> view = new LinkedHashMap<>();
    /** Every record each state and node topic got, in order (tombstones as null values). */
    final Map<Topic<String, ?>, List<TestRecord<String, ? extends SpecificRecord>>> history = new LinkedHashMap<>();
    final List<Result> allResults = new ArrayList<>();
    /** The record key of each of {@link #allResults}. */
    final List<String> allResultKeys = new ArrayList<>();
    final List<DeadLetter> allDeadLetters = new ArrayList<>();
    /** What the topology counted for /metrics: every result it emitted, by command and outcome. */
    final RequestOutcomes outcomes = new RequestOutcomes();
    private final AtomicLong ids = new AtomicLong();
    long clock = START.toEpochMilli();

    ControllerDriver() {
        this(Map.of());
    }

    ControllerDriver(Map<String, String> overrides) {
        this(overrides, KeyPartitions.ONE, registry -> registry);
    }

    /**
     * With the partition counts the stages believe their inputs have. The driver puts every record in partition 0,
     * so a key that maps to another partition of that count arrives where it does not belong.
     */
    ControllerDriver(Map<String, String> overrides, KeyPartitions partitions) {
        this(overrides, partitions, registry -> registry);
    }

    /** With the topology's registry client wrapped (the test's own serdes use the plain one). */
    ControllerDriver(Map<String, String> overrides, java.util.function.UnaryOperator<SchemaRegistryClient> topologyRegistry) {
        this(overrides, KeyPartitions.ONE, topologyRegistry);
    }

    private ControllerDriver(Map<String, String> overrides, KeyPartitions partitions,
                             java.util.function.UnaryOperator<SchemaRegistryClient> topologyRegistry) {
        try {
            stateDir = Files.createTempDirectory("factnet-ttd-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", "ttd:9092");
        props.setProperty("schema.registry.url", "mock://" + scope);
        props.setProperty("state.dir", stateDir.toString());
        props.setProperty(ControllerConfig.IN_MEMORY_STORES, "true");
        props.putAll(overrides);
        ControllerConfig config = ControllerConfig.from(props);
        driver = new TopologyTestDriver(FactnetTopology.build(config, topologyRegistry.apply(registry), outcomes,
                new PoisonRecords(), new InputPositions.Replays(), partitions), config.streamsProperties(), START);
        StringSerializer keys = new StringSerializer();
        for (Topic<String, Request> topic : List.of(Topics.REQUESTS, Topics.ADMIN_REQUESTS, Topics.NODE_EVENTS)) {
            inputs.put(topic.name(), driver.createInputTopic(topic.name(), keys, topic.valueSerde(registry).serializer()));
        }
        StringDeserializer keyReader = new StringDeserializer();
        results = driver.createOutputTopic(Topics.RESULTS.name(), keyReader, Topics.RESULTS.valueDeserializer(registry));
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), keyReader, Topics.DEAD_LETTERS.valueDeserializer(registry));
        for (Topic<String, ?> topic : Topics.all()) {
            if (topic.compacted()) {
                facts.put(topic, driver.createOutputTopic(topic.name(), keyReader, topic.valueDeserializer(registry)));
                view.put(topic, new LinkedHashMap<>());
                history.put(topic, new ArrayList<>());
            }
        }
    }

    String nextId() {
        return "req-" + ids.incrementAndGet();
    }

    void advance(Duration duration) {
        clock += duration.toMillis();
    }

    Request request(String project, Object command) {
        return Request.newBuilder().setRequestId(nextId()).setProject(project).setSubmittedAt(Instant.ofEpochMilli(clock))
                .setCommand(command).build();
    }

    /** A project command on factnet.requests. */
    Result submit(String project, Object command) {
        return submit(Topics.REQUESTS, request(project, command));
    }

    /** An admin command on factnet.admin-requests: pool-wide ones under "_admin". */
    Result admin(String project, Object command) {
        return submit(Topics.ADMIN_REQUESTS, request(project, command));
    }

    Result nodeEvent(String key, Object command) {
        return submit(Topics.NODE_EVENTS, request(key, command));
    }

    /** Pipes one request (key = its project) and returns its one result. */
    Result submit(Topic<String, Request> topic, Request request) {
        List<Result> produced = pipe(topic, request.getProject(), request);
        List<Result> mine = produced.stream().filter(r -> r.getRequestId().equals(request.getRequestId())).toList();
        if (mine.size() != 1) {
            throw new AssertionError("expected one result for " + request.getRequestId() + ", got " + produced);
        }
        return mine.get(0);
    }

    /** Pipes one record and returns every result it produced. */
    List<Result> pipe(Topic<String, Request> topic, String key, Request request) {
        inputs.get(topic.name()).pipeInput(key, request, clock);
        return drain();
    }

    /** Pipes raw bytes (for dead-letter tests) and returns the results it produced. */
    List<Result> pipeRaw(Topic<String, ?> topic, String key, byte[] value) {
        driver.createInputTopic(topic.name(), new StringSerializer(), new ByteArraySerializer()).pipeInput(key, value, clock);
        return drain();
    }

    private List<Result> drain() {
        List<Result> produced = new ArrayList<>();
        for (TestRecord<String, Result> record : results.readRecordsToList()) {
            produced.add(record.value());
            allResultKeys.add(record.key());
        }
        allResults.addAll(produced);
        allDeadLetters.addAll(deadLetters.readValuesToList());
        for (Map.Entry<Topic<String, ?>, TestOutputTopic<String, ? extends SpecificRecord>> entry : facts.entrySet()) {
            for (TestRecord<String, ? extends SpecificRecord> record : entry.getValue().readRecordsToList()) {
                history.get(entry.getKey()).add(record);
                if (record.value() == null) {
                    view.get(entry.getKey()).remove(record.key());
                } else {
                    view.get(entry.getKey()).put(record.key(), record.value());
                }
            }
        }
        return produced;
    }

    @SuppressWarnings("unchecked")
    <V extends SpecificRecord> Map<String, V> view(Topic<String, V> topic) {
        return (Map<String, V>) (Map<String, ?>) view.get(topic);
    }

    <V extends SpecificRecord> V fact(Topic<String, V> topic, String key) {
        return view(topic).get(key);
    }

    RoutingEntry routing(String key) {
        return fact(Topics.NODE_ROUTING, key);
    }

    AddressingEntry addressing(String key) {
        return fact(Topics.NODE_ADDRESSING, key);
    }

    BridgingEntry bridging(String key) {
        return fact(Topics.NODE_BRIDGING, key);
    }

    TunnelingEntry tunneling(String key) {
        return fact(Topics.NODE_TUNNELING, key);
    }

    @Override
    public void close() {
        driver.close();
        InMemorySchemaRegistryClient.dropScope(scope);
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // a leftover temp folder is harmless
        }
    }
}
