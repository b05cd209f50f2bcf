package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.model.AddRule;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.Protocol;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topics;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code factnet replay} against the real controller on the embedded broker: the node's state the
 * controller wrote, rendered into a folder; progress, summary, JSON; an unreadable record; an unknown
 * node; the user's mistakes; the exit codes.
 */
class ReplayCommandTest {
    private static final String SCOPE = "replay-command-test";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 2;

    @TempDir
    static Path dir;
    static ControllerCloud cloud;
    static String fixed;
    static String floating;

    @BeforeAll
    static void cloud() throws Exception {
        cloud = ControllerCloud.start(dir, SCOPE, PARTITIONS, Map.of());
        fixed = cloud.instanceOnNodeN1();
        cloud.send("p1", AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(22).setToPort(22)
                .setSourceCidr("0.0.0.0/0").build());
        floating = cloud.send("p1", AllocateFloatingIp.newBuilder().setPool("public").build()).getAddress();
        cloud.send("p1", AssociateFloatingIp.newBuilder().setAddress(floating).setInstance("vm1").build());
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
    }

    record Run(int exit, String out, String err) {
        List<JsonNode> json() throws Exception {
            List<JsonNode> objects = new ArrayList<>();
            for (String line : out.strip().split("\n")) {
                objects.add(JSON.readTree(line));
            }
            return objects;
        }
    }

    private static Run factnet(String... args) {
        CliCapture run = cloud.factnet(args);
        return new Run(run.exit(), run.out(), run.err());
    }

    @Test
    void rendersWhatTheControllerPlacedOnTheNodeWithProgressAndAJsonSummary() throws Exception {
        Path to = dir.resolve("n1-json");
        Run run = factnet("replay", "--role", "routing,addressing", "--node-id", "n1", "--to", to.toString(), "--progress", "--json");

        assertThat(run.exit()).as(run.err()).isZero();
        List<JsonNode> summaries = run.json();
        assertThat(summaries).extracting(s -> s.get("role").asText()).containsExactly("ROUTING", "ADDRESSING");
        JsonNode routing = summaries.get(0);
        assertThat(routing.get("topic").asText()).isEqualTo(Topics.NODE_ROUTING.name());
        assertThat(routing.get("partition").asInt()).isEqualTo(NodeKeys.partition("n1", PARTITIONS));
        assertThat(routing.get("entries").get("FloatingNat").asLong()).isEqualTo(1);
        assertThat(routing.get("entries").get("NetworkSnat").asLong()).isEqualTo(1);
        assertThat(routing.get("entries").get("GroupFilter").asLong()).isEqualTo(1);
        assertThat(routing.get("badRecords").asLong()).isZero();
        assertThat(routing.get("files").toString()).contains("routing/factnet.nft", "routing/commands.txt");
        assertThat(summaries.get(1).get("entries").get("DhcpHost").asLong()).isEqualTo(1);

        assertThat(Files.readString(to.resolve("routing/factnet.nft"))).contains(floating + " : " + fixed, "tcp dport 22 accept",
                "snat to 198.51.100.1");
        assertThat(Files.readString(to.resolve("addressing/br100/hosts"))).contains("," + fixed + "\n");
        assertThat(Files.readString(to.resolve(ReplayCommand.KERNEL_FILE))).as("what a render node serves at /kernel")
                .contains("# nftables", floating + " : " + fixed, "# processes", "--dhcp-hostsfile=<state>/addressing/br100/hosts");
        assertThat(run.err()).containsPattern("replaying factnet\\.node\\.routing-\\d \\[#{30}\\] (\\d+)/\\1 offsets")
                .containsPattern("replaying factnet\\.node\\.addressing-\\d \\[#{30}\\] (\\d+)/\\1 offsets");
    }

    @Test
    void printsAHumanSummaryAndNoBarWhenStderrIsNotATerminal() {
        Path to = dir.resolve("n1-human");
        Run run = factnet("replay", "--role", "bridging", "--node-id", "n1", "--to", to.toString(), "--vlan-mode", "untagged");

        assertThat(run.exit()).as(run.err()).isZero();
        // the network's bridge, the port of its one instance, which the bridging node watches (ADR 0031) and guards with
        // its group's filter (ADR 0035)
        assertThat(run.out()).containsPattern("bridging of node n1 from factnet\\.node\\.bridging-\\d: \\d+ records read, \\d+ of this node "
                + "\\(0 unreadable, skipped\\), 3 keys").contains("entries  BridgeNetwork 1, GroupFilter 1, InstancePort 1",
                "bridging/links.batch", "bridging/ports.nft");
        assertThat(run.err()).isEmpty();

        Run tagged = factnet("replay", "--role", "bridging", "--node-id", "n1", "--to", dir.resolve("n1-tagged").toString());
        assertThat(tagged.exit()).as("a node set up as this one refuses the network too").isEqualTo(2);
        assertThat(tagged.out()).contains("refused  \"bridge/p1\": ", "physnet1");
        assertThat(tagged.err()).contains("1 entries were refused by the render");
    }

    @Test
    void rendersTheIptablesModeOfANodeSetUpSo() throws Exception {
        Path to = dir.resolve("n1-iptables");
        Run run = factnet("replay", "--role", "routing", "--node-id", "n1", "--to", to.toString(), "--firewall", "iptables");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(Files.exists(to.resolve("routing/factnet.nft"))).isFalse();
        assertThat(Files.readString(to.resolve("routing/factnet.iptables"))).contains("*nat", "-d " + floating, "--to-destination " + fixed);
    }

    @Test
    void anUnreadableRecordIsReportedSkippedAndExitsTwo() throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", cloud.kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.NODE_ROUTING.name(), NodeKeys.partition("n3", PARTITIONS), "n3/fip/x",
                    new byte[] {0, 0, 0, 0, 99, 1})).get();
        }
        Run run = factnet("replay", "--role", "routing", "--node-id", "n3", "--to", dir.resolve("n3").toString());

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("skipped", "unknown schema id 99", "(key \"n3/fip/x\")",
                "node n3 is not registered", "1 records could not be read").doesNotContain("Exception");
        assertThat(run.out()).contains("1 of this node (1 unreadable, skipped), 0 keys");
    }

    @Test
    void anUnknownNodeIsAnEmptyStateAClearMessageAndExitThree() throws Exception {
        Path to = dir.resolve("ghost");
        Run run = factnet("replay", "--role", "routing", "--node-id", "ghost", "--to", to.toString());

        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("node ghost has no desired state in factnet.node.routing-", "unknown node");
        assertThat(Files.readString(to.resolve("routing/factnet.nft"))).contains("table ip factnet").doesNotContain("elements");
    }

    @Test
    void aFolderInUseOrNoBrokerIsOneClearLineAndExitOne() throws Exception {
        Path used = dir.resolve("used");
        Files.createDirectories(used.resolve("routing"));
        Files.writeString(used.resolve("routing/factnet.nft"), "old");
        Run inUse = factnet("replay", "--role", "routing", "--node-id", "n1", "--to", used.toString());
        assertThat(inUse.exit()).isEqualTo(1);
        assertThat(inUse.err().strip()).startsWith("factnet: ").contains("is not empty").doesNotContain("\n");

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Run noBroker = factnet("replay", "--role", "routing", "--node-id", "n1", "--to", dir.resolve("nb").toString(),
                "--bootstrap-servers", "127.0.0.1:" + closedPort);
        assertThat(noBroker.exit()).isEqualTo(1);
        assertThat(noBroker.err().strip()).startsWith("factnet: no Kafka broker at 127.0.0.1:" + closedPort).doesNotContain("\n");

        Run badRole = factnet("replay", "--role", "routeing", "--node-id", "n1", "--to", dir.resolve("br").toString());
        assertThat(badRole.exit()).isEqualTo(1);
        assertThat(badRole.err()).contains("--role routeing is not one of");
    }
}
