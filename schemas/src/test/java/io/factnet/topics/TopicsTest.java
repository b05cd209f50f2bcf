package io.factnet.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.NodeRole;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void namesAreUniqueAndPrefixed() {
        Set<String> names = new HashSet<>();
        for (Topic<String, ?> topic : Topics.all()) {
            assertThat(names.add(topic.name())).as("duplicate %s", topic).isTrue();
            assertThat(topic.name()).startsWith("factnet.");
        }
    }

    @Test
    void factsAndNodeStateAreCompactedAndEventsAreNot() {
        for (Topic<String, ?> topic : Topics.all()) {
            boolean fact = topic.name().startsWith("factnet.state.") || topic.name().startsWith("factnet.node.");
            assertThat(topic.compacted()).as(topic.name()).isEqualTo(fact);
            assertThat(topic.configs().get("cleanup.policy")).isEqualTo(fact ? "compact" : "delete");
            Duration history = Duration.ofHours(5);
            assertThat(topic.configs(Duration.ofDays(30), history).get("retention.ms")).as(topic.name())
                    .isEqualTo(fact ? null : String.valueOf(Duration.ofDays(30).toMillis()));
            assertThat(topic.configs(Duration.ofMillis(-1), history).get("retention.ms")).isEqualTo(fact ? null : "-1");
            // only the node topics keep superseded records (what replay --at reads); the state topics need only the latest
            assertThat(topic.configs(Duration.ofDays(30), history).get("min.compaction.lag.ms")).as(topic.name())
                    .isEqualTo(topic.byNode() ? String.valueOf(history.toMillis()) : null);
            assertThat(topic.configs().get("min.compaction.lag.ms"))
                    .isEqualTo(topic.byNode() ? String.valueOf(Topic.DEFAULT_NODE_HISTORY.toMillis()) : null);
        }
        assertThatThrownBy(() -> Topics.NODE_ROUTING.configs(Duration.ofDays(1), Duration.ofMillis(-1)))
                .hasMessageContaining("min.compaction.lag.ms");
        for (NodeRole role : NodeRole.values()) {
            assertThat(Topics.forRole(role).byNode()).isTrue();
            assertThat(Topics.forRole(role).name()).isEqualTo("factnet.node." + role.name().toLowerCase());
        }
    }

    @Test
    void nodeKeysPartitionByNodeIdOnly() {
        for (String node : List.of("r1", "node-7", "tunnel.a")) {
            int expected = NodeKeys.partition(node, 8);
            assertThat(expected).isBetween(0, 7);
            for (String resource : List.of("fip/203.0.113.4", "snat/p1", "group/p1/web")) {
                String key = NodeKeys.key(node, resource);
                assertThat(NodeKeys.nodeIdOf(key)).isEqualTo(node);
                assertThat(NodeKeys.resourceOf(key)).isEqualTo(resource);
            }
        }
        // The same as Kafka's default partitioner for the node id as key: a node can find its partition by hand.
        assertThat(NodeKeys.partition("r1", 4)).isEqualTo(
                org.apache.kafka.common.utils.Utils.toPositive(
                        org.apache.kafka.common.utils.Utils.murmur2("r1".getBytes())) % 4);
    }
}
