package io.factnet.reliability.check;

import io.factnet.model.NodeRole;
import io.factnet.reliability.read.NodeEventsFollower.Ack;
import io.factnet.reliability.read.TopicReader;
import io.factnet.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Have the node agents applied everything? An agent has caught up when its latest ack reports no error
 * and an applied offset at or past the last record of its node in its role topic. The moment it got there
 * is the first ack of that final error-free run of acks.
 */
public final class NodeCatchUp {
    private NodeCatchUp() {
    }

    public record Agent(String nodeId, NodeRole role) {
        @Override
        public String toString() {
            return nodeId + "/" + role.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Where each agent stands: the offset it must reach, and since when it has (empty: not yet). */
    public record Status(Agent agent, long lastOffset, Optional<Ack> latest, Optional<Long> caughtUpAtMillis) {
        public boolean caughtUp() {
            return caughtUpAtMillis.isPresent();
        }

        @Override
        public String toString() {
            return agent + ": must reach " + lastOffset + ", latest ack "
                    + latest.map(a -> a.appliedOffset() + (a.error() == null ? "" : " with error " + a.error())).orElse("none");
        }
    }

    /** The offset of the last record of each agent's node in its role topic (-1 when it has none). */
    public static Map<Agent, Long> lastOffsets(String bootstrapServers, Collection<Agent> agents, Duration timeout) {
        Map<Agent, Long> last = new LinkedHashMap<>();
        agents.forEach(agent -> last.put(agent, -1L));
        for (NodeRole role : NodeRole.values()) {
            List<Agent> ofRole = agents.stream().filter(a -> a.role() == role).toList();
            if (ofRole.isEmpty()) {
                continue;
            }
            try (TopicReader reader = new TopicReader(bootstrapServers, List.of(Topics.forRole(role).name()))) {
                for (ConsumerRecord<byte[], byte[]> record : reader.readToEnd(timeout)) {
                    String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
                    for (Agent agent : ofRole) {
                        if (key.startsWith(agent.nodeId() + "/")) {
                            last.merge(agent, record.offset(), Math::max);
                        }
                    }
                }
            }
        }
        return last;
    }

    public static List<Status> status(Map<Agent, Long> lastOffsets, List<Ack> acks) {
        List<Status> statuses = new ArrayList<>();
        lastOffsets.forEach((agent, last) -> {
            List<Ack> own = acks.stream().filter(a -> a.nodeId().equals(agent.nodeId()) && a.role() == agent.role()).toList();
            Long since = null;
            for (int i = own.size() - 1; i >= 0 && own.get(i).error() == null && own.get(i).appliedOffset() >= last; i--) {
                since = own.get(i).sentAtMillis();
            }
            statuses.add(new Status(agent, last, own.isEmpty() ? Optional.empty() : Optional.of(own.get(own.size() - 1)),
                    Optional.ofNullable(since)));
        });
        return statuses;
    }
}
