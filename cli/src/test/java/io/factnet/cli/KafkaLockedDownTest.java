package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.client.RequestClient;
import io.factnet.controller.Controller;
import io.factnet.controller.ControllerConfig;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeProcess;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.tunneling.TunnelingConfig;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.KafkaAcls;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker secured (SASL/SCRAM-SHA-512, StandardAuthorizer, nothing allowed unless listed) with the ACLs
 * of {@link KafkaAcls}, the same definition {@code factnet kafka-acls} prints and applies: strangers are refused,
 * each principal is held to its topics, and the whole flow runs with the right ones (a real controller with its
 * principal, a render node's agents with theirs, requests sent as the gateway and as the operator).
 */
class KafkaLockedDownTest {
    private static final String SCOPE = "kafka-locked-down-test";
    private static final String APPLICATION_ID = "factnet-acl-test";
    private static final String NODE = "n1";
    private static final List<NodeRole> NODE_ROLES = List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static Controller controller;
    static SchemaRegistryClient registry;
    static int requests;

    @BeforeAll
    static void lockedDownCloud() throws Exception {
        KafkaAcls.Installation installation = new KafkaAcls.Installation(APPLICATION_ID, Map.of(NODE, EnumSet.copyOf(NODE_ROLES)), true);
        Map<String, String> passwords = new LinkedHashMap<>();
        installation.users().forEach(user -> passwords.put(user, password()));
        kafka = EmbeddedKafka.builder(dir.resolve("kafka"))
                .secured(new EmbeddedKafka.Security("admin", password(), passwords, KafkaAcls.bindings(KafkaAcls.all(installation))))
                .start();
        registry = InMemorySchemaRegistryClient.scope(SCOPE);

        Properties props = new Properties();
        props.putAll(kafka.clientConfig(KafkaAcls.CONTROLLER));
        props.setProperty("schema.registry.url", "mock://" + SCOPE);
        props.setProperty("application.id", APPLICATION_ID);
        props.setProperty("state.dir", dir.resolve("streams").toString());
        props.setProperty("num.stream.threads", "1");
        props.setProperty(ControllerConfig.IN_MEMORY_STORES, "true");
        props.setProperty(ControllerConfig.TOPIC_PARTITIONS, "2");
        // the controller creates factnet's topics itself, with its own principal
        controller = Controller.start(props);
        assertThat(controller.awaitRunning(WAIT)).isTrue();
    }

    @AfterAll
    static void stop() {
        if (controller != null) {
            controller.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        InMemorySchemaRegistryClient.dropScope(SCOPE);
    }

    /**
     * Apicurio Registry with kafkasql storage under its own principal (the settings docker/compose.secure.yaml gives
     * it): a schema registered survives the registry's restart, so it is kept in the locked-down Kafka.
     */
    @Test
    void theRegistryKeepsItsSchemasInTheLockedDownKafkaUnderItsOwnPrincipal() throws Exception {
        Map<String, Object> registryClient = kafka.clientConfig(KafkaAcls.REGISTRY);
        Map<String, String> environment = Map.of(
                "APICURIO_STORAGE_KIND", "kafkasql",
                "APICURIO_KAFKASQL_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "APICURIO_KAFKASQL_CONSUMER_GROUP_PREFIX", KafkaAcls.REGISTRY_GROUP_PREFIX,
                "APICURIO_EVENTS_KAFKA_TOPIC", KafkaAcls.REGISTRY_TOPIC_PREFIX + "events");
        // Kafka client properties reach all of its clients only from a properties file (Quarkus reads
        // config/application.properties in its working directory; the compose file mounts one there): its
        // apicurio.kafka.common.* prefix is not matched against environment variables.
        String credentials = "apicurio.kafka.common.security.protocol=" + registryClient.get("security.protocol") + "\n"
                + "apicurio.kafka.common.sasl.mechanism=" + registryClient.get("sasl.mechanism") + "\n"
                + "apicurio.kafka.common.sasl.jaas.config=" + registryClient.get("sasl.jaas.config").toString().replace("\\", "\\\\") + "\n";
        for (String work : List.of("registry-1", "registry-2")) {
            java.nio.file.Files.createDirectories(dir.resolve(work).resolve("config"));
            java.nio.file.Files.writeString(dir.resolve(work).resolve("config/application.properties"), credentials);
        }
        org.apache.avro.Schema schema = io.factnet.model.Result.getClassSchema();
        int id;
        try (io.factnet.embedded.ApicurioRegistry apicurio = io.factnet.embedded.ApicurioRegistry.start(dir.resolve("registry-1"), environment)) {
            id = io.factnet.registry.SchemaRegistryClients.create(Map.of("schema.registry.url", apicurio.confluentUrl()))
                    .register("locked-down-value", schema);
        }
        try (io.factnet.embedded.ApicurioRegistry again = io.factnet.embedded.ApicurioRegistry.start(dir.resolve("registry-2"), environment)) {
            assertThat(io.factnet.registry.SchemaRegistryClients.create(Map.of("schema.registry.url", again.confluentUrl())).schemaById(id))
                    .isEqualTo(schema);
        }
    }

    private static String password() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** A client of this user, failing fast: the refusals below must not take a default minute each. */
    private static Map<String, Object> client(Map<String, Object> config) {
        Map<String, Object> fast = new HashMap<>(config);
        fast.put("max.block.ms", 5000);
        fast.put("default.api.timeout.ms", 5000);
        fast.put("request.timeout.ms", 5000);
        fast.put("delivery.timeout.ms", 10000);
        fast.put("retries", 0);
        return fast;
    }

    private static void produce(Map<String, Object> config, String topic) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client(config), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "p1", new byte[] {1})).get(20, TimeUnit.SECONDS);
        }
    }

    /** Reads one partition by assignment (as agents and the CLI do) until a record comes, or the deadline. */
    private static ConsumerRecords<String, byte[]> read(Map<String, Object> config, String topic) {
        Map<String, Object> consumerConfig = client(config);
        consumerConfig.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            return consumer.poll(Duration.ofSeconds(5));
        }
    }

    private static Throwable cause(ThrowingCall call) {
        try {
            call.run();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected a refusal");
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void strangersAreRefused() {
        // no SASL at all: the broker's only listener wants a SASL handshake, so the client never gets an answer
        Map<String, Object> anonymous = Map.of("bootstrap.servers", kafka.bootstrapServers());
        assertThat(cause(() -> {
            try (Admin admin = Admin.create(client(anonymous))) {
                admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
            }
        })).isInstanceOfAny(TimeoutException.class, java.util.concurrent.TimeoutException.class);
        assertThat(cause(() -> produce(anonymous, Topics.REQUESTS.name()))).isInstanceOf(TimeoutException.class);

        // a known user with a wrong password, and a user nobody made
        Map<String, Object> wrongPassword = new HashMap<>(kafka.clientConfig(KafkaAcls.GATEWAY));
        wrongPassword.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + KafkaAcls.GATEWAY + "\" password=\"guess\";");
        assertThat(cause(() -> produce(wrongPassword, Topics.REQUESTS.name()))).isInstanceOf(SaslAuthenticationException.class);
        Map<String, Object> nobody = new HashMap<>(wrongPassword);
        nobody.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"mallory\" password=\"x\";");
        assertThat(cause(() -> produce(nobody, Topics.REQUESTS.name()))).isInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void aNodeMayReadOnlyItsRolesTopicsAndWriteOnlyNodeEvents() throws Exception {
        Map<String, Object> node = kafka.clientConfig(KafkaAcls.nodeUser(NODE));
        for (String topic : List.of(Topics.REQUESTS.name(), Topics.ADMIN_REQUESTS.name(), Topics.RESULTS.name(),
                Topics.STATE_NETWORKS.name(), Topics.NODE_ROUTING.name())) {
            assertThat(cause(() -> produce(node, topic))).as("node writes " + topic).isInstanceOf(TopicAuthorizationException.class);
        }
        // n1 runs routing, addressing and bridging: the tunneling nodes' state is not its to read, nor are results
        for (String topic : List.of(Topics.NODE_TUNNELING.name(), Topics.RESULTS.name(), Topics.REQUESTS.name())) {
            assertThatThrownBy(() -> read(node, topic)).as("node reads " + topic).isInstanceOf(TopicAuthorizationException.class);
        }
        assertThat(read(node, Topics.NODE_ROUTING.name())).as("its own role's topic").isNotNull();
    }

    @Test
    void theMetadataServiceMayReadItsThreeFactsAndNothingElseAndWriteNothing() throws Exception {
        Map<String, Object> metadata = kafka.clientConfig(KafkaAcls.METADATA);
        for (String topic : List.of(Topics.REQUESTS.name(), Topics.ADMIN_REQUESTS.name(), Topics.NODE_EVENTS.name(),
                Topics.STATE_INSTANCE_METADATA.name())) {
            assertThat(cause(() -> produce(metadata, topic))).as("metadata writes " + topic).isInstanceOf(TopicAuthorizationException.class);
        }
        for (String topic : List.of(Topics.RESULTS.name(), Topics.STATE_NETWORKS.name(), Topics.NODE_ROUTING.name())) {
            assertThatThrownBy(() -> read(metadata, topic)).as("metadata reads " + topic).isInstanceOf(TopicAuthorizationException.class);
        }
        for (String topic : List.of(Topics.STATE_FIXED_IPS.name(), Topics.STATE_FLOATING_IPS.name(), Topics.STATE_INSTANCE_METADATA.name())) {
            assertThat(read(metadata, topic)).as("metadata reads " + topic).isNotNull();
        }
        // and the service itself runs with it: it reads the three facts to their end
        try (io.factnet.node.metadata.MetadataServer server = io.factnet.node.metadata.MetadataServer.start(metadata, registry,
                "127.0.0.1", 0, "nova")) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!server.ready() && server.crash().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(server.crash()).isEmpty();
            assertThat(server.ready()).isTrue();
        }
    }

    @Test
    void theGatewayMayWriteRequestsButNoStateNorResultsAndReadNothingElse() {
        Map<String, Object> gateway = kafka.clientConfig(KafkaAcls.GATEWAY);
        for (String topic : List.of(Topics.STATE_NETWORKS.name(), Topics.STATE_FIXED_IPS.name(), Topics.NODE_ROUTING.name(),
                Topics.RESULTS.name(), Topics.NODE_EVENTS.name(), Topics.INTERNAL_GRANTS.name(), APPLICATION_ID + "-x-changelog")) {
            assertThat(cause(() -> produce(gateway, topic))).as("gateway writes " + topic).isInstanceOf(TopicAuthorizationException.class);
        }
        for (String topic : List.of(Topics.STATE_NETWORKS.name(), Topics.NODE_ROUTING.name(), Topics.NODE_EVENTS.name())) {
            assertThatThrownBy(() -> read(gateway, topic)).as("gateway reads " + topic).isInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void theWholeFlowRunsWithTheRightPrincipals() throws Exception {
        Map<String, Object> operator = kafka.clientConfig(KafkaAcls.OPERATOR);
        Map<String, Object> gateway = kafka.clientConfig(KafkaAcls.GATEWAY);
        try (RequestClient asOperator = new RequestClient(operator, registry, true, warning -> { });
             RequestClient asGateway = new RequestClient(gateway, registry, true, warning -> { })) {
            send(asOperator, RequestRoutes.ADMIN_PROJECT, DefineVlanRange.newBuilder().setFirst(100).setLast(199).build(), RequestClient.Wait.RESULT);
            send(asOperator, RequestRoutes.ADMIN_PROJECT, DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build(), RequestClient.Wait.RESULT);
            send(asOperator, RequestRoutes.ADMIN_PROJECT, RegisterNode.newBuilder().setNodeId(NODE).setRoles(NODE_ROLES)
                    .setPublicAddress("198.51.100.1").setPhysicalNetworks(List.of("physnet1")).build(), RequestClient.Wait.RESULT);

            try (NodeProcess node = NodeProcess.build(nodeConfig(), kafka.clientConfig(KafkaAcls.nodeUser(NODE)), registry).start()) {
                // the project's requests as the gateway would send them: its principal writes factnet.requests, reads results
                Result network = send(asGateway, "p1", CreateNetwork.newBuilder().build(), RequestClient.Wait.RESULT);
                assertThat(network.getAllocated().getBridge()).isEqualTo("br100");
                send(asGateway, "p1", CreateSecurityGroup.newBuilder().setName("web").build(), RequestClient.Wait.RESULT);
                // and one as the operator, waiting until the node's agents applied it: they read their topics and acked
                Result fixed = send(asOperator, "p1", AllocateFixedIp.newBuilder().setInstance("vm1").setGroup("web").build(),
                        RequestClient.Wait.APPLIED);
                String address = fixed.getAllocated().getAddress();
                assertThat(Files.readString(dir.resolve("node/addressing/br100/hosts"))).contains("," + address + "\n");
                assertThat(Files.readString(dir.resolve("node/routing/factnet.nft"))).contains("10.0.0.0/20");
                assertThat(node.crash()).isEmpty();
            }
        }
    }

    private static Result send(RequestClient client, String project, Object command, RequestClient.Wait wait) {
        Request request = Request.newBuilder().setRequestId("acl-test-" + ++requests).setProject(project)
                .setSubmittedAt(Instant.now()).setCommand(command).build();
        RequestClient.Exchange exchange = client.send(request, wait, WAIT);
        Result result = exchange.result();
        assertThat(result).as("result of " + command.getClass().getSimpleName()).isNotNull();
        assertThat(result.getStatus()).as(result.getMessage()).isEqualTo(Status.ACCEPTED);
        return result;
    }

    private static NodeConfig nodeConfig() {
        RoutingConfig routing = new RoutingConfig(Ipv4Address.parse("198.51.100.1"), new InterfaceName("eth0"),
                RoutingConfig.DEFAULT_METADATA_HOST, List.of(), RoutingConfig.Firewall.NFTABLES);
        BridgingConfig bridging = new BridgingConfig(BridgingConfig.VlanMode.TAGGED, Map.of("physnet1", new InterfaceName("eth1")));
        return new NodeConfig(NODE, NODE_ROLES, NODE_ROLES, NodeConfig.Driver.RENDER, Optional.empty(), dir.resolve("node"),
                routing, bridging, new TunnelingConfig("", TunnelingConfig.Implementation.AUTO), 51820, 51829,
                Duration.ofMillis(50), Duration.ofSeconds(30));
    }

    @Test
    void theCommandPrintsTheSameAclsAndAppliesThemForANewNode() throws Exception {
        CliCapture printed = CliCapture.run(List.of("kafka-acls", "--application-id", APPLICATION_ID, "--node", "n2=tunneling"));
        assertThat(printed.exit()).as(printed.err()).isZero();
        KafkaAcls.Installation n2 = new KafkaAcls.Installation(APPLICATION_ID, Map.of("n2", EnumSet.of(NodeRole.TUNNELING)), true);
        assertThat(printed.out()).contains(KafkaAcls.script(KafkaAcls.all(n2)))
                .contains("kafka-acls.sh $B --add --allow-principal User:factnet-node-n2 --operation Read --operation Describe --topic factnet.node.tunneling");

        // applied as the admin, with n2's SCRAM credential from a file: n2 may then write node events, and nothing more
        Path secret = dir.resolve("n2.password");
        String password = password();
        Files.writeString(secret, password + "\n");
        List<String> args = new ArrayList<>(List.of("kafka-acls", "--application-id", APPLICATION_ID, "--node", "n2=tunneling", "--apply",
                "--scram-user", "factnet-node-n2=" + secret, "--bootstrap-servers", kafka.bootstrapServers()));
        kafka.adminConfig().forEach((key, value) -> {
            if (!key.equals("bootstrap.servers")) {
                args.addAll(List.of("-X", key + "=" + value));
            }
        });
        CliCapture applied = CliCapture.run(args);
        assertThat(applied.exit()).as(applied.err()).isZero();
        assertThat(applied.out()).contains("SCRAM-SHA-512 credentials set for factnet-node-n2");

        Map<String, Object> asN2 = new HashMap<>(kafka.clientConfig(KafkaAcls.GATEWAY));
        asN2.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"factnet-node-n2\" password=\""
                + password + "\";");
        produceEventually(asN2, Topics.NODE_EVENTS.name());
        assertThat(cause(() -> produce(asN2, Topics.REQUESTS.name()))).isInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> read(asN2, Topics.NODE_ROUTING.name())).isInstanceOf(TopicAuthorizationException.class);
    }

    /** The broker applies new credentials and ACLs a moment after the controller commits them: retry until a deadline. */
    private static void produceEventually(Map<String, Object> config, String topic) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                produce(config, topic);
                return;
            } catch (ExecutionException | RuntimeException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(50); // polling with a deadline: not yet applied by the broker
            }
        }
    }
}
