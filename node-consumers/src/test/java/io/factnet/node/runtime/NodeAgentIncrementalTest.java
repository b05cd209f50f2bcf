package io.factnet.node.runtime;

import static io.factnet.node.Entries.floating;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.NodeRole;
import io.factnet.model.RoutingEntry;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The agent hands its reconciler only the entries that changed (ADR 0026), and a whole state at the start,
 * on every resync, after any failure and after a time not ready; a partial read is still never applied.
 */
class NodeAgentIncrementalTest {
    static final TopicPartition PARTITION = new TopicPartition(Topics.NODE_ROUTING.name(), 0);

    /** One call: a whole sync (desired, verify) or an apply (changes). */
    record Call(boolean whole, boolean verify, SortedMap<String, RoutingEntry> desired, Map<String, RoutingEntry> changes) {
    }

    static final class Recording implements RoleReconciler<RoutingEntry> {
        final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        volatile boolean failNextApply;

        @Override
        public NodeRole role() {
            return NodeRole.ROUTING;
        }

        @Override
        public SyncReport sync(SortedMap<String, RoutingEntry> desired, boolean verify) {
            calls.add(new Call(true, verify, new TreeMap<>(desired), Map.of()));
            return new SyncReport(true, Map.of("entries", (long) desired.size()), List.of(), 0, 0);
        }

        @Override
        public SyncReport apply(Map<String, RoutingEntry> changes, Supplier<SortedMap<String, RoutingEntry>> desired) {
            calls.add(new Call(false, false, null, new HashMap<>(changes)));
            if (failNextApply) {
                failNextApply = false;
                throw new IllegalStateException("nft -f exited 1");
            }
            return new SyncReport(true, Map.of(), List.of(), 0, 0);
        }
    }

    @Test
    void changesAreHandedOverAloneAndEveryFailureOrIncompleteReadIsFollowedByAWholeSync() {
        MockConsumer<String, byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        consumer.updatePartitions(PARTITION.topic(), List.of(new PartitionInfo(PARTITION.topic(), 0, Node.noNode(), null, null)));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        consumer.updateEndOffsets(Map.of(PARTITION, 2L));
        RoutingEntry a = floating("p1", "198.51.100.10", "10.0.1.5");
        RoutingEntry b = floating("p1", "198.51.100.11", "10.0.1.6");
        RoutingEntry c = floating("p1", "198.51.100.12", "10.0.1.7");
        RoutingEntry d = floating("p1", "198.51.100.13", "10.0.1.8");
        RoutingEntry e = floating("p1", "198.51.100.14", "10.0.1.9");
        send(consumer, 0, "r1/floating/a", a);
        send(consumer, 1, "r1/floating/b", b);
        Recording reconciler = new Recording();
        AgentSettings settings = AgentSettings.defaults("r1", NodeRole.ROUTING).withDebounce(Duration.ofMillis(5))
                .withRetry(Duration.ofMillis(10), Duration.ofMillis(20));
        NodeAgent<RoutingEntry> agent = new NodeAgent<>(settings, Topics.NODE_ROUTING, consumer,
                new RecordDecoder<>(Topics.NODE_ROUTING.valueDeserializer(NodeAgentTest.REGISTRY)), reconciler, r -> { },
                System::currentTimeMillis).start();
        try {
            assertThat(eventually(() -> reconciler.calls.size() >= 1)).isTrue();
            assertThat(reconciler.calls.get(0)).isEqualTo(new Call(true, true, new TreeMap<>(Map.of("floating/a", a, "floating/b", b)), Map.of()));

            // a change and a delete: one apply with those two entries, nothing else
            send(consumer, 2, "r1/floating/c", c);
            send(consumer, 3, "r1/floating/a", null);
            send(consumer, 4, "other/floating/x", c);
            assertThat(eventually(() -> changesSeen(reconciler).containsKey("floating/a"))).isTrue();
            Map<String, RoutingEntry> expected = new HashMap<>();
            expected.put("floating/c", c);
            expected.put("floating/a", null);
            assertThat(changesSeen(reconciler)).isEqualTo(expected);
            assertThat(reconciler.calls.subList(1, reconciler.calls.size())).allMatch(call -> !call.whole());

            // an apply that fails: the next sync is a whole one, with everything
            int before = reconciler.calls.size();
            reconciler.failNextApply = true;
            send(consumer, 5, "r1/floating/d", d);
            assertThat(eventually(() -> reconciler.calls.stream().skip(before).anyMatch(Call::whole))).isTrue();
            Call whole = reconciler.calls.stream().skip(before).filter(Call::whole).findFirst().orElseThrow();
            assertThat(whole.verify()).isTrue();
            assertThat(whole.desired()).isEqualTo(new TreeMap<>(Map.of("floating/b", b, "floating/c", c, "floating/d", d)));

            // a record that cannot be read: nothing of it is applied, the kernel gets the last good state (whole);
            // once it is replaced, a whole sync again, never an apply of the changes seen meanwhile
            int sane = reconciler.calls.size();
            byte[] bad = Arrays.copyOf(Topics.NODE_ROUTING.valueSerde(NodeAgentTest.REGISTRY).serializer().serialize(PARTITION.topic(), e), 7);
            consumer.schedulePollTask(() -> {
                consumer.addRecord(new ConsumerRecord<>(PARTITION.topic(), 0, 6, "r1/floating/e", bad));
                consumer.addRecord(new ConsumerRecord<>(PARTITION.topic(), 0, 7, "r1/floating/b", null));
            });
            assertThat(eventually(() -> agent.status().notReady() != null)).isTrue();
            assertThat(eventually(() -> reconciler.calls.size() > sane)).isTrue();
            assertThat(reconciler.calls.stream().skip(sane).toList()).as("while not ready").allSatisfy(call -> {
                assertThat(call.whole()).isTrue();
                assertThat(call.desired()).isEqualTo(whole.desired());
            });
            send(consumer, 8, "r1/floating/e", e);
            assertThat(eventually(() -> agent.status().notReady() == null
                    && reconciler.calls.get(reconciler.calls.size() - 1).desired() != null
                    && reconciler.calls.get(reconciler.calls.size() - 1).desired().containsKey("floating/e"))).isTrue();
            Call recovered = reconciler.calls.get(reconciler.calls.size() - 1);
            assertThat(recovered.whole()).isTrue();
            assertThat(recovered.desired()).isEqualTo(new TreeMap<>(Map.of("floating/c", c, "floating/d", d, "floating/e", e)));

            // and back to changes alone
            int recoveredAt = reconciler.calls.size();
            send(consumer, 9, "r1/floating/c", null);
            assertThat(eventually(() -> reconciler.calls.size() > recoveredAt)).isTrue();
            Map<String, RoutingEntry> removed = new HashMap<>();
            removed.put("floating/c", null);
            assertThat(reconciler.calls.get(recoveredAt)).isEqualTo(new Call(false, false, null, removed));
        } finally {
            agent.close();
        }
    }

    /** The changes of every apply so far, merged (latest wins). */
    private static Map<String, RoutingEntry> changesSeen(Recording reconciler) {
        Map<String, RoutingEntry> seen = new HashMap<>();
        synchronized (reconciler.calls) {
            reconciler.calls.stream().filter(call -> !call.whole()).forEach(call -> seen.putAll(call.changes()));
        }
        return seen;
    }

    private static void send(MockConsumer<String, byte[]> consumer, long offset, String key, RoutingEntry entry) {
        byte[] value = entry == null ? null
                : Topics.NODE_ROUTING.valueSerde(NodeAgentTest.REGISTRY).serializer().serialize(PARTITION.topic(), entry);
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(PARTITION.topic(), 0, offset, key, value)));
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
