package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AddRule;
import io.factnet.model.AddVpnPeer;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.CreateVpn;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.Network;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.RegisterNode;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.model.Vpn;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import io.factnet.topics.TopicAdmin;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two controllers (separate KafkaStreams, separate state folders, RocksDB stores) on the embedded broker
 * with 4 partitions: thousands of requests over many projects and pools, one controller closed halfway.
 * Every request must get exactly one result (read committed), and nothing may be given twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerIntegrationTest {
    static final int PROJECTS = 64;
    static final int INSTANCES = 30;
    static final String[] POOLS = {"pool-a", "pool-b", "pool-c"};

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static final String scope = "it-" + UUID.randomUUID();
    static SchemaRegistryClient registry;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        registry = InMemorySchemaRegistryClient.scope(scope);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
        InMemorySchemaRegistryClient.dropScope(scope);
    }

    static ControllerConfig config(String instance) {
        return ControllerConfig.from(ControllerTestConfig.properties(kafka.bootstrapServers(), scope, dir.resolve(instance), "factnet-it"));
    }

    @Test
    @Order(1)
    void twoControllersAnswerEveryRequestOnceAndNeverGiveAnythingTwice() throws Exception {
        Controller a = Controller.start(config("a"));
        Controller b = Controller.start(config("b"));
        try (KafkaProducer<String, Request> producer = producer();
             ResultReader results = new ResultReader()) {
            assertThat(a.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertThat(b.awaitRunning(Duration.ofSeconds(60))).isTrue();

            long began = System.nanoTime();
            Map<String, Request> sent = new LinkedHashMap<>();
            send(producer, sent, Topics.ADMIN_REQUESTS, setup());
            results.awaitAll(sent.keySet(), Duration.ofSeconds(30));

            List<Request> phaseOne = interleave(new Random(7), projectRequests());
            int half = phaseOne.size() / 2;
            send(producer, sent, Topics.REQUESTS, phaseOne.subList(0, half));
            results.awaitCount(sent.size() - half / 2, Duration.ofSeconds(40));
            log(began, "first half answered");
            b.close();  // halfway: its tasks move to a, restored from their changelogs
            assertThat(a.state()).isIn(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
            send(producer, sent, Topics.REQUESTS, phaseOne.subList(half, phaseOne.size()));
            log(began, "b closed, second half sent");
            results.awaitAll(sent.keySet(), Duration.ofSeconds(60));
            log(began, "all answered after the takeover");

            // Associate each floating IP with an instance of its project: the addresses came from the results.
            List<Request> phaseTwo = new ArrayList<>();
            Map<String, Integer> next = new HashMap<>();
            for (Result result : results.byId.values()) {
                if (result.getCommand().equals("AllocateFloatingIp") && result.getStatus() == Status.ACCEPTED) {
                    int i = next.merge(result.getProject(), 1, Integer::sum);
                    phaseTwo.add(request(result.getProject(), new AssociateFloatingIp(result.getAllocated().getAddress(), "vm" + (2 * i))));
                }
            }
            send(producer, sent, Topics.REQUESTS, phaseTwo);
            results.awaitAll(sent.keySet(), Duration.ofSeconds(30));

            log(began, sent.size() + " requests answered");
            results.assertExactlyOnePerRequest(sent.keySet());
            assertNothingGivenTwice(results.byId.values());
            long accepted = results.byId.values().stream().filter(r -> r.getStatus() == Status.ACCEPTED).count();
            assertThat(accepted).as("with pools this large every request is accepted").isEqualTo(sent.size());
            assertStateTopics(results.byId.values());

            // The indexes have no changelog (ADR 0028): a's took-over tasks rebuilt them from the restored stores.
            // Every project's MACs are still known as in use there.
            Map<String, String> macOfProject = new HashMap<>();
            for (Result result : results.byId.values()) {
                if (result.getCommand().equals("AllocateFixedIp") && result.getStatus() == Status.ACCEPTED) {
                    macOfProject.putIfAbsent(result.getProject(), result.getAllocated().getMac());
                }
            }
            Map<String, Request> phaseThree = new LinkedHashMap<>();
            List<Request> duplicates = new ArrayList<>();
            macOfProject.forEach((project, mac) -> duplicates.add(request(project,
                    io.factnet.model.AllocateFixedIp.newBuilder().setInstance("same-mac").setMac(mac).build())));
            send(producer, phaseThree, Topics.REQUESTS, duplicates);
            results.awaitAll(phaseThree.keySet(), Duration.ofSeconds(30));
            assertThat(phaseThree.keySet()).hasSize(PROJECTS).allSatisfy(id -> {
                assertThat(results.byId.get(id).getStatus()).isEqualTo(Status.REJECTED);
                assertThat(results.byId.get(id).getReason()).as(results.byId.get(id).getMessage()).isEqualTo(io.factnet.model.Reason.IN_USE);
            });
        } finally {
            a.close();
            b.close();
        }
    }

    static void log(long began, String what) {
        System.out.printf("integration test: %s at %d ms%n", what, (System.nanoTime() - began) / 1_000_000);
    }

    @Test
    @Order(2)
    void aControllerRefusesToStartWhenItsInputsAreNotCoPartitioned() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            TopicAdmin.ensure(admin, Topics.all(), 4, (short) 1);
            admin.createPartitions(Map.of(Topics.INTERNAL_GRANTS.name(), NewPartitions.increaseTo(5))).all().get();
            assertThatThrownBy(() -> Controller.start(config("c")))
                    .hasMessageContaining("same number of partitions").hasMessageContaining(Topics.INTERNAL_GRANTS.name());
        }
    }

    static List<Object> setup() {
        List<Object> commands = new ArrayList<>();
        commands.add(DefineVlanRange.newBuilder().setFirst(100).setLast(999).build());
        commands.add(DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build());
        for (int i = 0; i < POOLS.length; i++) {
            commands.add(DefineFloatingPool.newBuilder().setPool(POOLS[i]).setCidrs(List.of("203.0." + (113 + i) + ".0/24")).build());
        }
        for (int i = 0; i < 4; i++) {
            // each tunneling node its own VPN ports (ADR 0019)
            commands.add(RegisterNode.newBuilder().setNodeId("node" + i).setRoles(List.of(NodeRole.values()))
                    .setPublicAddress("192.0.2." + (i + 1)).setVpnPortFirst(51820 + 1000 * i).setVpnPortLast(52819 + 1000 * i).build());
        }
        return commands;
    }

    /** Per project, in order: a group and a rule, instances (half in the group), floating IPs, a VPN with peers, releases. */
    static Map<String, List<Request>> projectRequests() {
        Map<String, List<Request>> byProject = new LinkedHashMap<>();
        for (int p = 0; p < PROJECTS; p++) {
            String project = "proj" + p;
            List<Request> list = new ArrayList<>();
            list.add(request(project, CreateSecurityGroup.newBuilder().setName("web").build()));
            list.add(request(project, AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(80)
                    .setToPort(80).setSourceGroup("default").build()));
            for (int i = 0; i < INSTANCES; i++) {
                list.add(request(project, AllocateFixedIp.newBuilder().setInstance("vm" + i).setGroup(i % 2 == 0 ? "default" : "web").build()));
                if (i % 8 == 5) {
                    list.add(request(project, new AllocateFloatingIp(POOLS[(p + i) % POOLS.length])));
                }
            }
            list.add(request(project, new CreateVpn()));
            list.add(request(project, new AddVpnPeer(key(p, 1))));
            list.add(request(project, new AddVpnPeer(key(p, 2))));
            list.add(request(project, new ReleaseFixedIp("vm" + (INSTANCES - 1))));
            byProject.put(project, list);
        }
        return byProject;
    }

    static String key(int project, int peer) {
        byte[] bytes = new byte[32];
        bytes[0] = (byte) project;
        bytes[1] = (byte) peer;
        return java.util.Base64.getEncoder().encodeToString(bytes);
    }

    /** The projects' requests mixed at random, each project's in its order. */
    static List<Request> interleave(Random random, Map<String, List<Request>> byProject) {
        List<List<Request>> queues = new ArrayList<>();
        byProject.values().forEach(list -> queues.add(new ArrayList<>(list)));
        List<Request> mixed = new ArrayList<>();
        while (!queues.isEmpty()) {
            List<Request> queue = queues.get(random.nextInt(queues.size()));
            mixed.add(queue.remove(0));
            if (queue.isEmpty()) {
                queues.remove(queue);
            }
        }
        return mixed;
    }

    static Request request(String project, Object command) {
        return Request.newBuilder().setRequestId(UUID.randomUUID().toString()).setProject(project)
                .setSubmittedAt(Instant.now()).setCommand(command).build();
    }

    KafkaProducer<String, Request> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5),
                Topics.REQUESTS.keySerde().serializer(), Topics.REQUESTS.valueSerde(registry).serializer());
    }

    static void send(KafkaProducer<String, Request> producer, Map<String, Request> sent, Topic<String, Request> topic,
                     List<?> commandsOrRequests) throws ExecutionException, InterruptedException {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (Object item : commandsOrRequests) {
            Request request = item instanceof Request r ? r : request("_admin", item);
            sent.put(request.getRequestId(), request);
            acks.add(producer.send(new ProducerRecord<>(topic.name(), request.getProject(), request)));
        }
        for (Future<RecordMetadata> ack : acks) {
            ack.get();
        }
    }

    static void assertNothingGivenTwice(Iterable<Result> results) {
        Set<String> fixed = new HashSet<>();
        Set<String> floating = new HashSet<>();
        Set<String> vpnPorts = new HashSet<>();
        Set<String> subnets = new HashSet<>();
        for (Result result : results) {
            if (result.getStatus() != Status.ACCEPTED) {
                continue;
            }
            switch (result.getCommand()) {
                case "AllocateFixedIp" -> {
                    assertThat(fixed.add(result.getAllocated().getAddress())).as("fixed IP given twice: %s", result).isTrue();
                    subnets.add(result.getProject() + " " + result.getAllocated().getCidr());
                }
                case "AllocateFloatingIp" -> assertThat(floating.add(result.getAllocated().getAddress()))
                        .as("floating IP given twice: %s", result).isTrue();
                case "CreateVpn" -> assertThat(vpnPorts.add(String.valueOf(result.getAllocated().getPort())))
                        .as("VPN port given twice (in the cluster: a routing node forwards it): %s", result).isTrue();
                default -> { }
            }
        }
        assertThat(fixed).hasSize(PROJECTS * INSTANCES);
        assertThat(floating).hasSize(PROJECTS * ((INSTANCES + 2) / 8));
        assertThat(vpnPorts).hasSize(PROJECTS);
        assertThat(subnets.stream().map(s -> s.split(" ")[1]).distinct().count()).as("group subnets of different projects")
                .isEqualTo(subnets.size());
    }

    /** The fact engine agrees: one network per project on distinct VLANs and blocks, the VPNs, the fixed IPs left. */
    void assertStateTopics(Iterable<Result> results) {
        Map<String, Network> networks = readCompacted(Topics.STATE_NETWORKS);
        assertThat(networks).hasSize(PROJECTS);
        assertThat(networks.values().stream().map(Network::getVlan).distinct().count()).isEqualTo(PROJECTS);
        assertThat(networks.values().stream().map(Network::getCidr).distinct().count()).isEqualTo(PROJECTS);
        Map<String, Vpn> vpns = readCompacted(Topics.STATE_VPNS);
        assertThat(vpns.values()).allSatisfy(vpn -> assertThat(vpn.getPeers()).hasSize(2));
        assertThat(readCompacted(Topics.STATE_FIXED_IPS)).hasSize(PROJECTS * (INSTANCES - 1));
        assertThat(readCompacted(Topics.STATE_FLOATING_IPS).values()).allSatisfy(f -> assertThat(f.getFixedAddress()).isNotNull());
    }

    <V extends org.apache.avro.specific.SpecificRecord> Map<String, V> readCompacted(Topic<String, V> topic) {
        Map<String, V> latest = new HashMap<>();
        RecordDecoder<V> decoder = new RecordDecoder<>(topic.valueDeserializer(registry));
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            var partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic.name(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        latest.remove(record.key());
                    } else {
                        latest.put(record.key(), decoder.value(record));
                    }
                }
            }
        }
        return latest;
    }

    static KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Reads factnet.results (committed transactions only) and keeps every result by request id, and the repeats. */
    final class ResultReader implements AutoCloseable {
        final KafkaConsumer<String, byte[]> consumer = consumer();
        final RecordDecoder<Result> decoder = new RecordDecoder<>(Topics.RESULTS.valueDeserializer(registry));
        final Map<String, Result> byId = new LinkedHashMap<>();
        final List<Result> repeats = new ArrayList<>();

        ResultReader() {
            var partitions = consumer.partitionsFor(Topics.RESULTS.name()).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(Topics.RESULTS.name(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        void poll() {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                Result result = decoder.value(record);
                if (byId.putIfAbsent(result.getRequestId(), result) != null) {
                    repeats.add(result);
                }
            }
        }

        void awaitAll(Set<String> ids, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!byId.keySet().containsAll(ids) && System.nanoTime() < deadline) {
                poll();
            }
            Set<String> missing = new HashSet<>(ids);
            missing.removeAll(byId.keySet());
            assertThat(missing).as("requests without a result after %s", timeout).isEmpty();
        }

        void awaitCount(int count, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (byId.size() < count && System.nanoTime() < deadline) {
                poll();
            }
            assertThat(byId.size()).isGreaterThanOrEqualTo(count);
        }

        void assertExactlyOnePerRequest(Set<String> ids) {
            for (int i = 0; i < 5; i++) {
                poll(); // anything late would be a second result
            }
            assertThat(repeats).as("second results").isEmpty();
            assertThat(byId.keySet()).isEqualTo(ids);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
