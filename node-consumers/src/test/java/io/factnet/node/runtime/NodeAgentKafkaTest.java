package io.factnet.node.runtime;

import static io.factnet.node.Entries.bridge;
import static io.factnet.node.Entries.dhcpHost;
import static io.factnet.node.Entries.dhcpNetwork;
import static io.factnet.node.Entries.floating;
import static io.factnet.node.Entries.peer;
import static io.factnet.node.Entries.tunnel;
import static io.factnet.node.Entries.group;
import static io.factnet.node.Entries.snat;
import static io.factnet.node.Entries.tcp;
import static io.factnet.node.NodeTopicsWriter.change;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.http.PrometheusTextReader;
import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import io.factnet.model.RoutingEntry;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeMetrics;
import io.factnet.node.NodeProcess;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.net.InterfaceName;
import io.factnet.node.tunneling.TunnelingConfig;
import io.factnet.node.tunneling.WireGuardKeys;
import java.nio.file.Files;
import java.util.Optional;
import io.factnet.node.NodeEventsReader;
import io.factnet.node.NodeTopicsWriter;
import io.factnet.node.exec.Command;
import io.factnet.net.Ipv4Address;
import io.factnet.node.routing.RoutingReconciler;
import io.factnet.node.routing.RoutingReconcilerTest;
import io.factnet.node.sim.SimulatedHost;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent runtime on a real broker: replay, node filtering, bad records, batching, acks, restart. */
class NodeAgentKafkaTest {
    static final int PARTITIONS = 2;
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope("node-agent-kafka-test");

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        TopicAdmin.ensureAll(kafka.bootstrapServers(), PARTITIONS);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    NodeAgent<RoutingEntry> agent(SimulatedHost sim, KafkaNodeEvents events) {
        AgentSettings settings = AgentSettings.defaults("r1", NodeRole.ROUTING).withDebounce(Duration.ofMillis(300));
        RoutingReconciler reconciler = new RoutingReconciler(sim.host(), dir.resolve("state/routing"), RoutingReconcilerTest.CONFIG);
        return KafkaAgents.build(settings, Topics.NODE_ROUTING, Map.of("bootstrap.servers", kafka.bootstrapServers()),
                registry, reconciler, events, System::currentTimeMillis);
    }

    @Test
    void replaysItsPartitionAppliesInBatchesAcksAndComesBackToTheSameState() {
        String neighbour = IntStream.range(0, 100).mapToObj(i -> "n" + i)
                .filter(n -> NodeKeys.partition(n, PARTITIONS) == NodeKeys.partition("r1", PARTITIONS)).findFirst().orElseThrow();
        SimulatedHost sim = new SimulatedHost();
        sim.ip().addLink("pub0", "veth");
        try (NodeTopicsWriter writer = new NodeTopicsWriter(kafka.bootstrapServers(), registry, PARTITIONS, "test-writer");
             NodeEventsReader acks = new NodeEventsReader(kafka.bootstrapServers(), registry);
             KafkaNodeEvents events = new KafkaNodeEvents(Map.of("bootstrap.servers", kafka.bootstrapServers()), registry, "t")) {
            writer.write(List.of(
                    change(Topics.NODE_ROUTING, "r1", "snat/p1", snat("p1", "10.0.0.0/20")),
                    change(Topics.NODE_ROUTING, "r1", "group/p1/web", group("p1", "web", "10.0.1.0/24", tcp(22, 22, "0.0.0.0/0"))),
                    change(Topics.NODE_ROUTING, "r1", "floating/a", floating("p1", "198.51.100.10", "10.0.1.5")),
                    change(Topics.NODE_ROUTING, neighbour, "floating/b", floating("p9", "198.51.100.77", "10.9.0.5"))));
            writer.writeRaw(Topics.NODE_ROUTING, "r1", "garbage", new byte[] {0, 0, 0, 0, 42, 1, 2});
            long last = writer.write(List.of(change(Topics.NODE_ROUTING, "r1", "floating/c",
                    floating("p1", "198.51.100.12", "10.0.1.6"))));

            // A record of the node that cannot be read: the state is partial, nothing is applied (ADR 0022).
            NodeAgent<RoutingEntry> agent = agent(sim, events).start();
            AppliedAck notReady = (AppliedAck) acks.await(r -> r.getCommand() instanceof AppliedAck a && a.getNodeId().equals("r1")
                    && a.getError() != null, WAIT).getCommand();
            assertThat(notReady.getError()).startsWith("not ready: 1 record(s) of this node cannot be read, the oldest \"garbage\"")
                    .contains("nothing applied");
            assertThat(notReady.getAppliedOffset()).isEqualTo(-1);
            assertThat(sim.nft().table("ip", "factnet")).isNull();
            assertThat(agent.status().problem()).isPresent();

            // The controller deletes the resource (or writes it again): the state is whole, and applied.
            last = writer.write(List.of(change(Topics.NODE_ROUTING, "r1", "garbage", null)));
            AppliedAck first = acks.awaitAck("r1", NodeRole.ROUTING, last, WAIT);
            assertThat(first.getError()).isNull();
            assertThat(first.getCounts()).containsEntry("floatingIps", 2L).containsEntry("groups", 1L);
            assertThat(agent.status().replay().badRecords()).isEqualTo(1);
            assertThat(agent.status().problem()).isEmpty();
            assertThat(dnat(sim)).containsExactly("198.51.100.10 : 10.0.1.5", "198.51.100.12 : 10.0.1.6");

            // A burst of 1000 changes, committed at once, is one apply.
            long appliesBefore = agent.status().syncs().applies();
            List<NodeTopicsWriter.Change<RoutingEntry>> burst = new ArrayList<>();
            Ipv4Address base = Ipv4Address.parse("198.51.100.0");
            for (int i = 0; i < 1000; i++) {
                burst.add(change(Topics.NODE_ROUTING, "r1", "floating/burst" + i,
                        floating("p1", base.plus(256 + i).toString(), Ipv4Address.parse("10.0.2.0").plus(i % 250 + 1).toString())));
            }
            last = writer.write(burst);
            assertThat(acks.awaitAck("r1", NodeRole.ROUTING, last, WAIT).getCounts()).containsEntry("floatingIps", 1002L);
            assertThat(agent.status().syncs().applies()).isEqualTo(appliesBefore + 1);

            // A tombstone deletes; a hostile entry is reported in the ack and the rest still applies.
            last = writer.write(List.of(change(Topics.NODE_ROUTING, "r1", "floating/a", null),
                    change(Topics.NODE_ROUTING, "r1", "floating/evil", floating("p1", "198.51.100.13\nflush ruleset", "10.0.1.7"))));
            AppliedAck afterDelete = acks.awaitAck("r1", NodeRole.ROUTING, last, WAIT);
            assertThat(afterDelete.getError()).contains("rejected 1 entries", "floating/evil").doesNotContain("\n");
            assertThat(afterDelete.getNotApplied()).containsExactly("floating/evil");
            assertThat(afterDelete.getCounts()).containsEntry("floatingIps", 1001L);
            assertThat(dnat(sim)).doesNotContain("198.51.100.10 : 10.0.1.5").hasSize(1001);

            // Replay: the agent stops and a new one (no memory) comes back to the same kernel state.
            String listing = sim.run(Command.of("nft", "list", "table", "ip", "factnet")).stdout();
            List<String> routes = RoutingReconcilerTest.floatingRoutes(sim);
            agent.close();
            int acksBefore = acks.acks("r1", NodeRole.ROUTING).size();
            NodeAgent<RoutingEntry> again = agent(sim, events).start();
            acks.await(r -> acks.acks("r1", NodeRole.ROUTING).size() > acksBefore, WAIT);
            assertThat(again.status().syncs().applies()).as("applied once after the restart").isEqualTo(1);
            assertThat(again.status().replay().recordsRead()).isGreaterThanOrEqualTo(1007);
            assertThat(sim.run(Command.of("nft", "list", "table", "ip", "factnet")).stdout()).isEqualTo(listing);
            assertThat(RoutingReconcilerTest.floatingRoutes(sim)).isEqualTo(routes);
            assertThat(RoutingReconcilerTest.addressesIn(routes)).isEqualTo(1001);
            again.close();
        }
    }

    @Test
    void aRenderNodeRegistersAndWritesEveryRolesFilesAndCommandPlan() throws Exception {
        Path state = dir.resolve("render-node");
        NodeConfig config = new NodeConfig("render1", List.of(NodeRole.values()), List.of(NodeRole.values()), NodeConfig.Driver.RENDER, Optional.empty(),
                state, RoutingReconcilerTest.CONFIG, new BridgingConfig(BridgingConfig.VlanMode.TAGGED,
                Map.of("physnet1", InterfaceName.of("eth1"))), new TunnelingConfig("x", TunnelingConfig.Implementation.AUTO),
                51820, 51829, Duration.ofMillis(50), Duration.ofSeconds(30));
        String peer = WireGuardKeys.publicOf(WireGuardKeys.generatePrivate()).base64();
        try (NodeTopicsWriter writer = new NodeTopicsWriter(kafka.bootstrapServers(), registry, PARTITIONS, "render-writer");
             NodeEventsReader events = new NodeEventsReader(kafka.bootstrapServers(), registry)) {
            Map<NodeRole, Long> offsets = Map.of(
                    NodeRole.ROUTING, writer.write(List.of(
                            change(Topics.NODE_ROUTING, "render1", "snat", snat("p1", "10.0.0.0/20")),
                            change(Topics.NODE_ROUTING, "render1", "fip", floating("p1", "198.51.100.10", "10.0.1.5")))),
                    NodeRole.ADDRESSING, writer.write(List.of(
                            change(Topics.NODE_ADDRESSING, "render1", "net", dhcpNetwork("p1", "br100", "10.0.0.0/20", "10.0.0.1",
                                    List.of(), "novalocal", 3600)),
                            change(Topics.NODE_ADDRESSING, "render1", "vm1", dhcpHost("p1", "fa:16:3e:00:00:05", "vm1", "10.0.1.5")))),
                    NodeRole.BRIDGING, writer.write(List.of(
                            change(Topics.NODE_BRIDGING, "render1", "br", bridge("p1", "br100", 100, "10.0.0.1/20")))),
                    NodeRole.TUNNELING, writer.write(List.of(
                            change(Topics.NODE_TUNNELING, "render1", "vpn", tunnel("p1", "vpn100", 51820, "172.16.100.1/24",
                                    "10.0.0.0/20", peer(peer, "172.16.100.2/32"))))));
            try (NodeProcess node = NodeProcess.build(config, Map.of("bootstrap.servers", kafka.bootstrapServers()), registry)
                    .start()) {
                // the node does not register itself on node events (refused there): its registration is for an operator
                RegisterNode registered = node.registration();
                assertThat(registered.getRoles()).containsExactly(NodeRole.values());
                assertThat(registered.getPublicAddress()).isEqualTo("198.51.100.1");
                assertThat(registered.getPhysicalNetworks()).containsExactly("physnet1");
                AppliedAck tunneling = null;
                for (NodeRole role : NodeRole.values()) {
                    // addressing may ack with an error first (its bridge or the bridge's gateway address not there yet), then retry
                    AppliedAck ack = events.awaitCleanAck("render1", role, offsets.get(role), WAIT);
                    assertThat(ack.getNotApplied()).as(role.name()).isNullOrEmpty();
                    tunneling = role == NodeRole.TUNNELING ? ack : tunneling;
                }
                assertThat(tunneling.getPublicKey()).hasSize(44).isEqualTo(registered.getPublicKey());
                assertThat(Files.readString(state.resolve("routing/factnet.nft"))).contains("198.51.100.10 : 10.0.1.5");
                assertThat(Files.readString(state.resolve("routing/commands.txt"))).contains("nft -f " + state.resolve("routing/factnet.nft"));
                assertThat(Files.readString(state.resolve("addressing/br100/hosts"))).isEqualTo("fa:16:3e:00:00:05,vm1,10.0.1.5\n");
                // the bridge first (the bridging agent may make it a moment later: then a retry), then dnsmasq
                assertThat(Files.readString(state.resolve("addressing/commands.txt"))).startsWith("dnsmasq --version\ndhcp_release --version    # exit 1\nip link show dev br100")
                        .contains("\ndnsmasq --conf-file=/dev/null");
                assertThat(Files.readString(state.resolve("bridging/links.batch"))).contains("link add link eth1 name vlan100 type vlan id 100");
                assertThat(Files.readString(state.resolve("tunneling/xvpn100.conf"))).contains("PublicKey = " + peer)
                        .doesNotContain(tunneling.getPublicKey());
                assertThat(node.simulated().orElseThrow().wireguard().device("xvpn100").peers).containsKey(peer);
                assertThat(node.crash()).isEmpty();

                int port;
                try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                    port = free.getLocalPort();
                }
                try (NodeMetrics metrics = NodeMetrics.serve(NodeMetrics.DEFAULT_HOST, port, node)) {
                    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                    String text = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                    assertThat(PrometheusTextReader.samples(text)).containsEntry("factnet_node_caught_up{node=\"render1\",role=\"routing\"}", 1.0)
                            .containsEntry("factnet_node_entries{kind=\"floatingIps\",node=\"render1\",role=\"routing\"}", 1.0)
                            .containsEntry("factnet_node_failures_total{node=\"render1\",role=\"tunneling\"}", 0.0);
                    java.net.URI health = java.net.URI.create("http://127.0.0.1:" + port + "/health");
                    assertThat(http.send(java.net.http.HttpRequest.newBuilder(health).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

                    // A record it cannot read: /health 503 with the reason, the kernel as it was, the metric says it.
                    String ruleset = Files.readString(state.resolve("routing/factnet.nft"));
                    writer.writeRaw(Topics.NODE_ROUTING, "render1", "fip", new byte[] {0, 0, 0, 0x7f, 1, 2});
                    java.net.http.HttpResponse<String> sick = null;
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while ((sick == null || sick.statusCode() != 503) && System.nanoTime() < deadline) {
                        sick = http.send(java.net.http.HttpRequest.newBuilder(health).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    }
                    assertThat(sick.statusCode()).isEqualTo(503);
                    assertThat(sick.body()).startsWith("not ready\nrouting: 1 record(s) of this node cannot be read, the oldest \"fip\"");
                    assertThat(PrometheusTextReader.samples(http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body()))
                            .containsEntry("factnet_node_unreadable_records{node=\"render1\",role=\"routing\"}", 1.0)
                            .containsEntry("factnet_node_ready{node=\"render1\",role=\"routing\"}", 0.0);
                    assertThat(Files.readString(state.resolve("routing/factnet.nft"))).isEqualTo(ruleset);
                    assertThat(Files.exists(NodeProcess.lastGoodFile(state, NodeRole.ROUTING))).isTrue();
                }
            }
        }
    }

    private static List<String> dnat(SimulatedHost sim) {
        return List.copyOf(sim.nft().table("ip", "factnet").sets.get("floating_dnat").elements);
    }
}
