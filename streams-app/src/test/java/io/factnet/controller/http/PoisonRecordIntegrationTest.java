package io.factnet.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.http.Reply;
import io.factnet.controller.Controller;
import io.factnet.controller.ControllerConfig;
import io.factnet.controller.ControllerTestConfig;
import io.factnet.controller.FlakyRegistry;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DeadLetter;
import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.OversizedValues;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.Topic;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 on a real broker, exactly-once, with stream threads that really die and are replaced: records that
 * kill the thread on every attempt are dead-lettered after their second and the partition goes on; a registry
 * without an answer makes /healthz 503 and loses nothing; committed offsets that go back change nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PoisonRecordIntegrationTest {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static final String SCOPE = "poison-it-" + UUID.randomUUID();
    static SchemaRegistryClient registry;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        registry = InMemorySchemaRegistryClient.scope(SCOPE);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
        InMemorySchemaRegistryClient.dropScope(SCOPE);
    }

    static ControllerConfig config(String instance) {
        Properties props = ControllerTestConfig.properties(kafka.bootstrapServers(), SCOPE, dir.resolve(instance), "factnet-poison-it");
        props.setProperty("processor.wrapper.class", FailingProcessorWrapper.class.getName());
        return ControllerConfig.from(props);
    }

    @Test
    @Order(1)
    void recordsThatKillTheStreamThreadEveryTimeAreDeadLetteredAfterTheSecondAndThePartitionGoesOn() throws Exception {
        try (Controller controller = Controller.start(config("a"));
             KafkaProducer<String, byte[]> producer = producer();
             Tail<Result> results = new Tail<>(Topics.RESULTS);
             Tail<DeadLetter> letters = new Tail<>(Topics.DEAD_LETTERS)) {
            assertThat(controller.awaitRunning(Duration.ofSeconds(60))).isTrue();
            int requestId = registry.register(Topics.REQUESTS.valueSubject(), Request.getClassSchema());
            long began = System.nanoTime();
            send(producer, request("before", "p1"));
            send(producer, "p1", OversizedValues.string(requestId));
            send(producer, request("poison-bug-1", "p1"));
            send(producer, request("poison-oom-1", "p1"));
            send(producer, request("after", "p1"));
            send(producer, request("other", "p2"));

            awaitUntil(() -> results.read().keySet().containsAll(List.of("before", "poison-bug-1", "poison-oom-1", "after", "other")),
                    Duration.ofSeconds(120), () -> "results so far: " + results.byKey.keySet());
            System.out.printf("poison records: the request after them answered %d ms after it was sent, %d thread replacements%n",
                    (System.nanoTime() - began) / 1_000_000, controller.threadReplacements().health().total());
            assertThat(results.byKey.get("before").getStatus()).isEqualTo(Status.ACCEPTED);
            assertThat(results.byKey.get("after").getStatus()).isEqualTo(Status.ACCEPTED);
            assertThat(results.byKey.get("other").getStatus()).isEqualTo(Status.ACCEPTED);
            for (String poison : List.of("poison-bug-1", "poison-oom-1")) {
                Result result = results.byKey.get(poison);
                assertThat(result.getReason()).isEqualTo(Reason.INTERNAL);
                assertThat(result.getMessage()).contains("failed on this request twice");
                assertThat(FailingProcessorWrapper.ATTEMPTS.get(poison)).as(poison).hasValue(2);
            }

            awaitUntil(() -> letters.read().size() >= 3, Duration.ofSeconds(30), () -> "dead letters: " + letters.byKey);
            letters.read(); // anything late would be a second letter
            assertThat(letters.all).hasSize(3);
            assertThat(letters.all).extracting(DeadLetter::getError).satisfiesExactlyInAnyOrder(
                    e -> assertThat(e).contains("a string at byte 5 declares " + OversizedValues.HUGE + " bytes"),
                    e -> assertThat(e).contains("failed 2 times at this offset (java.lang.IllegalStateException"),
                    e -> assertThat(e).contains("failed 2 times at this offset (java.lang.OutOfMemoryError"));
            assertThat(results.repeats).as("second results").isEmpty();
            assertThat(controller.poisonRecords().skippedCount()).isEqualTo(2);
            assertThat(controller.threadReplacements().health().total()).isEqualTo(4);
            // Deaths blamed on records end by themselves: once the last replaced thread has joined (a rebalance), 200.
            awaitUntil(() -> Healthz.reply(controller).status() == 200, Duration.ofSeconds(60),
                    () -> "/healthz: " + new String(Healthz.reply(controller).body()));
        }
    }

    @Test
    @Order(2)
    void aRegistryWithoutAnAnswerMakesHealthz503AndTheRequestIsAnsweredOnceItIsBack() throws Exception {
        int requestId = registry.register(Topics.REQUESTS.valueSubject(), Request.getClassSchema());
        FlakyRegistry down = new FlakyRegistry(registry);
        down.failLookupsOf(requestId, Integer.MAX_VALUE);
        try (Controller controller = Controller.start(config("b"), down);
             KafkaProducer<String, byte[]> producer = producer();
             Tail<Result> results = new Tail<>(Topics.RESULTS);
             Tail<DeadLetter> letters = new Tail<>(Topics.DEAD_LETTERS)) {
            assertThat(controller.awaitRunning(Duration.ofSeconds(60))).isTrue();
            long began = System.nanoTime();
            send(producer, request("while-down", "p3"));
            awaitUntil(() -> results.read() != null && !controller.threadReplacements().health().healthy(), Duration.ofSeconds(120),
                    () -> "replacements: " + controller.threadReplacements().health());
            Reply health = Healthz.reply(controller);
            assertThat(health.status()).isEqualTo(503);
            String body = new String(health.body());
            System.out.printf("registry down: /healthz 503 after %d ms, %d lookups failed: %s%n",
                    (System.nanoTime() - began) / 1_000_000, down.failed.get(), body);
            assertThat(body).contains("replaced 3 times");
            assertThat(results.read()).doesNotContainKey("while-down");
            down.recover();
            long back = System.nanoTime();
            awaitUntil(() -> results.read().containsKey("while-down"), Duration.ofSeconds(120), () -> "no result yet");
            System.out.printf("registry back: answered %d ms later%n", (System.nanoTime() - back) / 1_000_000);
            assertThat(results.byKey.get("while-down").getStatus()).isEqualTo(Status.ACCEPTED);
            letters.read();
            assertThat(letters.all).extracting(DeadLetter::getError).as("nothing dead-lettered for the registry")
                    .noneMatch(error -> error.contains("registry"));
            assertThat(results.repeats).isEmpty();
        }
    }

    /**
     * The chaos long form saw the broker's group coordinator hand back committed offsets minutes old after a broker
     * kill -9: the controllers answered ~35 000 requests twice. Here the group's offsets are set back to 0 by hand
     * while the controller is stopped, and it restarts on an empty state folder (its stores restored from their
     * changelogs): every record it reads again is skipped without effect, and the next request is answered once.
     */
    @Test
    @Order(3)
    void committedOffsetsThatGoBackAreReadAgainWithoutEffect() throws Exception {
        String application = "factnet-replay-it";
        List<String> ids = new ArrayList<>();
        TopicAdmin.ensureAll(kafka.bootstrapServers(), 4); // the results topic, for the tail opened before the controller
        try (KafkaProducer<String, byte[]> producer = producer();
             Tail<Result> results = new Tail<>(Topics.RESULTS)) {
            try (Controller controller = Controller.start(plainConfig("c", application))) {
                assertThat(controller.awaitRunning(Duration.ofSeconds(60))).isTrue();
                for (int i = 0; i < 20; i++) {
                    Request request = request("replay-" + i, "r" + (i % 4));
                    ids.add(request.getRequestId());
                    send(producer, request);
                }
                awaitUntil(() -> results.read().keySet().containsAll(ids), Duration.ofSeconds(120),
                        () -> "results so far: " + results.byKey.keySet());
            }
            rewindGroup(application);
            try (Controller controller = Controller.start(plainConfig("d", application))) {
                assertThat(controller.awaitRunning(Duration.ofSeconds(60))).isTrue();
                send(producer, request("replay-after", "r0"));
                // every request sent before is at an offset below the one the group had committed: each is read again
                awaitUntil(() -> results.read().containsKey("replay-after") && controller.replays().skippedCount() >= ids.size(),
                        Duration.ofSeconds(120), () -> "skipped so far: " + controller.replays().skippedCount());
                System.out.printf("offsets set back to 0: %d records skipped as processed already%n",
                        controller.replays().skippedCount());
                results.read();
            }
            assertThat(results.byKey.get("replay-after").getStatus()).isEqualTo(Status.ACCEPTED);
            assertThat(results.repeats).extracting(Result::getRequestId).as("requests answered twice")
                    .noneMatch(id -> id.startsWith("replay-"));
        }
    }

    static ControllerConfig plainConfig(String instance, String application) {
        return ControllerConfig.from(ControllerTestConfig.properties(kafka.bootstrapServers(), SCOPE, dir.resolve(instance), application));
    }

    /** Sets the group's committed offset of every input partition back to 0 (the group must be empty: retried until it is). */
    static void rewindGroup(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .keySet().forEach(partition -> zero.put(partition, new OffsetAndMetadata(0)));
            assertThat(zero.keySet()).extracting(TopicPartition::topic).contains(Topics.REQUESTS.name());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                try {
                    admin.alterConsumerGroupOffsets(group, zero).all().get();
                    return;
                } catch (ExecutionException e) { // the stopped member's session has not ended yet
                    assertThat(System.nanoTime()).as("group %s still not empty: %s", group, e.getCause()).isLessThan(deadline);
                    LockSupport.parkNanos(200_000_000);
                }
            }
        }
    }

    static Request request(String id, String project) {
        return Request.newBuilder().setRequestId(id).setProject(project).setSubmittedAt(Instant.now())
                .setCommand(CreateSecurityGroup.newBuilder().setName("g-" + id.replace("poison-", "")).build()).build();
    }

    static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    static void send(KafkaProducer<String, byte[]> producer, Request request) throws Exception {
        send(producer, request.getProject(), Topics.REQUESTS.valueSerde(registry).serializer().serialize(Topics.REQUESTS.name(), request));
    }

    static void send(KafkaProducer<String, byte[]> producer, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), key, value)).get();
    }

    /** Polls until the condition holds; each condition here blocks in a consumer poll (200 ms), so this does not spin. */
    static void awaitUntil(BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("after %s: %s", timeout, what.get()).isLessThan(deadline);
            LockSupport.parkNanos(20_000_000); // the poll's interval: a busy loop would take a core from the controller
        }
    }

    /** Reads a topic (committed transactions only) from its beginning: every value by key, in order, and repeats. */
    static final class Tail<V extends SpecificRecord> implements AutoCloseable {
        final KafkaConsumer<String, byte[]> consumer;
        final RecordDecoder<V> decoder;
        final Map<String, V> byKey = new LinkedHashMap<>();
        final List<V> all = new ArrayList<>();
        final List<V> repeats = new ArrayList<>();

        Tail(Topic<String, V> topic) {
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                    new StringDeserializer(), new ByteArrayDeserializer());
            decoder = new RecordDecoder<>(topic.valueDeserializer(registry));
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        Map<String, V> read() {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                V value = decoder.value(record);
                all.add(value);
                if (byKey.putIfAbsent(record.key(), value) != null) {
                    repeats.add(value);
                }
            }
            return byKey;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
