package io.factnet.controller.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.model.AppliedAck;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds to each ack of a share of {@code /v1/nodes} the end offset of its node's partition and the lag (end − applied − 1,
 * as {@code factnet_controller_node_offset_lag}): how far the agent is behind, which the console shows next to the applied
 * offset. Both are null when the broker does not tell the end offsets: the list is still worth answering.
 */
final class AckLag {
    private static final Logger log = LoggerFactory.getLogger(AckLag.class);

    private final NodeOffsets offsets;

    AckLag(NodeOffsets offsets) {
        this.offsets = offsets;
    }

    /** {@code share}: this instance's nodes and acks ({@link LocalState#nodes}); {@code acks}: the same acks as records. */
    ObjectNode annotate(ObjectNode share, List<AppliedAck> acks) {
        Map<String, Long> ends = new HashMap<>();
        try {
            offsets.endOffsets(acks).forEach((ack, end) -> ends.put(key(ack.getNodeId(), ack.getRole().name()), end));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the answer goes out without the lag; the thread's owner sees the flag
        } catch (Exception e) {
            log.warn("the nodes' offset lag is left out of /v1/nodes: cannot read the role topics' end offsets: {}", e.toString());
        }
        for (JsonNode ack : share.path("acks")) {
            Long end = ends.get(key(ack.path("nodeId").asText(), ack.path("role").asText()));
            ObjectNode view = (ObjectNode) ack;
            if (end == null) {
                view.putNull("endOffset");
                view.putNull("lag");
            } else {
                view.put("endOffset", end);
                view.put("lag", Math.max(0, end - ack.path("appliedOffset").asLong() - 1));
            }
        }
        return share;
    }

    private static String key(String nodeId, String role) {
        return nodeId + "/" + role;
    }
}
