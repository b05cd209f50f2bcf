package io.factnet.controller.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.controller.Controller;
import io.factnet.controller.ControllerConfig;
import io.factnet.controller.ControllerTestConfig;
import io.factnet.controller.stage.StoreNames;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.http.PrometheusTextReader;
import io.factnet.http.Slowloris;
import io.factnet.model.AddRule;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AppliedAck;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.CreateVpn;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.DeleteSecurityGroup;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.Request;
import io.factnet.model.Requester;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API against two running controllers (separate state folders and HTTP ports, RocksDB stores,
 * 4 partitions) on the embedded broker, with requests produced through the registry serde: either
 * instance answers every query with the owner's data, lists merge both instances' shares, errors are
 * JSON with the right status, /metrics has the expected families, and a stopped controller says so.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerHttpTest {
    static final List<String> PROJECTS = List.of("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8");
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static final String scope = "http-" + UUID.randomUUID();
    static SchemaRegistryClient registry;
    static ControllerServer a;
    static ControllerServer b;
    /** Results by request id, and the request ids per project and command. */
    static final Map<String, Result> results = new HashMap<>();
    static final Map<String, String> idOf = new HashMap<>();
    static long ackedOffset;
    static long routingEnd;

    @BeforeAll
    static void startControllersAndPlayRequests() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        registry = InMemorySchemaRegistryClient.scope(scope);
        a = ControllerServer.start(config("a"));
        b = ControllerServer.start(config("b"));
        assertThat(a.controller().awaitRunning(Duration.ofSeconds(60))).isTrue();
        assertThat(b.controller().awaitRunning(Duration.ofSeconds(60))).isTrue();

        try (KafkaProducer<String, Request> producer = producer(); KafkaConsumer<String, byte[]> reader = resultsReader()) {
            send(producer, "_admin", "vlans", DefineVlanRange.newBuilder().setFirst(100).setLast(199).build());
            send(producer, "_admin", "supernet", DefineSupernet.newBuilder().setCidr("10.0.0.0/16").build());
            send(producer, "_admin", "pool", DefineFloatingPool.newBuilder().setPool("public").setCidrs(List.of("203.0.113.0/28")).build());
            send(producer, "_admin", "node", RegisterNode.newBuilder().setNodeId("n1").setRoles(List.of(NodeRole.values()))
                    .setPublicAddress("192.0.2.1").setVpnPortFirst(51820).setVpnPortLast(51829).build());
            awaitResults(reader);
            for (String project : PROJECTS) {
                send(producer, project, "network", CreateNetwork.newBuilder().build());
                send(producer, project, "group", CreateSecurityGroup.newBuilder().setName("web").build());
                send(producer, project, "rule", AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(80)
                        .setToPort(80).setSourceCidr("0.0.0.0/0").build());
                send(producer, project, "vm-1", AllocateFixedIp.newBuilder().setInstance("vm-1").setGroup("web").build());
                send(producer, project, "vm-2", AllocateFixedIp.newBuilder().setInstance("vm-2").build());
                send(producer, project, "floating", new AllocateFloatingIp("public"));
            }
            // as the API gateway sends it: the envelope names who asked, and the request log shows it
            send(producer, "p1", "vpn", new CreateVpn(), new Requester("alice@p1", "gw-1"));
            awaitResults(reader);
            for (String project : PROJECTS) {
                send(producer, project, "associate", new AssociateFloatingIp(result(project, "floating").getAllocated().getAddress(), "vm-1"));
            }
            awaitResults(reader);
            assertThat(results.values()).allSatisfy(r -> assertThat(r.getStatus()).as(r.getMessage()).isEqualTo(Status.ACCEPTED));
            // Projects that only ever had refused requests (issue 16: each was stored, listed and answered 200).
            send(producer, "ghost-1", "release", new ReleaseFloatingIp("203.0.113.1"));
            send(producer, "ghost-2", "delete-group", new DeleteSecurityGroup("web"));
            awaitResults(reader);

            // An agent of n1 acks an offset three below its partition's end: an offset lag of 2.
            TopicPartition partition = new TopicPartition(Topics.NODE_ROUTING.name(), NodeKeys.partition("n1", 4));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                routingEnd = admin.listOffsets(Map.of(partition, OffsetSpec.latest()),
                        new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get().get(partition).offset();
            }
            ackedOffset = routingEnd - 3;
            AppliedAck ack = AppliedAck.newBuilder().setNodeId("n1").setRole(NodeRole.ROUTING).setPartition(partition.partition())
                    .setAppliedOffset(ackedOffset).setApplyMillis(12).setCounts(Map.of("nat", 8L)).build();
            Request request = request(RequestRoutes.ADMIN_PROJECT, ack);
            producer.send(new ProducerRecord<>(Topics.NODE_EVENTS.name(), RequestRoutes.keyOf(request), request)).get();
        }
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {a, b, kafka}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + closeable + ": " + e);
            }
        }
        InMemorySchemaRegistryClient.dropScope(scope);
    }

    static ControllerConfig config(String instance) {
        Properties props = ControllerTestConfig.properties(kafka.bootstrapServers(), scope, dir.resolve(instance), "factnet-http-test");
        props.setProperty(ControllerConfig.HTTP_HOST, "127.0.0.1");
        props.setProperty(ControllerConfig.HTTP_PORT, "0");
        // No network slots (ADR 0044): with four tasks, how many VLANs and blocks are in slots depends on the order in
        // which the tasks' claims reach the block pool (its half reserve), and the pools' used counts here are exact.
        props.setProperty(ControllerConfig.NETWORK_STOCK, "0");
        return ControllerConfig.from(props);
    }

    // ------------------------------------------------------------------ queries

    @Test
    @Order(1)
    void eitherInstanceAnswersAProjectWithItsOwnersData() throws Exception {
        Set<String> owners = new HashSet<>();
        for (String project : PROJECTS) {
            KeyQueryMetadata metadata = a.controller().stores().ownerOf(StoreNames.PROJECTS, project);
            Controller owning = metadata.activeHost().port() == a.address().getPort() ? a.controller() : b.controller();
            Controller other = owning == a.controller() ? b.controller() : a.controller();
            owning.stores().requireQueryable(StoreNames.PROJECTS, metadata.partition());
            // what tells "moving here" from "not here": a partition this instance holds no store of
            assertThatThrownBy(() -> other.stores().requireQueryable(StoreNames.PROJECTS, metadata.partition()))
                    .isInstanceOf(InvalidStateStoreException.class);
            HostInfo owner = metadata.activeHost();
            owners.add(owner.host() + ":" + owner.port());
            JsonNode fromA = ok(a, "/v1/projects/" + project);
            assertThat(ok(b, "/v1/projects/" + project)).isEqualTo(fromA);

            assertThat(fromA.get("project").asText()).isEqualTo(project);
            JsonNode network = fromA.get("network");
            assertThat(network.get("vlan").asInt()).isEqualTo(result(project, "network").getAllocated().getVlan());
            assertThat(network.get("cidr").asText()).isEqualTo(result(project, "network").getAllocated().getCidr()).endsWith("/20");
            assertThat(network.get("nodes").get("routing").asText()).isEqualTo("n1");
            assertThat(fromA.get("usage").get("fixedIps").asInt()).isEqualTo(2);
            assertThat(fromA.get("usage").get("floatingIps").asInt()).isEqualTo(1);
            assertThat(fromA.get("quotas").get("floatingIps").asInt()).isEqualTo(10);
            List<String> groups = new ArrayList<>();
            fromA.get("groups").forEach(g -> groups.add(g.get("name").asText()));
            assertThat(groups).containsExactly("default", "web");
            JsonNode web = fromA.get("groups").get(1);
            assertThat(web.get("subnet").asText()).endsWith("/24");
            assertThat(web.get("instances").asInt()).isEqualTo(1);
            assertThat(web.get("rules")).singleElement().satisfies(rule -> {
                assertThat(rule.get("protocol").asText()).isEqualTo("TCP");
                assertThat(rule.get("fromPort").asInt()).isEqualTo(80);
                assertThat(rule.get("sourceCidr").asText()).isEqualTo("0.0.0.0/0");
            });
            if (project.equals("p1")) {
                assertThat(fromA.get("vpn").get("port").asInt()).isEqualTo(result("p1", "vpn").getAllocated().getPort());
                assertThat(fromA.get("vpn").get("nodeId").asText()).isEqualTo("n1");
            } else {
                assertThat(fromA.get("vpn").isNull()).isTrue();
            }
        }
        assertThat(owners).as("both instances own projects, so each relayed some answers").containsExactlyInAnyOrder(
                a.advertised(), b.advertised());
    }

    @Test
    @Order(2)
    void instancesCarryTheirFixedAndFloatingAddresses() throws Exception {
        for (String project : PROJECTS) {
            JsonNode answer = ok(b, "/v1/projects/" + project + "/instances");
            assertThat(ok(a, "/v1/projects/" + project + "/instances")).isEqualTo(answer);
            assertThat(answer.get("project").asText()).isEqualTo(project);
            JsonNode instances = answer.get("instances");
            assertThat(instances).hasSize(2);
            JsonNode vm1 = instances.get(0);
            assertThat(vm1.get("instance").asText()).isEqualTo("vm-1");
            assertThat(vm1.get("address").asText()).isEqualTo(result(project, "vm-1").getAllocated().getAddress());
            assertThat(vm1.get("mac").asText()).isEqualTo(result(project, "vm-1").getAllocated().getMac());
            assertThat(vm1.get("group").asText()).isEqualTo("web");
            assertThat(vm1.get("floatingIps")).singleElement().extracting(JsonNode::asText)
                    .isEqualTo(result(project, "floating").getAllocated().getAddress());
            assertThat(instances.get(1).get("instance").asText()).isEqualTo("vm-2");
            assertThat(instances.get(1).get("floatingIps")).isEmpty();
        }
        JsonNode all = ok(a, "/v1/instances").get("instances");
        assertThat(all).hasSize(2 * PROJECTS.size());
        List<String> order = new ArrayList<>();
        all.forEach(i -> order.add(i.get("project").asText() + "/" + i.get("instance").asText()));
        assertThat(order).startsWith("p1/vm-1", "p1/vm-2", "p2/vm-1").endsWith("p8/vm-2");
    }

    @Test
    @Order(3)
    void floatingIpsAndPoolsAreGatheredFromBothInstances() throws Exception {
        JsonNode floating = ok(a, "/v1/floating-ips?pool=public").get("floatingIps");
        assertThat(ok(b, "/v1/floating-ips?pool=public").get("floatingIps")).isEqualTo(floating);
        assertThat(floating).hasSize(PROJECTS.size());
        List<String> addresses = new ArrayList<>();
        for (JsonNode ip : floating) {
            addresses.add(ip.get("address").asText());
            String project = ip.get("project").asText();
            assertThat(ip.get("address").asText()).isEqualTo(result(project, "floating").getAllocated().getAddress());
            assertThat(ip.get("fixedAddress").asText()).isEqualTo(result(project, "vm-1").getAllocated().getAddress());
            assertThat(ip.get("instance").asText()).isEqualTo("vm-1");
        }
        assertThat(addresses).isSortedAccordingTo((x, y) -> Long.compare(number(x), number(y)));
        assertThat(ok(a, "/v1/floating-ips?pool=other").get("floatingIps")).isEmpty();
        assertThat(ok(b, "/v1/floating-ips?project=p3").get("floatingIps")).singleElement()
                .satisfies(ip -> assertThat(ip.get("project").asText()).isEqualTo("p3"));
        assertThat(ok(a, "/v1/floating-ips").get("floatingIps")).isEqualTo(floating);

        JsonNode pools = ok(b, "/v1/pools");
        assertThat(ok(a, "/v1/pools")).isEqualTo(pools);
        assertThat(pools.get("vlanRanges")).singleElement().satisfies(vlan -> {
            assertThat(vlan.get("physicalNetwork").asText()).isEqualTo("physnet1");
            assertThat(vlan.get("size").asInt()).isEqualTo(100);
            assertThat(vlan.get("used").asInt()).isEqualTo(PROJECTS.size());
        });
        assertThat(pools.get("supernet").get("cidr").asText()).isEqualTo("10.0.0.0/16");
        assertThat(pools.get("supernet").get("size").asInt()).isEqualTo(16);
        assertThat(pools.get("supernet").get("used").asInt()).isEqualTo(PROJECTS.size());
        assertThat(pools.get("floatingPools")).singleElement().satisfies(pool -> {
            assertThat(pool.get("pool").asText()).isEqualTo("public");
            assertThat(pool.get("size").asInt()).isEqualTo(14); // a /28 without its network and broadcast addresses
            assertThat(pool.get("used").asInt()).as("taken at the pool: the floating IPs and the stocks").isEqualTo(STOCKED_AND_GIVEN);
        });
    }

    /**
     * The pool's used addresses after one floating IP per project: 8 floating IPs, and the stocks the first two claims
     * brought (ADR 0039: 4 with the first, 1 with the second, none once half of the 14 are taken), whatever the order.
     */
    static final int STOCKED_AND_GIVEN = 13;

    @Test
    @Order(4)
    void nodesShowTheirLoadAndTheLastAckOfEachRole() throws Exception {
        JsonNode node = poll(Duration.ofSeconds(20), () -> {
            JsonNode nodes = ok(a, "/v1/nodes").get("nodes");
            return nodes.size() == 1 && nodes.get(0).get("applied").has("ROUTING") ? nodes.get(0) : null;
        });
        assertThat(ok(b, "/v1/nodes").get("nodes").get(0)).isEqualTo(node);
        assertThat(node.get("nodeId").asText()).isEqualTo("n1");
        assertThat(node.get("registered").asBoolean()).isTrue();
        assertThat(node.get("roles")).hasSize(4);
        assertThat(node.get("load").get("ROUTING").asInt()).isEqualTo(PROJECTS.size());
        assertThat(node.get("vpnPorts").get("used").asInt()).isEqualTo(1);
        JsonNode routing = node.get("applied").get("ROUTING");
        assertThat(routing.get("appliedOffset").asLong()).isEqualTo(ackedOffset);
        assertThat(routing.get("endOffset").asLong()).isEqualTo(routingEnd);
        assertThat(routing.get("lag").asLong()).as("end - applied - 1, as the metric").isEqualTo(2);
        assertThat(routing.get("applyMillis").asLong()).isEqualTo(12);
        assertThat(routing.get("counts").get("nat").asLong()).isEqualTo(8);
        assertThat(routing.get("error").isNull()).isTrue();
    }

    @Test
    @Order(4)
    void aProjectsRequestsComeNewestFirstInPagesWithTheirResultsAndWhoAsked() throws Exception {
        List<String> sent = new ArrayList<>();
        idOf.forEach((key, id) -> {
            if (key.startsWith("p1/")) {
                sent.add(id);
            }
        });
        List<JsonNode> walked = new ArrayList<>();
        String path = "/v1/projects/p1/requests?limit=3";
        for (int page = 0; path != null; page++) {
            JsonNode answer = ok(page % 2 == 0 ? a : b, path); // either controller answers any page
            assertThat(answer.get("project").asText()).isEqualTo("p1");
            assertThat(answer.get("requests").size()).isBetween(1, 3);
            answer.get("requests").forEach(walked::add);
            path = answer.get("next").isNull() ? null : answer.get("next").get("href").asText();
        }
        List<String> ids = walked.stream().map(r -> r.get("requestId").asText()).toList();
        assertThat(ids).containsExactlyInAnyOrderElementsOf(sent);
        List<Long> sequences = walked.stream().map(r -> r.get("sequence").asLong()).toList();
        assertThat(sequences).as("newest first").isSortedAccordingTo(java.util.Comparator.reverseOrder()).doesNotHaveDuplicates();
        for (JsonNode request : walked) {
            Result result = results.get(request.get("requestId").asText());
            assertThat(request.get("sequence").asLong()).isEqualTo(result.getSequence());
            assertThat(request.get("command").asText()).isEqualTo(result.getCommand());
            assertThat(request.get("status").asText()).isEqualTo(result.getStatus().name());
            assertThat(request.get("completedAt").asText()).isEqualTo(result.getCompletedAt().toString());
        }
        JsonNode vpn = walked.stream().filter(r -> r.get("requestId").asText().equals(idOf.get("p1/vpn"))).findFirst().orElseThrow();
        assertThat(vpn.get("requestedBy").get("subject").asText()).isEqualTo("alice@p1");
        assertThat(vpn.get("requestedBy").get("gateway").asText()).isEqualTo("gw-1");
        assertThat(walked.get(walked.size() - 1).get("requestedBy").isNull()).as("sent to Kafka directly: nobody named").isTrue();
        assertError(a, "/v1/projects/nope/requests", 404, "no project nope");
        assertError(a, "/v1/projects/p1/requests?cursor=" + Page.encode(Listing.PROJECTS, List.of("", "p1")), 400, "cursor is not one");
    }

    @Test
    @Order(4)
    void theConsoleIsServedWithAStrictContentSecurityPolicy() throws Exception {
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(uri(b, "/console/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).contains(ConsoleAssets.CSP);
        assertThat(page.body()).contains("<script type=\"module\" src=\"console.js\">");
        HttpResponse<String> script = HTTP.send(HttpRequest.newBuilder(uri(b, "/console/console.js")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(script.headers().firstValue("Content-Type")).contains("text/javascript; charset=utf-8");
        assertError(b, "/console/nothing.js", 404, "no such file of the console");
    }

    @Test
    @Order(5)
    void badQueriesGetAJsonErrorWithTheirStatus() throws Exception {
        for (ControllerServer server : List.of(a, b)) {
            assertError(server, "/v1/projects/nope", 404, "no project nope");
            for (String ghost : List.of("ghost-1", "ghost-2")) {
                assertThat(results.get(idOf.get(ghost + "/" + (ghost.equals("ghost-1") ? "release" : "delete-group"))).getReason())
                        .isEqualTo(Reason.NOT_FOUND);
                assertError(server, "/v1/projects/" + ghost, 404, "no project " + ghost);
            }
            List<String> listed = new ArrayList<>();
            ok(server, "/v1/projects").get("projects").forEach(p -> listed.add(p.get("project").asText()));
            assertThat(listed).containsAll(PROJECTS).doesNotContain("ghost-1", "ghost-2");
            assertError(server, "/v1/projects/nope/instances", 404, "no project nope");
            assertError(server, "/v1/projects/bad%20name", 400, "project must be");
            assertError(server, "/v1/floating-ips?pool=", 400, "pool must be");
            assertError(server, "/v1/pools?verbose=1", 400, "unknown parameter");
            assertError(server, "/v1/projects?limit=0", 400, "limit must be 1 to 1000");
            assertError(server, "/v1/nodes?cursor=bm9wZQ", 400, "cursor is not one this list gave");
            assertError(server, "/v1/projects/p1?limit=1", 400, "unknown parameter");
            assertError(server, "/v1/nothing", 404, "no such path");
        }
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(uri(a, "/v1/pools")).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
    }

    @Test
    @Order(6)
    void healthAndMetrics() throws Exception {
        for (ControllerServer server : List.of(a, b)) {
            assertThat(ok(server, "/healthz").get("state").asText()).isEqualTo("RUNNING");
        }
        // the ack reaches the node-acks store asynchronously; wait until its owner reports its lag
        Map<String, Double> metrics = poll(Duration.ofSeconds(20), () -> {
            Map<String, Double> both = new HashMap<>();
            for (ControllerServer server : List.of(a, b)) {
                samples(metricsText(server)).forEach((sample, value) -> both.merge(sample, value, Double::sum));
            }
            return both.containsKey("factnet_controller_node_offset_lag{node=\"n1\",role=\"routing\"}") ? both : null;
        });
        int n = PROJECTS.size();
        assertThat(metrics)
                .containsEntry("factnet_controller_requests_total{command=\"CreateNetwork\",reason=\"OK\",status=\"ACCEPTED\"}", (double) n)
                .containsEntry("factnet_controller_requests_total{command=\"AssociateFloatingIp\",reason=\"OK\",status=\"ACCEPTED\"}", (double) n)
                .containsEntry("factnet_controller_requests_total{command=\"DefineVlanRange\",reason=\"OK\",status=\"ACCEPTED\"}", 1.0)
                .containsEntry("factnet_controller_pool_size{kind=\"vlan\",pool=\"physnet1\"}", 100.0)
                .containsEntry("factnet_controller_pool_used{kind=\"vlan\",pool=\"physnet1\"}", (double) n)
                .containsEntry("factnet_controller_pool_size{kind=\"block\",pool=\"10.0.0.0/16\"}", 16.0)
                .containsEntry("factnet_controller_pool_used{kind=\"floating\",pool=\"public\"}", (double) STOCKED_AND_GIVEN)
                .containsEntry("factnet_controller_pool_size{kind=\"vpn-port\",pool=\"n1\"}", 10.0)
                .containsEntry("factnet_controller_node_applied_offset{node=\"n1\",role=\"routing\"}", (double) ackedOffset)
                .containsEntry("factnet_controller_node_end_offset{node=\"n1\",role=\"routing\"}", (double) routingEnd)
                .containsEntry("factnet_controller_node_offset_lag{node=\"n1\",role=\"routing\"}", 2.0)
                .containsEntry("factnet_controller_running{state=\"RUNNING\"}", 2.0);
        assertThat(metrics.entrySet()).anySatisfy(e -> {
            assertThat(e.getKey()).startsWith("kafka_streams_stream_thread_metrics_process_total{thread_id=");
            assertThat(e.getValue()).isGreaterThan(0);
        });
        assertThat(metrics.keySet()).anyMatch(k -> k.startsWith("kafka_streams_producer_metrics_record_send_total{"));
        long requests = results.size();
        double counted = metrics.entrySet().stream().filter(e -> e.getKey().startsWith("factnet_controller_requests_total{"))
                .mapToDouble(Map.Entry::getValue).sum();
        assertThat(counted).as("every result counted once over both instances").isEqualTo(requests);
    }

    @Test
    @Order(6)
    void everyDocumentedMetricIsServedWithItsTypeAndLabels() throws Exception {
        Map<String, Map.Entry<String, Set<String>>> documented = documentedMetrics();
        assertThat(documented).as("docs/api.md's table").hasSize(11);
        // both instances' scrapes, read strictly; once the node's ack is in, every documented family has samples
        Map<String, PrometheusTextReader.Family> served = poll(Duration.ofSeconds(20), () -> {
            Map<String, PrometheusTextReader.Family> both = new LinkedHashMap<>(PrometheusTextReader.parse(metricsText(a)));
            PrometheusTextReader.parse(metricsText(b)).forEach(both::putIfAbsent);
            return both.keySet().containsAll(documented.keySet()) ? both : null;
        });
        documented.forEach((name, typeAndLabels) -> {
            PrometheusTextReader.Family family = served.get(name);
            assertThat(family.type()).as(name).isEqualTo(typeAndLabels.getKey());
            assertThat(family.help()).as(name).isNotBlank();
            assertThat(family.samples()).as(name).allSatisfy(sample -> {
                assertThat(sample.name()).isEqualTo(name);
                assertThat(sample.labels().keySet()).isEqualTo(typeAndLabels.getValue());
            });
        });
        assertThat(served.keySet()).as("nothing else of factnet's").filteredOn(name -> name.startsWith("factnet_"))
                .containsExactlyInAnyOrderElementsOf(documented.keySet());

        // kafka_streams_<group>_<name>: a family for every numeric metric of KafkaStreams.metrics(), a counter for *-total,
        // the tags as labels; metrics come and go with tasks, so the comparison is repeated until a scrape matches
        poll(Duration.ofSeconds(20), () -> {
            Map<String, String> expected = new TreeMap<>();
            Map<String, Set<String>> labels = new HashMap<>();
            a.controller().metrics().forEach((metric, value) -> {
                if (value.metricValue() instanceof Number) {
                    String family = ("kafka_streams_" + metric.group() + "_" + metric.name()).replaceAll("[^a-zA-Z0-9_:]", "_");
                    expected.putIfAbsent(family, metric.name().endsWith("-total") ? "counter" : "gauge");
                    metric.tags().keySet().forEach(tag -> labels.computeIfAbsent(family, f -> new TreeSet<>()).add(tag.replaceAll("[^a-zA-Z0-9_]", "_")));
                }
            });
            Map<String, String> kafka = new TreeMap<>();
            Map<String, PrometheusTextReader.Family> scraped = PrometheusTextReader.parse(metricsText(a));
            scraped.forEach((name, family) -> {
                if (name.startsWith("kafka_streams_")) {
                    kafka.put(name, family.type());
                }
            });
            if (!kafka.equals(expected)) {
                return null;
            }
            assertThat(expected).hasSizeGreaterThan(50).containsEntry("kafka_streams_stream_thread_metrics_process_total", "counter");
            labels.forEach((family, names) -> assertThat(scraped.get(family).labelNames()).as(family).isEqualTo(names));
            return true;
        });
    }

    @Test
    @Order(6)
    void listsComeInPagesWhicheverInstanceAnswersEachPage() throws Exception {
        List<String> projects = new ArrayList<>();
        String path = "/v1/projects?limit=3";
        int pages = 0;
        while (path != null) {
            JsonNode page = ok(pages % 2 == 0 ? a : b, path); // a cursor of a answered by b, and back
            assertThat(page.get("projects").size()).isLessThanOrEqualTo(3);
            page.get("projects").forEach(p -> projects.add(p.get("project").asText()));
            path = page.get("next").isNull() ? null : page.get("next").get("href").asText();
            pages++;
        }
        List<String> expected = new ArrayList<>(List.of("_admin")); // the operator's requests' project
        expected.addAll(PROJECTS);
        assertThat(projects).isEqualTo(expected);
        assertThat(pages).isEqualTo(3);

        JsonNode all = ok(b, "/v1/instances?limit=1000");
        assertThat(all.get("next").isNull()).isTrue();
        List<JsonNode> walked = new ArrayList<>();
        path = "/v1/instances?limit=5";
        while (path != null) {
            JsonNode page = ok(a, path);
            page.get("instances").forEach(walked::add);
            path = page.get("next").isNull() ? null : page.get("next").get("href").asText();
        }
        assertThat(walked).hasSize(2 * PROJECTS.size()).containsExactlyElementsOf(all.get("instances"));
        JsonNode first = ok(b, "/v1/projects/p3/instances?limit=1");
        assertThat(first.get("instances")).singleElement().satisfies(i -> assertThat(i.get("instance").asText()).isEqualTo("vm-1"));
        JsonNode second = ok(a, first.get("next").get("href").asText());
        assertThat(second.get("instances")).singleElement().satisfies(i -> assertThat(i.get("instance").asText()).isEqualTo("vm-2"));
        assertThat(second.get("next").isNull()).isTrue();
    }

    @Test
    @Order(6)
    void halfOpenRequestsHangNeitherTheApiNorItsHealthAndAreClosed() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", a.address().getPort());
        try (Slowloris headers = Slowloris.open(address, 64, "GET /v1/projects HTTP/1.1\r\nHost: a\r\nX-Slow: ");
             Slowloris body = Slowloris.open(address, 16, "POST /v1/projects HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n{")) {
            for (String path : List.of("/healthz", "/metrics", "/v1/projects")) {
                assertThat(Slowloris.get(address, path, Duration.ofSeconds(5))).as(path).isEqualTo(200);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            assertThat(body.closedBy(deadline)).isEqualTo(16);
            assertThat(headers.closedBy(deadline)).isEqualTo(64);
        }
    }

    @Test
    @Order(7)
    void aStoppedControllerSaysSoAndTheOtherAnswersForItsProjects() throws Exception {
        Map<String, JsonNode> before = new LinkedHashMap<>();
        for (String project : PROJECTS) {
            before.put(project, ok(a, "/v1/projects/" + project));
        }
        b.controller().close();
        Answer health = get(b, "/healthz");
        assertThat(health.status()).isEqualTo(503);
        assertThat(health.json().get("state").asText()).isEqualTo(KafkaStreams.State.NOT_RUNNING.name());
        assertError(b, "/v1/projects/p1", 503, "not RUNNING");

        // a takes every partition over (restored from the changelogs) and answers for all projects alone
        for (String project : PROJECTS) {
            JsonNode after = poll(Duration.ofSeconds(40), () -> {
                Answer answer = get(a, "/v1/projects/" + project);
                if (answer.status() == 503) {
                    assertThat(answer.json().get("error").asText()).containsAnyOf("not RUNNING", "moving", "not known", "cannot be reached");
                    return null;
                }
                return answer.json();
            });
            assertThat(after).isEqualTo(before.get(project));
        }
    }

    // ------------------------------------------------------------------ HTTP helpers

    record Answer(int status, String body, String contentType) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    static URI uri(ControllerServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    static Answer get(ControllerServer server, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri(server, path)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(), response.headers().firstValue("Content-Type").orElse(""));
    }

    static JsonNode ok(ControllerServer server, String path) throws Exception {
        Answer answer = get(server, path);
        assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith("application/json");
        return answer.json();
    }

    static void assertError(ControllerServer server, String path, int status, String message) throws Exception {
        Answer answer = get(server, path);
        assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(status);
        assertThat(answer.json().get("status").asInt()).isEqualTo(status);
        assertThat(answer.json().get("error").asText()).contains(message);
    }

    static String metricsText(ControllerServer server) throws Exception {
        Answer answer = get(server, "/metrics");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith("text/plain; version=0.0.4");
        return answer.body();
    }

    /** Every sample of a scrape by {@code name{labels}}, read with the strict reader of the format (it throws on any break of its rules). */
    static Map<String, Double> samples(String text) {
        return PrometheusTextReader.samples(text);
    }

    /**
     * The metrics table of docs/api.md: per documented family its type and label names (a label column's
     * parenthesized examples left out); the {@code kafka_streams_<group>_<name>} row is checked on its own.
     */
    static Map<String, Map.Entry<String, Set<String>>> documentedMetrics() throws Exception {
        Map<String, Map.Entry<String, Set<String>>> documented = new LinkedHashMap<>();
        Pattern row = Pattern.compile("\\| `(factnet_controller_[a-z_]+)` \\| (gauge|counter) \\|([^|]*)\\|.*");
        for (String line : Files.readAllLines(Path.of("..", "docs", "api.md"))) {
            Matcher matcher = row.matcher(line);
            if (matcher.matches()) {
                Set<String> labels = new TreeSet<>();
                Matcher label = Pattern.compile("`([a-z_]+)`").matcher(matcher.group(3).replaceAll("\\([^)]*\\)", ""));
                while (label.find()) {
                    labels.add(label.group(1));
                }
                documented.put(matcher.group(1), Map.entry(matcher.group(2), labels));
            }
        }
        return documented;
    }

    interface Probe<T> {
        T get() throws Exception;
    }

    /** Polls until the probe gives a value (deadline, no sleeping beyond short pauses between tries). */
    static <T> T poll(Duration timeout, Probe<T> probe) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            assertThat(System.nanoTime()).as("within " + timeout).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    static long number(String address) {
        long number = 0;
        for (String octet : address.split("\\.")) {
            number = number * 256 + Long.parseLong(octet);
        }
        return number;
    }

    // ------------------------------------------------------------------ Kafka helpers

    static Request request(String project, Object command) {
        return Request.newBuilder().setRequestId(UUID.randomUUID().toString()).setProject(project)
                .setSubmittedAt(Instant.now()).setCommand(command).build();
    }

    static Result result(String project, String what) {
        return results.get(idOf.get(project + "/" + what));
    }

    static KafkaProducer<String, Request> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), Topics.REQUESTS.keySerde().serializer(), Topics.REQUESTS.valueSerde(registry).serializer());
    }

    /** Sends a request on the topic its command travels on, remembering its id as project/what. */
    static void send(KafkaProducer<String, Request> producer, String project, String what, Object command) throws Exception {
        send(producer, project, what, command, null);
    }

    static void send(KafkaProducer<String, Request> producer, String project, String what, Object command, Requester by)
            throws Exception {
        Request request = request(project, command);
        request.setRequestedBy(by);
        idOf.put(project + "/" + what, request.getRequestId());
        producer.send(new ProducerRecord<>(RequestRoutes.topicOf(request).name(), RequestRoutes.keyOf(request), request)).get();
    }

    static KafkaConsumer<String, byte[]> resultsReader() {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.RESULTS.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** Reads results until every request sent so far has one. */
    static void awaitResults(KafkaConsumer<String, byte[]> reader) {
        RecordDecoder<Result> decoder = new RecordDecoder<>(Topics.RESULTS.valueDeserializer(registry));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!results.keySet().containsAll(idOf.values())) {
            assertThat(System.nanoTime()).as("results of every request").isLessThan(deadline);
            for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(100))) {
                Result result = decoder.value(record);
                results.put(result.getRequestId(), result);
            }
        }
    }
}
