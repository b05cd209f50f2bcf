package io.factnet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.Allocation;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.serde.BadRecordException;
import io.factnet.topics.Topics;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A load driver reads of a result its status, touched nodes and allocated address, and skips the rest. */
class LeanResultsTest {
    private static final String SCOPE = "lean-results-test";
    private final InMemorySchemaRegistryClient registry = InMemorySchemaRegistryClient.scope(SCOPE);

    @AfterEach
    void drop() {
        InMemorySchemaRegistryClient.dropScope(SCOPE);
    }

    @Test
    void readsStatusTouchedNodesAndTheAllocatedAddressOnly() {
        Result full = Result.newBuilder().setRequestId("r-1").setProject("acme").setCommand("AllocateFloatingIp")
                .setStatus(Status.ACCEPTED).setReason(Reason.values()[0]).setMessage("a long message the driver never reads")
                .setCompletedAt(Instant.parse("2026-12-01T00:00:00Z"))
                .setAllocated(Allocation.newBuilder().setAddress("198.18.0.7").setPool("public").setNodeId("n1").build())
                .setTouched(List.of(new NodeRef("n1", NodeRole.ROUTING), new NodeRef("n2", NodeRole.ADDRESSING)))
                .setSequence(7L).build();

        Result lean = new LeanResults(registry).read(record("r-1", full));

        assertThat(lean.getRequestId()).isEqualTo("r-1");
        assertThat(lean.getStatus()).isEqualTo(Status.ACCEPTED);
        assertThat(lean.getTouched()).containsExactly(new NodeRef("n1", NodeRole.ROUTING), new NodeRef("n2", NodeRole.ADDRESSING));
        assertThat(lean.getAllocated().getAddress()).isEqualTo("198.18.0.7");
        // the rest is skipped in the bytes, not built
        assertThat(lean.getAllocated().getPool()).isNull();
        assertThat(lean.getProject()).isNull();
        assertThat(lean.getCommand()).isNull();
        assertThat(lean.getMessage()).isNull();
        assertThat(lean.getSequence()).isNull();
    }

    @Test
    void aResultWithoutAllocationOrNodesHasNeither() {
        Result full = Result.newBuilder().setRequestId("r-2").setProject("acme").setCommand("AddRule").setStatus(Status.REJECTED)
                .setReason(Reason.values()[1]).setMessage("no").setCompletedAt(Instant.EPOCH).build();

        Result lean = new LeanResults(registry).read(record("r-2", full));

        assertThat(lean.getStatus()).isEqualTo(Status.REJECTED);
        assertThat(lean.getAllocated()).isNull();
        assertThat(lean.getTouched()).isEmpty();
    }

    @Test
    void unreadableBytesAreABadRecordNamingWhere() {
        ConsumerRecord<String, byte[]> garbage = new ConsumerRecord<>(Topics.RESULTS.name(), 3, 42L, "r-3", new byte[] {0, 0, 0, 0, 1, 9});
        assertThatThrownBy(() -> new LeanResults(registry).read(garbage)).isInstanceOf(BadRecordException.class)
                .hasMessageContaining(Topics.RESULTS.name());
    }

    private ConsumerRecord<String, byte[]> record(String key, Result result) {
        byte[] bytes = Topics.RESULTS.valueSerde(registry, true).serializer().serialize(Topics.RESULTS.name(), result);
        return new ConsumerRecord<>(Topics.RESULTS.name(), 0, 0L, key, bytes);
    }
}
