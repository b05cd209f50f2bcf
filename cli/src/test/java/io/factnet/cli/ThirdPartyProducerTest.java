package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.client.RequestClient;
import io.factnet.controller.Controller;
import io.factnet.controller.ControllerConfig;
import io.factnet.embedded.ApicurioRegistry;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AddVpnPeer;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.Allocation;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateVpn;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClients;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The third-party producer of docs/commands.md: docs/examples/produce_request.py, run as documented with
 * Debian's python3-confluent-kafka against the embedded broker, Apicurio's Confluent API and a controller.
 * Its release must be a release and its add-peer an add-peer (a generic Avro writer picks a union branch by
 * the value's shape and sends a disassociate and a remove-peer), and its key must land in the partition
 * Java's partitioner chooses. Skipped, saying why, when the Python packages are missing.
 */
class ThirdPartyProducerTest {
    static final Path SCRIPT = Path.of("..", "docs", "examples", "produce_request.py").toAbsolutePath().normalize();
    private static final int PARTITIONS = 2;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NO_PYTHON = "no python3 here imports confluent_kafka.avro, avro.io and requests: install Debian's "
            + "python3-confluent-kafka python3-avro python3-requests (.ci/run does)";

    @TempDir
    static Path dir;
    static String python;
    static EmbeddedKafka kafka;
    static ApicurioRegistry registry;
    static SchemaRegistryClient registryClient;
    static Controller controller;
    static String project;
    static String floating;
    static int requests;

    @BeforeAll
    static void cloud() throws Exception {
        python = pythonWithConfluentKafka().orElse(null);
        if (python == null) {
            return; // each test skips, saying why (an assumption here would hide the tests from the report)
        }
        project = projectWhosePartitionDependsOnThePartitioner();
        // the registry (a child JVM) starts while the broker does
        CompletableFuture<ApicurioRegistry> starting = CompletableFuture.supplyAsync(() -> ApicurioRegistry.start(dir.resolve("registry")));
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        registry = starting.join();
        registryClient = SchemaRegistryClients.create(Map.of("schema.registry.url", registry.confluentUrl()));
        java.util.Properties props = new java.util.Properties();
        props.setProperty("bootstrap.servers", kafka.bootstrapServers());
        props.setProperty("schema.registry.url", registry.confluentUrl());
        props.setProperty("application.id", "third-party-producer-test");
        props.setProperty("state.dir", dir.resolve("streams").toString());
        props.setProperty(ControllerConfig.IN_MEMORY_STORES, "true");
        props.setProperty(ControllerConfig.TOPIC_PARTITIONS, String.valueOf(PARTITIONS));
        controller = Controller.start(props);
        assertThat(controller.awaitRunning(Duration.ofSeconds(60))).isTrue();
        try (RequestClient client = new RequestClient(Map.of("bootstrap.servers", kafka.bootstrapServers()), registryClient, true,
                warning -> { })) {
            send(client, RequestRoutes.ADMIN_PROJECT, DefineVlanRange.newBuilder().setFirst(100).setLast(199).build());
            send(client, RequestRoutes.ADMIN_PROJECT, DefineSupernet.newBuilder().setCidr("10.0.0.0/16").build());
            send(client, RequestRoutes.ADMIN_PROJECT, DefineFloatingPool.newBuilder().setPool("public")
                    .setCidrs(List.of("203.0.113.0/28")).build());
            send(client, RequestRoutes.ADMIN_PROJECT, RegisterNode.newBuilder().setNodeId("n1").setRoles(List.of(NodeRole.values()))
                    .setPublicAddress("198.51.100.1").build());
            send(client, project, CreateNetwork.newBuilder().build());
            send(client, project, CreateVpn.newBuilder().build());
            floating = send(client, project, AllocateFloatingIp.newBuilder().setPool("public").build()).getAddress();
        }
    }

    @AfterAll
    static void stop() {
        if (controller != null) {
            controller.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aReleaseSentFromPythonIsAReleaseInTheProjectsPartition() throws Exception {
        Request request = runScript("py-release-1", "ReleaseFloatingIp", "{\"address\": \"" + floating + "\"}");
        assertThat(request.getCommand()).isEqualTo(ReleaseFloatingIp.newBuilder().setAddress(floating).build());
        Result result = resultOf("py-release-1");
        assertThat(result.getCommand()).isEqualTo("ReleaseFloatingIp");
        assertThat(result.getStatus()).as(result.getMessage()).isEqualTo(Status.ACCEPTED);
    }

    @Test
    void anAddPeerSentFromPythonIsAnAddPeer() throws Exception {
        String key = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
        Request request = runScript("py-add-peer-1", "AddVpnPeer", "{\"publicKey\": \"" + key + "\"}");
        assertThat(request.getCommand()).isEqualTo(AddVpnPeer.newBuilder().setPublicKey(key).build());
        Result result = resultOf("py-add-peer-1");
        assertThat(result.getCommand()).isEqualTo("AddVpnPeer");
        assertThat(result.getStatus()).as(result.getMessage()).isEqualTo(Status.ACCEPTED);
    }

    /** Runs the documented script; returns the request as Java reads it where the script says it wrote it. */
    private static Request runScript(String requestId, String command, String fields) throws Exception {
        Assumptions.assumeTrue(python != null, NO_PYTHON);
        Process process = new ProcessBuilder(python, SCRIPT.toString(), kafka.bootstrapServers(), registry.confluentUrl(), project,
                requestId, command, fields).redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the script ends").isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.exitValue()).as(output).isZero();
        JsonNode sent = JSON.readTree(output.lines().reduce((a, b) -> b).orElseThrow());
        assertThat(sent.get("topic").asText()).isEqualTo(Topics.REQUESTS.name());
        // the partition Java's producer (and the controller) choose for the project, not librdkafka's default
        assertThat(sent.get("partition").asInt()).isEqualTo(javaPartition(project));
        ConsumerRecord<String, byte[]> record = read(new TopicPartition(Topics.REQUESTS.name(), sent.get("partition").asInt()),
                sent.get("offset").asLong());
        assertThat(record.key()).isEqualTo(project);
        Request request = new RecordDecoder<>(Topics.REQUESTS.valueDeserializer(registryClient)).value(record);
        assertThat(request.getRequestId()).isEqualTo(requestId);
        assertThat(request.getProject()).isEqualTo(project);
        return request;
    }

    private static Result resultOf(String requestId) {
        TopicPartition partition = new TopicPartition(Topics.RESULTS.name(), javaPartition(requestId));
        RecordDecoder<Result> decoder = new RecordDecoder<>(Topics.RESULTS.valueDeserializer(registryClient));
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (requestId.equals(record.key())) {
                        return decoder.value(record);
                    }
                }
            }
        }
        throw new AssertionError("no result for " + requestId + " within " + WAIT);
    }

    private static ConsumerRecord<String, byte[]> read(TopicPartition partition, long offset) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, offset);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() == offset) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError("no record at " + partition + "@" + offset + " within " + WAIT);
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static Allocation send(RequestClient client, String project, Object command) {
        Request request = Request.newBuilder().setRequestId("third-party-setup-" + ++requests).setProject(project)
                .setSubmittedAt(Instant.now()).setCommand(command).build();
        Result result = client.send(request, RequestClient.Wait.RESULT, WAIT).result();
        assertThat(result.getStatus()).as(result.getMessage()).isEqualTo(Status.ACCEPTED);
        return result.getAllocated();
    }

    /** Kafka's Java producer: murmur2 of the key. */
    private static int javaPartition(String key) {
        return BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), PARTITIONS);
    }

    /** librdkafka's default, consistent_random: CRC32 of the key. */
    private static int librdkafkaDefaultPartition(String key) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % PARTITIONS);
    }

    /** A project the two partitioners place apart, so a script without Java's partitioner fails this test. */
    private static String projectWhosePartitionDependsOnThePartitioner() {
        for (int i = 1; ; i++) {
            String candidate = "python-" + i;
            if (javaPartition(candidate) != librdkafkaDefaultPartition(candidate)) {
                return candidate;
            }
        }
    }

    /** The first python3 that imports what the script needs (Debian's packages serve /usr/bin/python3). */
    private static Optional<String> pythonWithConfluentKafka() {
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
            try {
                Process probe = new ProcessBuilder(candidate, "-c", "import confluent_kafka.avro, avro.io, requests")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    return Optional.of(candidate);
                }
                probe.destroyForcibly();
            } catch (IOException e) {
                // not installed: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
