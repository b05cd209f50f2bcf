package io.factnet.node.runtime;

import static io.factnet.node.Entries.floating;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.RoutingEntry;
import io.factnet.node.BrokenRegistry;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The desired state knows when it is whole: unreadable records are kept, read again, or replaced. */
class NodeRecordsTest {
    final InMemorySchemaRegistryClient store = InMemorySchemaRegistryClient.scope("node-records-test");
    final BrokenRegistry registry = new BrokenRegistry(store);
    final List<String> reported = new ArrayList<>();
    final NodeRecords<RoutingEntry> records = new NodeRecords<>("r1",
            new RecordDecoder<>(Topics.NODE_ROUTING.valueDeserializer(registry)), (key, e) -> reported.add(key));

    ConsumerRecord<String, byte[]> record(long offset, String key, RoutingEntry entry) {
        byte[] value = entry == null ? null : Topics.NODE_ROUTING.valueSerde(store).serializer().serialize("t", entry);
        return new ConsumerRecord<>(Topics.NODE_ROUTING.name(), 0, offset, key, value);
    }

    @Test
    void aRegistryThatIsAwayIsAskedOncePerRetryNotOncePerRecord() {
        registry.down(true);
        for (int i = 0; i < 100; i++) {
            records.accept(record(i, "r1/floating/" + i, floating("p1", "198.51.100." + (i + 1), "10.0.0.5")));
        }
        assertThat(records.complete()).isFalse();
        assertThat(records.unreadable()).hasSize(100);
        assertThat(reported).hasSize(100);
        assertThat(registry.lookups.get()).isEqualTo(1);

        assertThat(records.retryUnreadable()).as("still away: stops at the first").isZero();
        assertThat(registry.lookups.get()).isEqualTo(2);

        registry.heal();
        assertThat(records.retryUnreadable()).isEqualTo(100);
        assertThat(records.complete()).isTrue();
        assertThat(records.desired().size()).isEqualTo(100);
    }

    @Test
    void aRegistryThatRefusesConnectionsLeavesTheRecordsUnreadAndRetriedNotBad() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        NodeRecords<RoutingEntry> overHttp = new NodeRecords<>("r1", new RecordDecoder<>(Topics.NODE_ROUTING.valueDeserializer(
                io.factnet.registry.SchemaRegistryClients.create(java.util.Map.of("schema.registry.url", "http://127.0.0.1:" + port)))),
                (key, e) -> reported.add(e.getMessage()));
        overHttp.accept(record(0, "r1/floating/a", floating("p1", "198.51.100.1", "10.0.0.5")));
        overHttp.accept(record(1, "r1/floating/b", floating("p1", "198.51.100.2", "10.0.0.6")));
        assertThat(overHttp.complete()).isFalse();
        assertThat(overHttp.unreadableCount()).isEqualTo(2);
        assertThat(reported).hasSize(2).allSatisfy(m -> assertThat(m).contains("schema registry unreachable"));
        assertThat(overHttp.retryUnreadable()).isZero();
        assertThat(overHttp.desired().size()).as("nothing half-read").isZero();
    }

    @Test
    void aLaterRecordOrATombstoneReplacesAnUnreadableOne() {
        records.accept(record(0, "r1/floating/a", floating("p1", "198.51.100.1", "10.0.0.5")));
        records.accept(new ConsumerRecord<>(Topics.NODE_ROUTING.name(), 0, 1, "r1/floating/a", new byte[] {1, 2, 3}));
        records.accept(new ConsumerRecord<>(Topics.NODE_ROUTING.name(), 0, 2, "r1/floating/b", new byte[] {0, 0, 0, 0}));
        records.accept(new ConsumerRecord<>(Topics.NODE_ROUTING.name(), 0, 3, "other/floating/c", new byte[] {9}));
        assertThat(records.unreadable()).extracting(NodeRecords.Unreadable::resource).containsExactly("floating/a", "floating/b");
        assertThat(records.desired().snapshot()).as("the last good entry stays").containsKey("floating/a");

        records.accept(record(4, "r1/floating/a", floating("p1", "198.51.100.2", "10.0.0.5")));
        records.accept(record(5, "r1/floating/b", null));
        assertThat(records.complete()).isTrue();
        assertThat(records.desired().snapshot()).containsOnlyKeys("floating/a");
        assertThat(records.bad()).isEqualTo(2);
    }
}
