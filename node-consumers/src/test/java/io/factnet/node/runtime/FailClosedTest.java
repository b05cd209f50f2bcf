package io.factnet.node.runtime;

import static io.factnet.node.Entries.floating;
import static io.factnet.node.Entries.group;
import static io.factnet.node.Entries.snat;
import static io.factnet.node.Entries.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.model.RoutingEntry;
import io.factnet.node.BrokenRegistry;
import io.factnet.node.exec.Command;
import io.factnet.node.routing.RoutingReconciler;
import io.factnet.node.routing.RoutingReconcilerTest;
import io.factnet.node.sim.SimulatedHost;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.serde.RecordDecoder;
import io.factnet.serde.WireFormat;
import io.factnet.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, item 3: an agent that cannot read its records (a schema deleted from the registry, the
 * registry away, corrupt bytes) never applies the partial state: the firewall's drop, the floating map
 * and the SNAT stay, it says why (status, ack), retries, and applies once it reads again. A node that
 * restarts without the registry enforces the last good state it kept, not an empty one.
 */
class FailClosedTest {
    static final TopicPartition PARTITION = new TopicPartition(Topics.NODE_ROUTING.name(), 0);

    @TempDir
    Path dir;
    InMemorySchemaRegistryClient store;
    BrokenRegistry registry;
    final Map<String, byte[]> records = new LinkedHashMap<>();
    final List<Request> acks = Collections.synchronizedList(new ArrayList<>());
    MockConsumer<String, byte[]> consumer;

    @BeforeEach
    void desiredState() {
        InMemorySchemaRegistryClient.dropScope("fail-closed");
        store = InMemorySchemaRegistryClient.scope("fail-closed");
        registry = new BrokenRegistry(store);
        put("snat/p1", snat("p1", "10.0.0.0/20"));
        put("group/p1/web", group("p1", "web", "10.0.1.0/24", tcp(22, 22, "0.0.0.0/0")));
        put("floating/a", floating("p1", "198.51.100.10", "10.0.1.5"));
        put("floating/b", floating("p1", "198.51.100.11", "10.0.1.6"));
    }

    void put(String resource, RoutingEntry entry) {
        records.put("r1/" + resource, Topics.NODE_ROUTING.valueSerde(store).serializer().serialize(PARTITION.topic(), entry));
    }

    static SimulatedHost node() {
        SimulatedHost sim = new SimulatedHost();
        sim.ip().addLink("pub0", "veth").addresses.add("198.51.100.1/24");
        return sim;
    }

    /** An agent as a restart makes it: a new consumer reading the partition from its start, a new decoder (no cached schemas). */
    NodeAgent<RoutingEntry> agent(SimulatedHost sim) {
        consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        consumer.updatePartitions(PARTITION.topic(), List.of(new PartitionInfo(PARTITION.topic(), 0, Node.noNode(), null, null)));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        consumer.updateEndOffsets(Map.of(PARTITION, (long) records.size()));
        List<Map.Entry<String, byte[]>> log = List.copyOf(records.entrySet());
        consumer.schedulePollTask(() -> {
            for (int i = 0; i < log.size(); i++) {
                consumer.addRecord(new ConsumerRecord<>(PARTITION.topic(), 0, i, log.get(i).getKey(), log.get(i).getValue()));
            }
        });
        AgentSettings settings = AgentSettings.defaults("r1", NodeRole.ROUTING).withRetry(Duration.ofMillis(20), Duration.ofMillis(100))
                .withLastGoodFile(dir.resolve("last-good/routing.avro"), Duration.ofSeconds(10));
        return new NodeAgent<>(settings, Topics.NODE_ROUTING, consumer,
                new RecordDecoder<>(Topics.NODE_ROUTING.valueDeserializer(registry)),
                new RoutingReconciler(sim.host(), dir.resolve("routing"), RoutingReconcilerTest.CONFIG), acks::add,
                System::currentTimeMillis).start();
    }

    static String ruleset(SimulatedHost sim) {
        return sim.run(Command.of("nft", "list", "table", "ip", "factnet")).stdout();
    }

    @Test
    void aRestartWithoutItsSchemaKeepsTheKernelAsItIsSaysWhyAndAppliesOnceTheSchemaIsBack() throws Exception {
        SimulatedHost sim = node();
        String before;
        try (NodeAgent<RoutingEntry> first = agent(sim)) {
            assertThat(eventually(() -> lastAck() != null && lastAck().getAppliedOffset() == 3)).isTrue();
            assertThat(first.status().problem()).isEmpty();
            before = ruleset(sim);
        }
        assertThat(before).contains("drop", "198.51.100.10 : 10.0.1.5", "10.0.0.0/20");
        Files.delete(dir.resolve("last-good/routing.avro")); // this case: no state kept on the node

        registry.lose(WireFormat.schemaId(records.get("r1/snat/p1")));
        acks.clear();
        try (NodeAgent<RoutingEntry> again = agent(sim)) {
            assertThat(eventually(() -> acks.size() >= 2)).as("acks of the failed reads").isTrue();
            AppliedAck ack = lastAck();
            assertThat(ack.getError()).startsWith("not ready: 4 record(s) of this node cannot be read")
                    .contains("\"snat/p1\" at offset 0", "Schema 1 not found", "nothing applied");
            assertThat(ack.getAppliedOffset()).as("nothing is reported applied").isEqualTo(-1);
            assertThat(ruleset(sim)).as("the kernel keeps its drop, floating map and SNAT").isEqualTo(before);
            assertThat(again.status().problem()).get().asString().contains("cannot be read");
            assertThat(again.status().replay().unreadable()).isEqualTo(4);
            assertThat(again.status().syncs().applies()).isZero();

            registry.heal();
            assertThat(eventually(() -> again.status().problem().isEmpty() && lastAck().getError() == null)).isTrue();
            assertThat(lastAck().getAppliedOffset()).isEqualTo(3);
            assertThat(ruleset(sim)).isEqualTo(before);
        }
    }

    @Test
    void aRebootedNodeWithoutTheRegistryEnforcesTheStateItKeptNotAnEmptyOne() throws Exception {
        SimulatedHost sim = node();
        String before;
        try (NodeAgent<RoutingEntry> first = agent(sim)) {
            assertThat(eventually(() -> lastAck() != null && lastAck().getAppliedOffset() == 3)).isTrue();
            before = ruleset(sim);
        }
        Path kept = dir.resolve("last-good/routing.avro");
        assertThat(Files.getPosixFilePermissions(kept)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        registry.down(true);
        SimulatedHost rebooted = node();
        acks.clear();
        try (NodeAgent<RoutingEntry> again = agent(rebooted)) {
            assertThat(eventually(() -> acks.size() >= 2)).isTrue();
            AppliedAck ack = lastAck();
            assertThat(ack.getError()).startsWith("not ready: 4 record(s)").contains("unreachable",
                    "the node keeps the last good state up to offset 3");
            assertThat(ack.getAppliedOffset()).isEqualTo(3);
            assertThat(ruleset(rebooted)).as("the kept state, not an empty table").isEqualTo(before);
            assertThat(again.status().problem()).isPresent();

            registry.heal();
            // the status clears before the clean ack is sent: wait for both
            assertThat(eventually(() -> again.status().problem().isEmpty() && lastAck().getError() == null)).isTrue();
            assertThat(ruleset(rebooted)).isEqualTo(before);
        }
    }

    @Test
    void aRebootedNodeThatCannotReadItsTopicAtAllEnforcesTheKeptStateAfterAWhile() {
        LastGoodState<RoutingEntry> kept = new LastGoodState<>(dir.resolve("last-good/routing.avro"), RoutingEntry.class);
        java.util.TreeMap<String, RoutingEntry> state = new java.util.TreeMap<>();
        state.put("snat/p1", snat("p1", "10.0.0.0/20"));
        state.put("floating/a", floating("p1", "198.51.100.10", "10.0.1.5"));
        kept.save(new LastGoodState.Snapshot<>(7, state));
        assertThat(kept.load()).get().satisfies(s -> assertThat(s.entries()).isEqualTo(state));

        // Kafka away: the partition's end is known, its records never come.
        MockConsumer<String, byte[]> stuck = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        stuck.updatePartitions(PARTITION.topic(), List.of(new PartitionInfo(PARTITION.topic(), 0, Node.noNode(), null, null)));
        stuck.updateBeginningOffsets(Map.of(PARTITION, 0L));
        stuck.updateEndOffsets(Map.of(PARTITION, 10L));
        SimulatedHost rebooted = node();
        AgentSettings settings = AgentSettings.defaults("r1", NodeRole.ROUTING)
                .withLastGoodFile(dir.resolve("last-good/routing.avro"), Duration.ofMillis(200));
        try (NodeAgent<RoutingEntry> agent = new NodeAgent<>(settings, Topics.NODE_ROUTING, stuck,
                new RecordDecoder<>(Topics.NODE_ROUTING.valueDeserializer(registry)),
                new RoutingReconciler(rebooted.host(), dir.resolve("routing"), RoutingReconcilerTest.CONFIG), acks::add,
                System::currentTimeMillis).start()) {
            // the apply is counted before its ack is sent: wait for the ack too
            assertThat(eventually(() -> agent.status().syncs().applies() == 1 && lastAck() != null && lastAck().getAppliedOffset() == 7)).isTrue();
            assertThat(ruleset(rebooted)).contains("198.51.100.10 : 10.0.1.5", "10.0.0.0/20");
            assertThat(agent.status().problem()).get().asString().isEqualTo("replaying its topic");
            assertThat(lastAck().getAppliedOffset()).isEqualTo(7);
            assertThat(lastAck().getError()).startsWith("not ready: the replay of its topic has not caught up after");
        }
    }

    @Test
    void aCorruptRecordKeepsTheLastGoodStateUntilALaterRecordReplacesIt() throws Exception {
        records.put("r1/floating/b", new byte[] {0, 0, 0, 0, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f});
        SimulatedHost sim = node();
        try (NodeAgent<RoutingEntry> agent = agent(sim)) {
            assertThat(eventually(() -> acks.size() >= 3)).as("it keeps retrying").isTrue();
            assertThat(lastAck().getError()).contains("\"floating/b\" at offset 3", "cannot decode");
            assertThat(agent.status().syncs().applies()).isZero();
            assertThat(sim.nft().table("ip", "factnet")).as("no partial state applied").isNull();
            assertThat(agent.status().problem()).isPresent();

            // The controller writes the resource again: the state is whole, and applied at once.
            byte[] good = Topics.NODE_ROUTING.valueSerde(store).serializer().serialize(PARTITION.topic(),
                    floating("p1", "198.51.100.11", "10.0.1.6"));
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(PARTITION.topic(), 0, 4, "r1/floating/b", good)));
            assertThat(eventually(() -> agent.status().problem().isEmpty() && lastAck().getAppliedOffset() == 4)).isTrue();
            assertThat(lastAck().getError()).isNull();
            assertThat(ruleset(sim)).contains("drop", "198.51.100.10 : 10.0.1.5", "198.51.100.11 : 10.0.1.6", "10.0.0.0/20");
        }
    }

    private AppliedAck lastAck() {
        synchronized (acks) {
            return acks.isEmpty() ? null : (AppliedAck) acks.get(acks.size() - 1).getCommand();
        }
    }

    private static boolean eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos(); // a bound for a loaded machine; a passing test returns as soon as it holds
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        return true;
    }
}
