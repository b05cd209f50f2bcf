package io.factnet.controller;

import io.factnet.topics.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One controller group per cluster. factnet's topic names are fixed (one {@link Topics} registry), so a
 * second group of controllers (another application id on the same cluster) would read the same saga
 * topics: its pool stage would act on the first group's claims and its project stage on the first group's
 * grants, and both would answer every request and write every fact. The pools' single-writer rule is gone
 * and addresses are given twice. Before it starts, a controller therefore refuses to run when another
 * consumer group has committed offsets on the saga topics, which only a factnet controller reads. (Requests
 * and results may have other readers, an audit consumer for one, so they do not count.) See ADR 0013.
 */
final class OneControllerGroup {
    private static final Logger log = LoggerFactory.getLogger(OneControllerGroup.class);
    /** The topics only a controller's own Kafka Streams group consumes. */
    static final Set<String> SAGA_TOPICS = Set.of(Topics.INTERNAL_CLAIMS.name(), Topics.INTERNAL_GRANTS.name());
    private static final long TIMEOUT_SECONDS = 30;

    private OneControllerGroup() {
    }

    /** Throws with one message naming every other group that consumes the saga topics. */
    static void require(Admin admin, String applicationId) {
        Map<String, Set<String>> others = otherGroupsOnSagaTopics(admin, applicationId);
        if (!others.isEmpty()) {
            throw new IllegalStateException("another factnet controller group uses this cluster: " + describe(others)
                    + ". factnet's topics have fixed names, so two controller groups would act on each other's claims and give "
                    + "addresses twice. Run every controller with the same application id (this one is " + applicationId
                    + "), or stop the other group and delete it (kafka-consumer-groups.sh --delete --group <id>).");
        }
    }

    /** Group id -> the saga topics it has committed offsets on, for every group but {@code applicationId}. */
    static Map<String, Set<String>> otherGroupsOnSagaTopics(Admin admin, String applicationId) {
        Map<String, Set<String>> others = new TreeMap<>();
        for (String group : candidateGroups(admin, applicationId)) {
            Set<String> topics = new TreeSet<>();
            for (TopicPartition partition : committedPartitions(admin, group)) {
                if (SAGA_TOPICS.contains(partition.topic())) {
                    topics.add(partition.topic());
                }
            }
            if (!topics.isEmpty()) {
                others.put(group, topics);
            }
        }
        return others;
    }

    private static List<String> candidateGroups(Admin admin, String applicationId) {
        Collection<GroupListing> groups = get(admin.listGroups().all(), "list the consumer groups");
        List<String> candidates = new ArrayList<>();
        for (GroupListing group : groups) {
            boolean share = group.type().filter(type -> type == GroupType.SHARE).isPresent();
            if (!share && !group.groupId().equals(applicationId)) {
                candidates.add(group.groupId());
            }
        }
        return candidates;
    }

    private static Set<TopicPartition> committedPartitions(Admin admin, String group) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(
                    Map.of(group, new ListConsumerGroupOffsetsSpec())).partitionsToOffsetAndMetadata(group)
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return offsets.keySet();
        } catch (ExecutionException e) {
            // A group that vanished between the listing and this call, or one of a type without offsets.
            log.debug("no committed offsets for group {}: {}", group, e.getCause().toString());
            return Set.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading the offsets of group " + group, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot read the offsets of group " + group + " in " + TIMEOUT_SECONDS + " s", e);
        }
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot " + what + " in " + TIMEOUT_SECONDS + " s", e);
        }
    }

    private static String describe(Map<String, Set<String>> others) {
        List<String> parts = new ArrayList<>();
        others.forEach((group, topics) -> parts.add("group " + group + " has committed offsets on " + String.join(" and ", topics)));
        return String.join("; ", parts);
    }
}
