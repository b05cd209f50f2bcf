package io.factnet.controller.stage;

import io.factnet.topics.NodeKeys;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.processor.StreamPartitioner;

/** Places every key {@code <node-id>/<resource>} of one node in one partition, so that an agent reads one partition. */
public final class NodePartitioner implements StreamPartitioner<String, Object> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, Object value, int numPartitions) {
        return Optional.of(Set.of(NodeKeys.partition(NodeKeys.nodeIdOf(key), numPartitions)));
    }
}
