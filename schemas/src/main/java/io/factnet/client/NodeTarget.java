package io.factnet.client;

import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import java.util.Locale;

/** One agent: a node and one of its roles. */
public record NodeTarget(String nodeId, NodeRole role) {

    static NodeTarget of(NodeRef ref) {
        return new NodeTarget(ref.getNodeId(), ref.getRole());
    }

    public String roleName() {
        return role.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return nodeId + " " + roleName();
    }
}
