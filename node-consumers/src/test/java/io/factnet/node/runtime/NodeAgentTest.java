package io.factnet.node.runtime;

import static io.factnet.node.Entries.floating;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.model.RoutingEntry;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The runtime's failure path on Kafka's MockConsumer: a failed apply is acked with its error, retried in full, then acked clean. */
class NodeAgentTest {
    static final SchemaRegistryClient REGISTRY = InMemorySchemaRegistryClient.scope("node-agent-test");

    /** A reconciler that fails its first {@code failures} syncs and remembers how it was called. */
    static final class Flaky implements RoleReconciler<RoutingEntry> {
        final List<Boolean> verifies = Collections.synchronizedList(new ArrayList<>());
        volatile int failures;

        Flaky(int failures) {
            this.failures = failures;
        }

        @Override
        public NodeRole role() {
            return NodeRole.ROUTING;
        }

        @Override
        public SyncReport sync(SortedMap<String, RoutingEntry> desired, boolean verify) {
            verifies.add(verify);
            if (failures > 0) {
                failures--;
                throw new IllegalStateException("nft -f exited 1: Error: Could not process rule");
            }
            return new SyncReport(true, Map.of("entries", (long) desired.size()), List.of(), 0, 0);
        }
    }

    /** A reconciler that cannot apply one resource for its first {@code failures} syncs; the rest applies. */
    static final class PartlyFailing implements RoleReconciler<RoutingEntry> {
        volatile int failures;

        PartlyFailing(int failures) {
            this.failures = failures;
        }

        @Override
        public NodeRole role() {
            return NodeRole.ROUTING;
        }

        @Override
        public SyncReport sync(SortedMap<String, RoutingEntry> desired, boolean verify) {
            List<SyncReport.Rejection> failed = failures-- > 0 ? List.of(new SyncReport.Rejection("floating/a", "bridge br100 failed"))
                    : List.of();
            return new SyncReport(true, Map.of("entries", (long) desired.size()), List.of(), 0, 0, failed);
        }
    }

    @Test
    void oneEntryThatFailsHoldsBackOnlyItselfTheAckAdvancesAndNamesIt() {
        MockConsumer<String, byte[]> consumer = consumer(Map.of("r1/floating/a", 0L, "r1/floating/b", 1L));
        List<Request> acks = Collections.synchronizedList(new ArrayList<>());
        AgentSettings settings = AgentSettings.defaults("r1", NodeRole.ROUTING).withRetry(Duration.ofMillis(20), Duration.ofMillis(40));
        NodeAgent<RoutingEntry> agent = new NodeAgent<>(settings, Topics.NODE_ROUTING, consumer,
                new RecordDecoder<>(Topics.NODE_ROUTING.valueDeserializer(REGISTRY)), new PartlyFailing(1), acks::add,
                System::currentTimeMillis).start();
        try {
            assertThat(eventually(() -> acks.size() >= 2)).isTrue();
        } finally {
            agent.close();
        }
        AppliedAck partial = (AppliedAck) acks.get(0).getCommand();
        assertThat(partial.getAppliedOffset()).as("what was applied is acked").isEqualTo(1);
        assertThat(partial.getError()).startsWith("failed 1 entries (retrying): \"floating/a\": bridge br100 failed");
        assertThat(partial.getNotApplied()).containsExactly("floating/a");
        AppliedAck retried = (AppliedAck) acks.get(1).getCommand();
        assertThat(retried.getError()).isNull();
        assertThat(retried.getNotApplied()).isEmpty();
        assertThat(agent.status().syncs().consecutiveFailures()).isZero();
    }

    @Test
    void anAgentWhoseAppliesKeepFailingIsNotHealthy() {
        MockConsumer<String, byte[]> consumer = consumer(Map.of("r1/floating/a", 0L));
        Flaky reconciler = new Flaky(Integer.MAX_VALUE);
        AgentSettings settings = AgentSettings.defaults("r1", NodeRole.ROUTING).withRetry(Duration.ofMillis(5), Duration.ofMillis(10));
        NodeAgent<RoutingEntry> agent = new NodeAgent<>(settings, Topics.NODE_ROUTING, consumer,
                new RecordDecoder<>(Topics.NODE_ROUTING.valueDeserializer(REGISTRY)), reconciler, r -> { },
                System::currentTimeMillis).start();
        try {
            assertThat(eventually(() -> agent.status().syncs().failures() >= AgentStatus.UNHEALTHY_AFTER_FAILURES)).isTrue();
            assertThat(agent.status().problem()).get().asString()
                    .contains("applies failed in a row: apply failed: nft -f exited 1");
        } finally {
            agent.close();
        }
    }

    private static MockConsumer<String, byte[]> consumer(Map<String, Long> keys) {
        TopicPartition partition = new TopicPartition(Topics.NODE_ROUTING.name(), 0);
        MockConsumer<String, byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        consumer.updatePartitions(partition.topic(), List.of(new PartitionInfo(partition.topic(), 0, Node.noNode(), null, null)));
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.updateEndOffsets(Map.of(partition, (long) keys.size()));
        byte[] value = Topics.NODE_ROUTING.valueSerde(REGISTRY).serializer()
                .serialize(partition.topic(), floating("p1", "198.51.100.10", "10.0.1.5"));
        consumer.schedulePollTask(() -> keys.forEach((key, offset) ->
                consumer.addRecord(new ConsumerRecord<>(partition.topic(), 0, offset, key, value))));
        return consumer;
    }

    @Test
    void aFailedApplyIsAckedWithItsErrorAndRetriedInFullUntilItWorks() {
        TopicPartition partition = new TopicPartition(Topics.NODE_ROUTING.name(), NodeKeys.partition("r1", 1));
        MockConsumer<String, byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        consumer.updatePartitions(partition.topic(), List.of(new PartitionInfo(partition.topic(), 0, Node.noNode(), null, null)));
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.updateEndOffsets(Map.of(partition, 2L));
        byte[] value = Topics.NODE_ROUTING.valueSerde(REGISTRY).serializer()
                .serialize(partition.topic(), floating("p1", "198.51.100.10", "10.0.1.5"));
        consumer.schedulePollTask(() -> {
            consumer.addRecord(new ConsumerRecord<>(partition.topic(), 0, 0, "r1/floating/a", value));
            consumer.addRecord(new ConsumerRecord<>(partition.topic(), 0, 1, "other/floating/b", value));
        });
        List<Request> acks = Collections.synchronizedList(new ArrayList<>());
        Flaky reconciler = new Flaky(2);
        AgentSettings settings = AgentSettings.defaults("r1", NodeRole.ROUTING).withRetry(Duration.ofMillis(20), Duration.ofMillis(40));
        NodeAgent<RoutingEntry> agent = new NodeAgent<>(settings, Topics.NODE_ROUTING, consumer,
                new RecordDecoder<>(Topics.NODE_ROUTING.valueDeserializer(REGISTRY)), reconciler, acks::add,
                System::currentTimeMillis).start();
        try {
            assertThat(eventually(() -> acks.size() >= 3)).isTrue();
        } finally {
            agent.close();
        }
        List<AppliedAck> seen = acks.stream().map(r -> (AppliedAck) r.getCommand()).toList();
        assertThat(seen.get(0).getError()).startsWith("apply failed: nft -f exited 1");
        assertThat(seen.get(0).getAppliedOffset()).as("nothing applied yet").isEqualTo(-1);
        assertThat(seen.get(1).getError()).startsWith("apply failed");
        assertThat(seen.get(2).getError()).isNull();
        assertThat(seen.get(2).getAppliedOffset()).isEqualTo(1);
        assertThat(seen.get(2).getCounts()).containsEntry("entries", 1L);
        assertThat(reconciler.verifies.subList(0, 3)).as("every retry is a full sync").containsOnly(true);
        assertThat(agent.status().syncs().failures()).isEqualTo(2);
        assertThat(agent.status().syncs().lastError()).isNull();
    }

    private static boolean eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        return true;
    }
}
