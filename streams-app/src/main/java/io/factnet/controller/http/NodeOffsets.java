package io.factnet.controller.http;

import io.factnet.model.AppliedAck;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topics;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The end offsets of the nodes' partitions of their role topics, as a read-committed agent sees them
 * (the last stable offset): what a node's applied offset is compared with. Two admin calls per scrape.
 */
final class NodeOffsets implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 5;

    private final Admin admin;

    NodeOffsets(Map<String, Object> adminProperties) {
        Map<String, Object> properties = new HashMap<>(adminProperties);
        properties.putIfAbsent("client.id", "factnet-controller-metrics");
        this.admin = Admin.create(properties);
    }

    /** The end offset of each ack's node partition (murmur2 of the node id, as the controller writes them). */
    Map<AppliedAck, Long> endOffsets(List<AppliedAck> acks) throws ExecutionException, InterruptedException, TimeoutException {
        if (acks.isEmpty()) {
            return Map.of();
        }
        Set<String> topics = acks.stream().map(ack -> Topics.forRole(ack.getRole()).name()).collect(Collectors.toSet());
        Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<AppliedAck, TopicPartition> partitions = new LinkedHashMap<>();
        for (AppliedAck ack : acks) {
            String topic = Topics.forRole(ack.getRole()).name();
            partitions.put(ack, new TopicPartition(topic, NodeKeys.partition(ack.getNodeId(), described.get(topic).partitions().size())));
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.values().forEach(partition -> latest.put(partition, OffsetSpec.latest()));
        var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<AppliedAck, Long> result = new LinkedHashMap<>();
        partitions.forEach((ack, partition) -> result.put(ack, ends.get(partition).offset()));
        return result;
    }

    @Override
    public void close() {
        admin.close();
    }
}
