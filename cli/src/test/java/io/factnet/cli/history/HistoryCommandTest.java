package io.factnet.cli.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.cli.CliCapture;
import io.factnet.client.RequestClient;
import io.factnet.controller.Controller;
import io.factnet.controller.ControllerConfig;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.Status;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeProcess;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.tunneling.TunnelingConfig;
import java.util.Optional;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.topics.RequestRoutes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code factnet history} against a real controller on the embedded broker: a project's requests in the controller's
 * order with their results, a repeated request id, a refusal, the time window, another project's requests left out,
 * the operators' channel.
 */
class HistoryCommandTest {
    private static final String SCOPE = "history-command-test";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static Controller controller;
    static Instant beforeTheLast;
    static String otherProjects;
    static NodeProcess node;
    static String floating;
    static String fixed;
    static int requests;

    @BeforeAll
    static void cloud() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", kafka.bootstrapServers());
        props.setProperty("schema.registry.url", "mock://" + SCOPE);
        props.setProperty("application.id", "history-command-test");
        props.setProperty("state.dir", dir.resolve("streams").toString());
        props.setProperty(ControllerConfig.IN_MEMORY_STORES, "true");
        props.setProperty(ControllerConfig.TOPIC_PARTITIONS, "2");
        controller = Controller.start(props);
        assertThat(controller.awaitRunning(Duration.ofSeconds(60))).isTrue();
        try (RequestClient client = new RequestClient(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                InMemorySchemaRegistryClient.scope(SCOPE), true, warning -> { })) {
            send(client, request(RequestRoutes.ADMIN_PROJECT, DefineVlanRange.newBuilder().setFirst(100).setLast(199).build()));
            send(client, request(RequestRoutes.ADMIN_PROJECT, DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build()));
            send(client, request(RequestRoutes.ADMIN_PROJECT, RegisterNode.newBuilder().setNodeId("n1")
                    .setRoles(List.of(NodeRole.values())).setPublicAddress("198.51.100.1").build()));
            send(client, request("p1", CreateNetwork.newBuilder().build()));
            Request group = request("p1", CreateSecurityGroup.newBuilder().setName("web").build());
            send(client, group);
            send(client, group); // sent again under the same id: answered with the first result, and one entry
            Request other = request("p2", CreateNetwork.newBuilder().build());
            otherProjects = other.getRequestId();
            send(client, other);
            send(client, request("p1", AllocateFixedIp.newBuilder().setInstance("vm1").setGroup("nope").build()));
            // Record timestamps are milliseconds: the moment is a whole millisecond, and the last request goes out in a
            // later one, else a request sent within the same millisecond would count as sent at the moment itself.
            beforeTheLast = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            while (!Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).isAfter(beforeTheLast)) {
                Thread.onSpinWait();
            }
            send(client, request("p1", AllocateFixedIp.newBuilder().setInstance("vm1").setGroup("web").build()));

            // p3, for `why`: an instance with a floating IP, realized by a render node that acks what it applied
            node = NodeProcess.build(renderNode(), Map.of("bootstrap.servers", kafka.bootstrapServers()),
                    InMemorySchemaRegistryClient.scope(SCOPE)).start();
            send(client, request(RequestRoutes.ADMIN_PROJECT, DefineFloatingPool.newBuilder().setPool("public")
                    .setRanges(List.of("203.0.113.10-203.0.113.20")).build()));
            send(client, request("p3", CreateNetwork.newBuilder().build()));
            send(client, request("p3", CreateSecurityGroup.newBuilder().setName("web").build()));
            fixed = send(client, request("p3", AllocateFixedIp.newBuilder().setInstance("db1").setGroup("web").build()))
                    .getAllocated().getAddress();
            floating = send(client, request("p3", AllocateFloatingIp.newBuilder().setPool("public").build())).getAllocated().getAddress();
            Result associated = client.send(request("p3", AssociateFloatingIp.newBuilder().setAddress(floating).setInstance("db1").build()),
                    RequestClient.Wait.APPLIED, Duration.ofSeconds(60)).result();
            assertThat(associated.getStatus()).isEqualTo(Status.ACCEPTED);
        }
    }

    static NodeConfig renderNode() {
        RoutingConfig routing = new RoutingConfig(Ipv4Address.parse("198.51.100.1"), new InterfaceName("eth0"),
                RoutingConfig.DEFAULT_METADATA_HOST, List.of(), RoutingConfig.Firewall.NFTABLES);
        BridgingConfig bridging = new BridgingConfig(BridgingConfig.VlanMode.TAGGED, Map.of("physnet1", new InterfaceName("eth1")));
        return new NodeConfig("n1", List.of(NodeRole.values()), List.of(NodeRole.values()), NodeConfig.Driver.RENDER,
                Optional.empty(), dir.resolve("n1"), routing, bridging, new TunnelingConfig("", TunnelingConfig.Implementation.AUTO),
                51820, 52819, Duration.ofMillis(50), Duration.ofSeconds(30));
    }

    private static Request request(String project, Object command) {
        return Request.newBuilder().setRequestId("history-test-" + ++requests).setProject(project)
                .setSubmittedAt(Instant.now()).setCommand(command).build();
    }

    private static Result send(RequestClient client, Request request) {
        return client.send(request, RequestClient.Wait.RESULT, Duration.ofSeconds(30)).result();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        InMemorySchemaRegistryClient.dropScope(SCOPE);
    }

    static CliCapture history(String... args) {
        return run("history", args);
    }

    static CliCapture run(String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command, "--bootstrap-servers", kafka.bootstrapServers(),
                "--schema-registry-url", "mock://" + SCOPE));
        all.addAll(List.of(args));
        return CliCapture.run(all);
    }

    static List<JsonNode> lines(CliCapture run) throws Exception {
        assertThat(run.exit()).as(run.err()).isZero();
        List<JsonNode> objects = new ArrayList<>();
        for (String line : run.out().strip().split("\n")) {
            objects.add(JSON.readTree(line));
        }
        return objects;
    }

    @Test
    void aProjectsRequestsInTheControllersOrderWithTheirResults() throws Exception {
        List<JsonNode> entries = lines(history("--project", "p1", "--json"));
        assertThat(entries).extracting(e -> e.get("command").asText())
                .containsExactly("CreateNetwork", "CreateSecurityGroup", "AllocateFixedIp", "AllocateFixedIp");
        assertThat(entries).extracting(e -> e.get("sequence").asLong()).isSorted().doesNotHaveDuplicates();
        assertThat(entries).extracting(e -> e.get("via").asText()).containsOnly("requests");
        assertThat(entries).extracting(e -> e.get("requestedBy").isNull()).as("sent to Kafka directly: nobody named").containsOnly(true);
        assertThat(entries.get(1).get("sends").asInt()).as("the group was sent twice under one id").isEqualTo(2);
        assertThat(entries).extracting(e -> e.get("status").asText()).containsExactly("ACCEPTED", "ACCEPTED", "REJECTED", "ACCEPTED");
        assertThat(entries.get(2).get("reason").asText()).isEqualTo("NOT_FOUND");
        assertThat(entries).extracting(e -> e.get("requestId").asText()).doesNotContain(otherProjects);
    }

    @Test
    void theWindowLeavesOutWhatCameAfterUntilOrBeforeSince() throws Exception {
        List<JsonNode> untilThen = lines(history("--project", "p1", "--json", "--until", beforeTheLast.toString()));
        assertThat(untilThen).extracting(e -> e.get("status").asText()).containsExactly("ACCEPTED", "ACCEPTED", "REJECTED");
        List<JsonNode> sinceThen = lines(history("--project", "p1", "--json", "--since", beforeTheLast.toString()));
        assertThat(sinceThen).extracting(e -> e.get("command").asText()).containsExactly("AllocateFixedIp");
        assertThat(sinceThen.get(0).get("status").asText()).isEqualTo("ACCEPTED");
        CliCapture none = history("--project", "p1", "--since", Instant.now().plusSeconds(60).toString());
        assertThat(none.exit()).isZero();
        assertThat(none.out()).startsWith("no requests of project p1 between");
    }

    @Test
    void theOperatorsRequestsComeByTheAdminChannelAndTheTableHasARowEach() {
        CliCapture run = history("--project", RequestRoutes.ADMIN_PROJECT);
        assertThat(run.exit()).as(run.err()).isZero();
        List<String> rows = run.out().strip().lines().toList();
        assertThat(rows.get(0)).startsWith("#").contains("SENT", "REQUEST", "COMMAND", "VIA", "RESULT", "MESSAGE");
        assertThat(rows.subList(1, rows.size())).hasSize(4).allMatch(row -> row.contains(" admin ") && row.contains("ACCEPTED"));
        assertThat(rows.get(1)).contains("DefineVlanRange");
    }

    @Test
    void whyAFloatingIpIsAsItIsTheRequestsThatMadeItAndTheNodeThatAppliedIt() throws Exception {
        List<JsonNode> runs = lines(run("why", floating, "--json"));
        JsonNode trail = runs.get(0);
        assertThat(trail.get("project").asText()).isEqualTo("p3");
        assertThat(trail.get("facts")).extracting(f -> f.get("topic").asText()).contains("factnet.state.floating-ips");
        assertThat(trail.get("requests")).extracting(r -> r.get("command").asText())
                .containsExactly("AllocateFloatingIp", "AssociateFloatingIp");
        JsonNode nat = null;
        for (JsonNode entry : trail.get("nodes")) {
            if (entry.get("resource").asText().equals("fip/" + floating)) {
                nat = entry;
            }
        }
        assertThat(nat).as("the routing node's NAT entry: " + trail.get("nodes")).isNotNull();
        assertThat(nat.get("nodeId").asText()).isEqualTo("n1");
        assertThat(nat.get("role").asText()).isEqualTo("ROUTING");
        assertThat(nat.get("requestId").asText()).isEqualTo(trail.get("requests").get(1).get("requestId").asText());
        assertThat(Instant.parse(nat.get("appliedAt").asText())).isAfterOrEqualTo(Instant.parse(nat.get("written").asText()));
    }

    @Test
    void whyAnInstanceIsAsItIsNamesItsAddressesRequestsAndTheNodesThatServeIt() {
        CliCapture run = run("why", "db1");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("db1 in project p3").contains("AllocateFixedIp", "AssociateFloatingIp")
                .contains("host/p3/" + fixed).contains("fip/" + floating).doesNotContain("not acknowledged yet");
        CliCapture unknown = run("why", "no-such-thing");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.err()).contains("no fact names no-such-thing");
    }

    @Test
    void aMomentThatIsNeitherAnInstantNorADurationIsOneClearLine() {
        CliCapture run = history("--project", "p1", "--since", "yesterday");
        assertThat(run.exit()).isNotZero();
        assertThat(run.err()).contains("neither an instant").doesNotContain("Exception");
    }
}
