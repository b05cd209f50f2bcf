package io.factnet.node;

import static io.factnet.node.Entries.bridge;
import static io.factnet.node.Entries.dhcpHost;
import static io.factnet.node.Entries.dhcpNetwork;
import static io.factnet.node.Entries.floating;
import static io.factnet.node.Entries.forward;
import static io.factnet.node.Entries.group;
import static io.factnet.node.Entries.peer;
import static io.factnet.node.Entries.snat;
import static io.factnet.node.Entries.tcp;
import static io.factnet.node.Entries.tunnel;
import static io.factnet.node.NodeTopicsWriter.change;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.NodeRole;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.net.InterfaceName;
import io.factnet.node.routing.RoutingReconcilerTest;
import io.factnet.node.runtime.KafkaAgents;
import io.factnet.node.sim.SimulatedHost;
import io.factnet.node.tunneling.TunnelingConfig;
import io.factnet.node.tunneling.WireGuardKeys;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NodeReplay} on a real broker: it renders exactly what a render-mode node writes for the same state. */
class NodeReplayTest {
    static final int PARTITIONS = 2;
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope("node-replay-test");

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        TopicAdmin.ensureAll(kafka.bootstrapServers(), PARTITIONS);
    }

    @AfterAll
    static void stop() {
        kafka.close();
        InMemorySchemaRegistryClient.dropScope("node-replay-test");
    }

    static NodeConfig config(String nodeId, Path stateDir, NodeRole... roles) {
        List<NodeRole> running = roles.length == 0 ? List.of(NodeRole.values()) : List.of(roles);
        return new NodeConfig(nodeId, running, running, NodeConfig.Driver.RENDER,
                Optional.empty(), stateDir, RoutingReconcilerTest.CONFIG,
                new BridgingConfig(BridgingConfig.VlanMode.TAGGED, Map.of("physnet1", InterfaceName.of("eth1"))),
                new TunnelingConfig("x", TunnelingConfig.Implementation.AUTO), 51820, 51829, Duration.ofMillis(50), Duration.ofHours(1));
    }

    /** Every role's records for {@code node}, with changes and deletes on the way, and a neighbour in the same partition. */
    static Map<NodeRole, Long> writeState(NodeTopicsWriter writer, String node) {
        String neighbour = IntStream.range(0, 100).mapToObj(i -> "m" + i)
                .filter(n -> NodeKeys.partition(n, PARTITIONS) == NodeKeys.partition(node, PARTITIONS)).findFirst().orElseThrow();
        String peer = WireGuardKeys.publicOf(WireGuardKeys.generatePrivate()).base64();
        Map<NodeRole, Long> last = new EnumMap<>(NodeRole.class);
        last.put(NodeRole.ROUTING, writer.write(List.of(
                change(Topics.NODE_ROUTING, node, "snat/p1", snat("p1", "10.0.0.0/20")),
                change(Topics.NODE_ROUTING, node, "group/p1/web", group("p1", "web", "10.0.1.0/24", tcp(22, 22, "0.0.0.0/0"))),
                change(Topics.NODE_ROUTING, node, "fip/198.51.100.10", floating("p1", "198.51.100.10", "10.0.1.5")),
                change(Topics.NODE_ROUTING, node, "fip/198.51.100.11", floating("p1", "198.51.100.11", "10.0.1.6")),
                change(Topics.NODE_ROUTING, node, "fip/198.51.100.10", floating("p1", "198.51.100.10", "10.0.1.7")),
                change(Topics.NODE_ROUTING, node, "fip/198.51.100.11", null),
                change(Topics.NODE_ROUTING, node, "vpn/p1", forward("p1", 51820, "198.51.100.1", 51820)),
                change(Topics.NODE_ROUTING, neighbour, "fip/198.51.100.77", floating("p9", "198.51.100.77", "10.9.0.5")))));
        last.put(NodeRole.ADDRESSING, writer.write(List.of(
                change(Topics.NODE_ADDRESSING, node, "net/p1", dhcpNetwork("p1", "br100", "10.0.0.0/20", "10.0.0.1", List.of("192.0.2.53"),
                        "novalocal", 3600)),
                change(Topics.NODE_ADDRESSING, node, "host/p1/10.0.1.5", dhcpHost("p1", "fa:16:3e:00:00:05", "vm1", "10.0.1.5")),
                change(Topics.NODE_ADDRESSING, node, "host/p1/10.0.1.7", dhcpHost("p1", "fa:16:3e:00:00:07", "vm3", "10.0.1.7")))));
        last.put(NodeRole.BRIDGING, writer.write(List.of(
                change(Topics.NODE_BRIDGING, node, "bridge/p1", bridge("p1", "br100", 100, "10.0.0.1/20")))));
        last.put(NodeRole.TUNNELING, writer.write(List.of(
                change(Topics.NODE_TUNNELING, node, "vpn/p1", tunnel("p1", "wg100", 51820, "10.0.15.1/24", "10.0.0.0/20",
                        peer(peer, "10.0.15.2/32"))))));
        return last;
    }

    @Test
    void rendersExactlyWhatARenderNodeWritesForTheSameState() throws Exception {
        Path agentDir = dir.resolve("agent");
        Path replayDir = dir.resolve("replay");
        try (NodeTopicsWriter writer = new NodeTopicsWriter(kafka.bootstrapServers(), registry, PARTITIONS, "replay-writer");
             NodeEventsReader events = new NodeEventsReader(kafka.bootstrapServers(), registry)) {
            Map<NodeRole, Long> last = writeState(writer, "n1");
            try (NodeProcess node = NodeProcess.build(config("n1", agentDir), Map.of("bootstrap.servers", kafka.bootstrapServers()),
                    registry).start()) {
                for (NodeRole role : NodeRole.values()) {
                    assertThat(events.awaitCleanAck("n1", role, last.get(role), WAIT).getNotApplied()).as(role.name()).isNullOrEmpty();
                }
            }
        }
        // The node's WireGuard key never leaves it; the replay makes its own unless one is there (as an agent would).
        Files.createDirectories(replayDir.resolve("tunneling"));
        Files.copy(agentDir.resolve("tunneling/private.key"), replayDir.resolve("tunneling/private.key"));

        List<String> bad = new ArrayList<>();
        Map<NodeRole, NodeReplay.Summary> summaries = new EnumMap<>(NodeRole.class);
        try (KafkaConsumer<String, byte[]> consumer = KafkaAgents.replayConsumer(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                "replay-test")) {
            NodeReplay.run(config("n1", replayDir), consumer, registry, listener(bad), WAIT).forEach(s -> summaries.put(s.role(), s));
        }

        assertThat(tree(replayDir)).isEqualTo(tree(agentDir));
        assertThat(bad).isEmpty();
        NodeReplay.Summary routing = summaries.get(NodeRole.ROUTING);
        assertThat(routing.nodeRecords()).isEqualTo(7);
        assertThat(routing.keys()).isEqualTo(4);
        assertThat(routing.entries()).containsExactlyInAnyOrderEntriesOf(Map.of("FloatingNat", 1L, "GroupFilter", 1L,
                "NetworkSnat", 1L, "VpnForward", 1L));
        assertThat(Files.readString(replayDir.resolve("routing/factnet.nft"))).contains("198.51.100.10 : 10.0.1.7")
                .doesNotContain("198.51.100.11").doesNotContain("198.51.100.77");
        assertThat(routing.files()).contains(Path.of("routing/factnet.nft"), Path.of("routing/commands.txt"));
        assertThat(summaries.get(NodeRole.ADDRESSING).entries()).containsExactlyInAnyOrderEntriesOf(Map.of("DhcpNetwork", 1L, "DhcpHost", 2L));
    }

    /**
     * A node that applied its state change by change (deltas: its factnet.nft is its last full script and
     * factnet-delta.nft its last delta) holds the same kernel as a replay that applies it in one go.
     */
    @Test
    void aNodeThatAppliedChangeByChangeHoldsTheSameKernelAsAReplay() throws Exception {
        Path agentDir = dir.resolve("delta-agent");
        String nodeKernel;
        try (NodeTopicsWriter writer = new NodeTopicsWriter(kafka.bootstrapServers(), registry, PARTITIONS, "delta-writer");
             NodeEventsReader events = new NodeEventsReader(kafka.bootstrapServers(), registry);
             NodeProcess node = NodeProcess.build(config("n3", agentDir), Map.of("bootstrap.servers", kafka.bootstrapServers()),
                     registry).start()) {
            long offset = writer.write(List.of(change(Topics.NODE_ROUTING, "n3", "snat/p1", snat("p1", "10.0.0.0/20"))));
            events.awaitAck("n3", NodeRole.ROUTING, offset, WAIT);
            for (int i = 10; i < 15; i++) {
                offset = writer.write(List.of(change(Topics.NODE_ROUTING, "n3", "fip/198.51.100." + i,
                        floating("p1", "198.51.100." + i, "10.0.1." + i))));
                events.awaitAck("n3", NodeRole.ROUTING, offset, WAIT);
            }
            offset = writer.write(List.of(change(Topics.NODE_ROUTING, "n3", "fip/198.51.100.11", null)));
            assertThat(events.awaitAck("n3", NodeRole.ROUTING, offset, WAIT).getError()).isNull();
            nodeKernel = node.kernelSnapshot().orElseThrow();
        }
        assertThat(Files.readString(agentDir.resolve("routing/factnet.nft"))).as("the last full script, not the state")
                .doesNotContain("198.51.100.14");
        Path replayDir = dir.resolve("delta-replay");
        SimulatedHost kernel = NodeProcess.simulatedKernel(config("n3", replayDir, NodeRole.ROUTING));
        try (KafkaConsumer<String, byte[]> consumer = KafkaAgents.replayConsumer(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                "replay-test")) {
            NodeReplay.run(config("n3", replayDir, NodeRole.ROUTING), consumer, registry, listener(new ArrayList<>()), WAIT, kernel);
        }
        String replayKernel = kernel.snapshot(NodeProcess.stateRoot(replayDir).toString());
        assertThat(nodeKernel).isEqualTo(replayKernel).contains("198.51.100.14").doesNotContain("198.51.100.11 ");
    }

    @Test
    void anUnreadableRecordIsReportedAndSkippedAndAnUnknownNodeIsAnEmptyState() throws Exception {
        try (NodeTopicsWriter writer = new NodeTopicsWriter(kafka.bootstrapServers(), registry, PARTITIONS, "bad-writer")) {
            writer.write(List.of(change(Topics.NODE_ADDRESSING, "n2", "net/p2", dhcpNetwork("p2", "br101", "10.0.16.0/20",
                    "10.0.16.1", List.of(), "novalocal", 3600))));
            writer.writeRaw(Topics.NODE_ADDRESSING, "n2", "net/p2", new byte[] {0, 0, 0, 0, 42, 1, 2});
        }
        List<String> bad = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaAgents.replayConsumer(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                "replay-test")) {
            NodeReplay.Summary summary = NodeReplay.run(config("n2", dir.resolve("n2"), NodeRole.ADDRESSING), consumer, registry,
                    listener(bad), WAIT).get(0);
            assertThat(bad).singleElement().asString().startsWith("n2/net/p2: ").contains("unknown schema id 42");
            assertThat(summary.badRecords()).isEqualTo(1);
            assertThat(summary.keys()).as("the network keeps its last good entry").isEqualTo(1);
            assertThat(Files.exists(dir.resolve("n2/addressing/br101/hosts"))).isTrue();

            NodeReplay.Summary empty = NodeReplay.run(config("ghost", dir.resolve("ghost"), NodeRole.ROUTING), consumer, registry,
                    listener(bad), WAIT).get(0);
            assertThat(empty.nodeRecords()).isZero();
            assertThat(empty.keys()).isZero();
            assertThat(Files.readString(dir.resolve("ghost/routing/factnet.nft"))).contains("table ip factnet")
                    .doesNotContain("elements");
            assertThat(NodeReplay.registration(consumer, registry, "ghost", WAIT)).isEmpty();
        }
    }

    private static NodeReplay.Listener listener(List<String> bad) {
        return new NodeReplay.Listener() {
            long lastDone = -1;

            @Override
            public void progress(TopicPartition partition, long done, long total) {
                assertThat(done).isBetween(lastDone, total);
                lastDone = done == total ? -1 : done;
            }

            @Override
            public void badRecord(String key, String reason) {
                bad.add(key + ": " + reason);
            }
        };
    }

    /** Every file below a folder, by relative path, with its content. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            // last-good/ is the agent's memory of its last complete state (ADR 0022), not something a replay renders.
            walk.filter(Files::isRegularFile).filter(file -> !root.relativize(file).startsWith("last-good")).forEach(file -> {
                try {
                    String text = Files.readString(file).replace(root.toString(), "<dir>");
                    if (file.getFileName().toString().equals("commands.txt")) {
                        // A node's agents run side by side: its addressing agent may try dnsmasq before the bridge is
                        // there, fail, and retry in full; the plan keeps the failed attempt ("# exit 1"). The routing
                        // agent applies rules and local routes side by side, in either order. The commands are the same.
                        text = text.lines().filter(line -> !line.contains("    # exit ")).sorted()
                                .collect(java.util.stream.Collectors.joining("\n"));
                    }
                    files.put(root.relativize(file).toString(), text);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return files;
    }
}
