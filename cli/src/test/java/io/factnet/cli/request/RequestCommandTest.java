package io.factnet.cli.request;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.cli.CliCapture;
import io.factnet.cli.Factnet;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.DefineSupernet;
import io.factnet.model.LeaseGranted;
import io.factnet.model.SetProjectQuota;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code factnet request} against a real broker, with {@link FakeController} answering as the
 * controller and a routing agent would: exit codes, --json output, topic routing, --wait-applied,
 * timeouts and user errors.
 */
class RequestCommandTest {
    private static final String REGISTRY = "mock://request-command-test";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static FakeController controller;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        TopicAdmin.ensureAll(kafka.bootstrapServers(), FakeController.PARTITIONS);
        controller = new FakeController(kafka.bootstrapServers(), InMemorySchemaRegistryClient.scope("request-command-test"));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (controller != null) {
            controller.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        InMemorySchemaRegistryClient.dropScope("request-command-test");
    }

    record Run(int exit, String out, String err) {
        JsonNode json() throws Exception {
            String[] lines = out.strip().split("\n");
            assertThat(lines).as(out).hasSize(1);
            return JSON.readTree(lines[0]);
        }
    }

    private static Run factnet(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (all.stream().noneMatch(a -> a.startsWith("--bootstrap-servers"))) {
            all.addAll(List.of("--bootstrap-servers", kafka.bootstrapServers()));
        }
        all.addAll(List.of("--schema-registry-url", REGISTRY));
        CliCapture run = CliCapture.run(all);
        return new Run(run.exit(), run.out(), run.err());
    }

    private static String id() {
        return UUID.randomUUID().toString();
    }

    @Test
    void anAcceptedResultExitsZeroAndPrintsOneJsonObjectWithTheAllocation() throws Exception {
        String id = id();
        Run run = factnet("request", "allocate-floating-ip", "--project", "p1", "--pool", "public",
                "--request-id", id, "--wait", "--json");

        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode result = run.json();
        assertThat(result.get("requestId").asText()).isEqualTo(id);
        assertThat(result.get("status").asText()).isEqualTo("ACCEPTED");
        assertThat(result.get("reason").asText()).isEqualTo("OK");
        assertThat(result.get("message").asText()).startsWith("allocated 203.0.113.");
        assertThat(result.get("address").asText()).matches("203\\.0\\.113\\.\\d+");
        assertThat(result.get("pool").asText()).isEqualTo("public");
        assertThat(result.get("touched").get(0).get("nodeId").asText()).isEqualTo(FakeController.NODE);
        assertThat(result.has("vlan")).as("unset allocation fields are left out").isFalse();

        FakeController.Arrival arrival = controller.arrival(id);
        assertThat(arrival.topic()).isEqualTo(Topics.REQUESTS.name());
        assertThat(arrival.key()).isEqualTo("p1");
        assertThat(arrival.request().getProject()).isEqualTo("p1");
    }

    @Test
    void theHumanOutputNamesTheStatusAndTheAllocation() {
        Run run = factnet("request", "allocate-floating-ip", "--project", "p1", "--pool", "public", "--wait");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("ACCEPTED AllocateFloatingIp [0-9a-f-]{36} \\(project p1\\)")
                .containsPattern("address +203\\.0\\.113\\.\\d+").contains("touched    node-1 ROUTING");
    }

    @Test
    void aRejectedResultExitsTwoWithTheReasonOnStderr() throws Exception {
        Run run = factnet("request", "allocate-floating-ip", "--project", "p1", "--pool", "empty", "--wait", "--json");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("POOL_EXHAUSTED").contains("pool empty has no free address");
        assertThat(run.json().get("status").asText()).isEqualTo("REJECTED");
        assertThat(run.json().get("reason").asText()).isEqualTo("POOL_EXHAUSTED");
    }

    @Test
    void adminAndNodeEventCommandsGoToTheirOwnTopicsUnderTheirKeys() throws Exception {
        String supernet = id();
        assertThat(factnet("request", "define-supernet", "--cidr", "10.0.0.0/8", "--request-id", supernet, "--wait").exit()).isZero();
        FakeController.Arrival pool = controller.arrival(supernet);
        assertThat(pool.topic()).isEqualTo(Topics.ADMIN_REQUESTS.name());
        assertThat(pool.key()).isEqualTo("_admin");
        assertThat(((DefineSupernet) pool.request().getCommand()).getBlockPrefix()).isEqualTo(20);

        String quota = id();
        Run submitted = factnet("request", "set-project-quota", "--project", "p2", "--floating-ips", "5", "--request-id", quota);
        assertThat(submitted.exit()).as(submitted.err()).isZero();
        assertThat(submitted.out()).startsWith("submitted SetProjectQuota " + quota + " for project p2 to factnet.admin-requests-");
        FakeController.Arrival quotaArrival = controller.arrival(quota);
        assertThat(quotaArrival.topic()).isEqualTo(Topics.ADMIN_REQUESTS.name());
        assertThat(quotaArrival.key()).isEqualTo("p2");
        assertThat(((SetProjectQuota) quotaArrival.request().getCommand()).getFloatingIps()).isEqualTo(5);
        assertThat(((SetProjectQuota) quotaArrival.request().getCommand()).getFixedIps()).isNull();

        String lease = id();
        JsonNode sent = factnet("request", "lease-granted", "--project", "p1", "--node-id", "n1", "--address", "10.0.0.5",
                "--mac", "fa:16:3e:00:00:05", "--request-id", lease, "--json").json();
        assertThat(sent.get("topic").asText()).isEqualTo(Topics.NODE_EVENTS.name());
        FakeController.Arrival leaseArrival = controller.arrival(lease);
        assertThat(leaseArrival.topic()).isEqualTo(Topics.NODE_EVENTS.name());
        assertThat(leaseArrival.partition()).isEqualTo(sent.get("partition").asInt());
        assertThat(leaseArrival.key()).isEqualTo("p1");
        assertThat(((LeaseGranted) leaseArrival.request().getCommand()).getHostname()).isNull();
    }

    @Test
    void waitAppliedWaitsForTheNodeToAckTheRequestsRecord() throws Exception {
        Run run = factnet("request", "allocate-floating-ip", "--project", "p1", "--pool", "public", "--wait-applied", "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode applied = run.json().get("applied");
        assertThat(applied).hasSize(1);
        assertThat(applied.get(0).get("nodeId").asText()).isEqualTo(FakeController.NODE);
        assertThat(applied.get(0).get("role").asText()).isEqualTo("ROUTING");
        assertThat(applied.get(0).get("topic").asText()).isEqualTo(Topics.NODE_ROUTING.name());
        assertThat(applied.get(0).get("partition").asInt()).isEqualTo(NodeKeys.partition(FakeController.NODE, FakeController.PARTITIONS));
        assertThat(applied.get(0).get("appliedOffset").asLong()).isGreaterThanOrEqualTo(applied.get(0).get("offset").asLong());
    }

    @Test
    void waitAppliedFollowsADeleteThroughItsTombstone() {
        Run run = factnet("request", "release-floating-ip", "--project", "p1", "--address", "203.0.113.99", "--wait-applied");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("applied    node-1 ROUTING");
    }

    @Test
    void anAckWithAnErrorIsReportedAndTheRequestIsNotApplied() {
        Run run = factnet("request", "allocate-floating-ip", "--project", "p1", "--pool", "broken", "--wait-applied",
                "--timeout", "3s");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("node-1 ROUTING failed to apply").contains("nft: Error: syntax error")
                .contains("was accepted but not applied within 3000 ms").doesNotContain("Exception");
    }

    @Test
    void anAckThatNamesAnotherResourceAsNotAppliedStillAppliesThisRequest() {
        Run run = factnet("request", "allocate-floating-ip", "--project", "p1", "--pool", "other-failed", "--wait-applied",
                "--timeout", "10s");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("applied    node-1 ROUTING");

        Run own = factnet("request", "allocate-floating-ip", "--project", "p1", "--pool", "own-failed", "--wait-applied",
                "--timeout", "3s");
        assertThat(own.exit()).isEqualTo(1);
        assertThat(own.err()).contains("node-1 ROUTING failed to apply", "dnsmasq failed", "was accepted but not applied");
    }

    @Test
    void noResultWithinTheTimeoutExitsOne() {
        // The timeout bounds the whole exchange, sending included: 4 s leaves room for a first produce
        // (metadata, producer id) on a loaded 2-core machine, where 1 s was sometimes spent before the wait began.
        Run run = factnet("request", "create-network", "--project", "silent", "--wait", "--timeout", "4s");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("no result for request").contains("within 4000 ms").doesNotContain("Exception");
    }

    @Test
    void noBrokerAtTheAddressIsOneClearLine() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Run run = factnet("request", "create-network", "--project", "p1", "--wait",
                "--bootstrap-servers", "127.0.0.1:" + closedPort);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("factnet: no Kafka broker at 127.0.0.1:" + closedPort + " (connection refused)");
    }

    @Test
    void aMissingRegistryIsOneClearLine() {
        CommandLine cli = Factnet.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("request", "create-network", "--project", "p1", "--bootstrap-servers", kafka.bootstrapServers(),
                "--property", "schema.registry.url=");
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("no schema registry: set --schema-registry-url or FACTNET_SCHEMA_REGISTRY_URL");
    }
}
