package io.factnet.reliability.read;

import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.reliability.load.RequestKey;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Follows {@code factnet.node-events} from the beginning (read_committed): the applied acks of the node
 * agents (what each agent applied, up to which offset of its node's partition, and when), and the keys of
 * every request found there, so that results of requests the agents sent themselves (their node's
 * registration) are told apart from results nobody asked for. Polls only when asked, in the caller's thread.
 */
public final class NodeEventsFollower implements AutoCloseable {
    /** One ack: which agent, the offset it applied up to, whether it failed, how long the apply took, when it was sent. */
    public record Ack(String nodeId, NodeRole role, long appliedOffset, String error, long applyMillis, long sentAtMillis) {
    }

    private final TopicReader reader;
    private final SchemaRegistryClient registry;
    private final List<Ack> acks = new ArrayList<>();
    private final Set<RequestKey> requests = new HashSet<>();

    public NodeEventsFollower(String bootstrapServers, SchemaRegistryClient registry) {
        this.reader = new TopicReader(bootstrapServers, List.of(Topics.NODE_EVENTS.name()));
        this.registry = registry;
    }

    /** Reads everything committed up to now. */
    public void catchUp(Duration timeout) {
        for (Decoded<Request> event : TopicSnapshot.decode(Topics.NODE_EVENTS, registry, reader.readToEnd(timeout))) {
            if (!event.readable() || event.value() == null) {
                continue;
            }
            Request request = event.value();
            requests.add(RequestKey.of(request));
            if (request.getCommand() instanceof AppliedAck ack) {
                acks.add(new Ack(ack.getNodeId(), ack.getRole(), ack.getAppliedOffset(), ack.getError(), ack.getApplyMillis(),
                        request.getSubmittedAt().toEpochMilli()));
            }
        }
    }

    public List<Ack> acks() {
        return List.copyOf(acks);
    }

    /** Every request read on the topic, by whomever it was sent. */
    public Set<RequestKey> requests() {
        return Set.copyOf(requests);
    }

    @Override
    public void close() {
        reader.close();
    }
}
