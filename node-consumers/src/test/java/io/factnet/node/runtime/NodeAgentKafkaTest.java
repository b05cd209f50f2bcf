package io.factnet.node.runtime;

import static io.factnet.node.Entries.floating;
import static io.factnet.node.Entries.group;
import static io.factnet.node.Entries.snat;
import static io.factnet.node.Entries.tcp;
import static io.factnet.node.NodeTopicsWriter.change;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRole;
import io.factnet.model.RoutingEntry;
import io.factnet.node.NodeEventsReader;
import io.factnet.node.NodeTopicsWriter;
import io.factnet.node.exec.Command;
import io.factnet.node.net.Ipv4Address;
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
import org.apache.kafka.clients.admin.Admin;
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
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            TopicAdmin.ensure(admin, Topics.all(), PARTITIONS, (short) 1);
        }
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

            NodeAgent<RoutingEntry> agent = agent(sim, events).start();
            AppliedAck first = acks.awaitAck("r1", NodeRole.ROUTING, last, WAIT);
            assertThat(first.getError()).isNull();
            assertThat(first.getCounts()).containsEntry("floatingIps", 2L).containsEntry("groups", 1L);
            assertThat(agent.status().badRecords()).isEqualTo(1);
            assertThat(dnat(sim)).containsExactly("198.51.100.10 : 10.0.1.5", "198.51.100.12 : 10.0.1.6");

            // A burst of 1000 changes, committed at once, is one apply.
            long appliesBefore = agent.status().applies();
            List<NodeTopicsWriter.Change<RoutingEntry>> burst = new ArrayList<>();
            Ipv4Address base = Ipv4Address.parse("198.51.100.0");
            for (int i = 0; i < 1000; i++) {
                burst.add(change(Topics.NODE_ROUTING, "r1", "floating/burst" + i,
                        floating("p1", base.plus(256 + i).toString(), Ipv4Address.parse("10.0.2.0").plus(i % 250 + 1).toString())));
            }
            last = writer.write(burst);
            assertThat(acks.awaitAck("r1", NodeRole.ROUTING, last, WAIT).getCounts()).containsEntry("floatingIps", 1002L);
            assertThat(agent.status().applies()).isEqualTo(appliesBefore + 1);

            // A tombstone deletes; a hostile entry is reported in the ack and the rest still applies.
            last = writer.write(List.of(change(Topics.NODE_ROUTING, "r1", "floating/a", null),
                    change(Topics.NODE_ROUTING, "r1", "floating/evil", floating("p1", "198.51.100.13\nflush ruleset", "10.0.1.7"))));
            AppliedAck afterDelete = acks.awaitAck("r1", NodeRole.ROUTING, last, WAIT);
            assertThat(afterDelete.getError()).contains("rejected 1 entries", "floating/evil").doesNotContain("\n");
            assertThat(afterDelete.getCounts()).containsEntry("floatingIps", 1001L);
            assertThat(dnat(sim)).doesNotContain("198.51.100.10 : 10.0.1.5").hasSize(1001);

            // Replay: the agent stops and a new one (no memory) comes back to the same kernel state.
            String listing = sim.run(Command.of("nft", "list", "table", "ip", "factnet")).stdout();
            List<String> addresses = List.copyOf(sim.ip().links().get("pub0").addresses);
            agent.close();
            int acksBefore = acks.acks("r1", NodeRole.ROUTING).size();
            NodeAgent<RoutingEntry> again = agent(sim, events).start();
            acks.await(r -> acks.acks("r1", NodeRole.ROUTING).size() > acksBefore, WAIT);
            assertThat(again.status().applies()).as("applied once after the restart").isEqualTo(1);
            assertThat(again.status().recordsRead()).isGreaterThanOrEqualTo(1006);
            assertThat(sim.run(Command.of("nft", "list", "table", "ip", "factnet")).stdout()).isEqualTo(listing);
            assertThat(sim.ip().links().get("pub0").addresses).isEqualTo(addresses);
            again.close();
        }
    }

    private static List<String> dnat(SimulatedHost sim) {
        return List.copyOf(sim.nft().table("ip", "factnet").sets.get("floating_dnat").elements);
    }
}
