package io.factnet.cli;

import io.factnet.embedded.ApicurioRegistry;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.Request;
import io.factnet.registry.HttpSchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryConfig;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.Topic;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The embedded default: a broker in process, Apicurio as a child process, requests produced and read back. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded Kafka broker and schema registry, produce requests through the serde and read them back.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dir", description = "Folder for the broker's data and the registry's log (default: a new temporary folder).")
    Path dir;

    @Option(names = "--keep-running", description = "Leave the broker and registry up until Ctrl-C.")
    boolean keepRunning;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("factnet-demo-");
        out.println("factnet demo: working folder " + work);
        try (UntilStopped untilStopped = new UntilStopped();
             ApicurioRegistry apicurio = ApicurioRegistry.start(work.resolve("registry"));
             EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            out.println("  bootstrap servers:   " + kafka.bootstrapServers());
            out.println("  schema registry url: " + apicurio.confluentUrl());
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                List<String> created = TopicAdmin.ensure(admin, Topics.all(), 4, (short) 1);
                out.println("  topics created:      " + created.size());
            }
            SchemaRegistryClient registry = new HttpSchemaRegistryClient(SchemaRegistryConfig.of(apicurio.confluentUrl()));
            List<Sent> sent = produce(kafka.bootstrapServers(), registry);
            out.println();
            out.println("produced " + sent.size() + " requests:");
            sent.forEach(s -> out.println("  -> " + s.topic() + " [" + s.key() + "] " + s.request()));
            out.println("consumed back:");
            for (Topic<String, Request> topic : List.of(Topics.ADMIN_REQUESTS, Topics.REQUESTS)) {
                long expected = sent.stream().filter(s -> s.topic().equals(topic.name())).count();
                for (String line : consume(kafka.bootstrapServers(), registry, topic, expected)) {
                    out.println("  <- " + line);
                }
            }
            out.flush();
            if (keepRunning) {
                out.println("running; Ctrl-C stops the broker and the registry");
                out.flush();
                untilStopped.await();
            }
        }
        return 0;
    }

    record Sent(String topic, String key, Request request) {
    }

    private static List<Sent> produce(String bootstrap, SchemaRegistryClient registry) throws Exception {
        Instant now = Instant.now();
        List<Sent> sent = List.of(
                new Sent(Topics.ADMIN_REQUESTS.name(), "_admin", request("demo-1", "_admin", now,
                        DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build())),
                new Sent(Topics.ADMIN_REQUESTS.name(), "_admin", request("demo-2", "_admin", now,
                        DefineFloatingPool.newBuilder().setPool("public").setCidrs(List.of("203.0.113.0/24")).build())),
                new Sent(Topics.REQUESTS.name(), "p1", request("demo-3", "p1", now,
                        AllocateFloatingIp.newBuilder().setPool("public").build())));
        try (KafkaProducer<String, Request> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                Topics.REQUESTS.keySerde().serializer(), Topics.REQUESTS.valueSerde(registry).serializer())) {
            for (Sent s : sent) {
                producer.send(new ProducerRecord<>(s.topic(), s.key(), s.request())).get();
            }
        }
        return sent;
    }

    static Request request(String id, String project, Instant at, Object command) {
        return Request.newBuilder().setRequestId(id).setProject(project).setSubmittedAt(at).setCommand(command).build();
    }

    private static List<String> consume(String bootstrap, SchemaRegistryClient registry, Topic<String, Request> topic,
                                        long expected) {
        RecordDecoder<Request> decoder = new RecordDecoder<>(topic.valueDeserializer(registry));
        List<String> lines = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "factnet-demo-reader"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (lines.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        lines.add(topic.name() + "-" + record.partition() + "@" + record.offset()
                                + " [" + record.key() + "] " + decoder.value(record));
                    } catch (BadRecordException e) {
                        lines.add("skipped: " + e.getMessage());
                    }
                }
            }
        }
        return lines;
    }
}
