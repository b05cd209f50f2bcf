package io.factnet.controller.stage;

import io.factnet.model.NodeRole;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.util.Locale;

/** Names of the topology's sink nodes: processors forward to them by name. */
public final class Sinks {
    private Sinks() {
    }

    public static final String RESULTS = "results-sink";
    public static final String PROJECT_CLAIMS = "project-claims-sink";
    public static final String PROJECT_DEAD_LETTERS = "project-dead-letters-sink";
    public static final String POOL_CLAIMS = "pool-claims-sink";
    public static final String GRANTS = "grants-sink";
    public static final String POOL_DEAD_LETTERS = "pool-dead-letters-sink";

    /** The sink of a state topic: factnet.state.fixed-ips -> state-fixed-ips-sink. */
    public static String of(Topic<String, ?> topic) {
        return topic.name().substring("factnet.".length()).replace('.', '-') + "-sink";
    }

    public static String node(NodeRole role) {
        return of(Topics.forRole(role));
    }

    /** The role whose node topic a sink writes, or null. */
    public static NodeRole roleOf(String sink) {
        for (NodeRole role : NodeRole.values()) {
            if (node(role).equals(sink)) {
                return role;
            }
        }
        return null;
    }

    static String lower(NodeRole role) {
        return role.name().toLowerCase(Locale.ROOT);
    }
}
