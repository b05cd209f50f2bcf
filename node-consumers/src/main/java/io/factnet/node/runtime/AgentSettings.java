package io.factnet.node.runtime;

import io.factnet.model.NodeRole;
import java.time.Duration;

/**
 * How one agent runs.
 *
 * @param debounce       quiet time after the last change before changes are applied
 * @param maxBatchDelay  the longest a change waits while changes keep coming
 * @param resyncInterval full resync (repairs drift) this often
 * @param retryMin       first retry after a failed apply; doubles up to {@code retryMax}
 */
public record AgentSettings(String nodeId, NodeRole role, Duration debounce, Duration maxBatchDelay,
                            Duration resyncInterval, Duration retryMin, Duration retryMax) {

    public static AgentSettings defaults(String nodeId, NodeRole role) {
        return new AgentSettings(nodeId, role, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(1), Duration.ofMinutes(1));
    }

    public AgentSettings withDebounce(Duration value) {
        return new AgentSettings(nodeId, role, value, maxBatchDelay, resyncInterval, retryMin, retryMax);
    }

    public AgentSettings withResyncInterval(Duration value) {
        return new AgentSettings(nodeId, role, debounce, maxBatchDelay, value, retryMin, retryMax);
    }


    public AgentSettings withRetry(Duration min, Duration max) {
        return new AgentSettings(nodeId, role, debounce, maxBatchDelay, resyncInterval, min, max);
    }

    ApplySchedule schedule() {
        return new ApplySchedule(debounce, maxBatchDelay, resyncInterval, retryMin, retryMax);
    }
}
