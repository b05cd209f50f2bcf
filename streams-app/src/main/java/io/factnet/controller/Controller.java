package io.factnet.controller;

import io.factnet.controller.stage.KeyPartitions;
import io.factnet.controller.stage.InputPositions;
import io.factnet.controller.stage.PoisonRecords;
import io.factnet.controller.stage.RequestOutcomes;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClients;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running NetworkController: creates factnet's missing topics, checks that the project stage's inputs
 * are co-partitioned and that no other controller group uses the cluster ({@link OneControllerGroup}), and
 * runs the topology in one {@link KafkaStreams}. Several controllers with the
 * same application id share the work (and take it over when one stops).
 * <pre>
 * try (Controller controller = Controller.start(properties)) { ... controller.stores() ... }
 * </pre>
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    private final ControllerConfig config;
    private final KafkaStreams streams;
    private final RequestOutcomes outcomes;
    private final PoisonRecords poison;
    private final InputPositions.Replays replays;
    private final ThreadReplacements replacements;

    private Controller(ControllerConfig config, KafkaStreams streams, RequestOutcomes outcomes, PoisonRecords poison,
                       InputPositions.Replays replays, ThreadReplacements replacements) {
        this.config = config;
        this.streams = streams;
        this.outcomes = outcomes;
        this.poison = poison;
        this.replays = replays;
        this.replacements = replacements;
    }

    /** Starts a controller from properties (see {@link ControllerConfig#from}). */
    public static Controller start(Properties properties) {
        return start(ControllerConfig.from(properties));
    }

    public static Controller start(ControllerConfig config) {
        return start(config, SchemaRegistryClients.create(config.registry()));
    }

    /** Starts a controller with this registry client (tests give one that fails on purpose). */
    public static Controller start(ControllerConfig config, SchemaRegistryClient registry) {
        KeyPartitions partitions;
        try (Admin admin = Admin.create(config.adminProperties())) {
            List<String> created = TopicAdmin.ensure(admin, Topics.all(), config.topicPartitions(), config.topicReplication(),
                    config.eventRetention(), config.nodeHistory());
            if (!created.isEmpty()) {
                log.info("created topics {}", created);
            }
            partitions = checkCoPartitioned(admin);
            OneControllerGroup.require(admin, config.applicationId());
        }
        RequestOutcomes outcomes = new RequestOutcomes();
        PoisonRecords poison = new PoisonRecords();
        InputPositions.Replays replays = new InputPositions.Replays();
        ThreadReplacements replacements = new ThreadReplacements();
        KafkaStreams streams = new KafkaStreams(FactnetTopology.build(config, registry, outcomes, poison, replays, partitions),
                config.streamsProperties());
        streams.setUncaughtExceptionHandler(e -> replace(replacements, poison, e));
        streams.start();
        log.info("controller {} started", config.applicationId());
        return new Controller(config, streams, outcomes, poison, replays, replacements);
    }

    /**
     * A stream thread died: replace it, after a pause that grows while threads keep dying (a registry without an
     * answer, a failure no record is blamed for). The new thread reads the uncommitted records again; a record that
     * failed twice the same way is skipped then ({@link PoisonRecords}). Runs on the dying thread.
     */
    private static StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse replace(ThreadReplacements replacements,
                                                                                         PoisonRecords poison, Throwable failure) {
        boolean blamed = poison.blamesARecord(failure);
        Duration pause = blamed ? Duration.ZERO : replacements.pauseBeforeReplacing();
        replacements.record(failure, blamed);
        log.error("stream thread failed; replacing it in {} ms", pause.toMillis(), failure);
        try {
            Thread.sleep(pause.toMillis()); // backoff: a thread that dies at once again must not spin
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /**
     * The project stage reads requests, admin requests, node events and grants together: same partition counts.
     * Returns the stages' partition counts, by which they check that each record is in its key's partition (the
     * counts are read once: adding partitions to factnet's topics moves keys between tasks, so never do it).
     */
    static KeyPartitions checkCoPartitioned(Admin admin) {
        List<String> names = List.of(Topics.REQUESTS.name(), Topics.ADMIN_REQUESTS.name(), Topics.NODE_EVENTS.name(),
                Topics.INTERNAL_GRANTS.name());
        Map<String, Integer> partitions = new TreeMap<>();
        for (Map.Entry<String, TopicDescription> entry : describe(admin, names).entrySet()) {
            partitions.put(entry.getKey(), entry.getValue().partitions().size());
        }
        if (partitions.values().stream().distinct().count() > 1) {
            throw new IllegalStateException("these topics must have the same number of partitions (they are read "
                    + "together, by project): " + partitions);
        }
        int claims = describe(admin, List.of(Topics.INTERNAL_CLAIMS.name())).get(Topics.INTERNAL_CLAIMS.name()).partitions().size();
        return new KeyPartitions(partitions.get(Topics.REQUESTS.name()), claims);
    }

    /** Describes topics, waiting (up to 30 s) for topics just created to show in the metadata. */
    private static Map<String, TopicDescription> describe(Admin admin, List<String> names) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot describe factnet's topics: " + e.getCause().getMessage(), e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted describing factnet's topics", e);
            } catch (TimeoutException e) {
                throw new IllegalStateException("cannot describe factnet's topics in 30 s", e);
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100); // polling with a deadline: a new topic's metadata reaches the brokers shortly
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted describing factnet's topics", e);
        }
    }

    public ControllerConfig config() {
        return config;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Read-only access to the stores of this instance (interactive queries). */
    public ControllerStores stores() {
        return new ControllerStores(streams);
    }

    /** Results emitted by this instance, by command and outcome (for {@code /metrics}). */
    public RequestOutcomes outcomes() {
        return outcomes;
    }

    /** Records skipped after failing twice the same way (for {@code /metrics}). */
    public PoisonRecords poisonRecords() {
        return poison;
    }

    /** Input records skipped because the stage's state had processed them already (for {@code /metrics}). */
    public InputPositions.Replays replays() {
        return replays;
    }

    /** Stream threads replaced after they died (for {@code /healthz} and {@code /metrics}). */
    public ThreadReplacements threadReplacements() {
        return replacements;
    }

    /** Kafka Streams' own metrics of this instance (threads, tasks, stores, and its clients'). */
    public Map<MetricName, ? extends Metric> metrics() {
        return streams.metrics();
    }

    /** Waits until the controller runs (all its tasks assigned and restored); false if it did not in time. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline || !streams.state().isRunningOrRebalancing()
                    && streams.state() != KafkaStreams.State.CREATED) {
                return false;
            }
            Thread.sleep(20); // polling with a deadline: KafkaStreams has no blocking wait for RUNNING
        }
        return true;
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /** Stops and leaves the group, so that the other controllers take this one's tasks over at once. */
    public void close(Duration timeout) {
        streams.close(new KafkaStreams.CloseOptions().timeout(timeout).leaveGroup(true));
        log.info("controller {} stopped", config.applicationId());
    }
}
