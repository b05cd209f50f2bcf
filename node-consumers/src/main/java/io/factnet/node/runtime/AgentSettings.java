package io.factnet.node.runtime;

import io.factnet.model.NodeRole;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How one agent runs.
 *
 * @param debounce       quiet time after the last change before changes are applied
 * @param maxBatchDelay  the longest a change waits while changes keep coming
 * @param resyncInterval full resync (repairs drift) this often
 * @param retryMin       first retry after a failed apply (or an unreadable record); doubles up to {@code retryMax}
 * @param lastGoodFile   where the last complete desired state applied is kept ({@link LastGoodState}); none: not kept
 * @param enforceSavedAfter a replay still not caught up this long after start (Kafka away) applies the kept state
 */
public record AgentSettings(String nodeId, NodeRole role, Duration debounce, Duration maxBatchDelay,
                            Duration resyncInterval, Duration retryMin, Duration retryMax, Optional<Path> lastGoodFile,
                            Duration enforceSavedAfter) {

    public static AgentSettings defaults(String nodeId, NodeRole role) {
        return new AgentSettings(nodeId, role, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(1), Duration.ofMinutes(1), Optional.empty(), Duration.ofSeconds(10));
    }

    public AgentSettings withDebounce(Duration value) {
        return new AgentSettings(nodeId, role, value, maxBatchDelay, resyncInterval, retryMin, retryMax, lastGoodFile,
                enforceSavedAfter);
    }

    public AgentSettings withResyncInterval(Duration value) {
        return new AgentSettings(nodeId, role, debounce, maxBatchDelay, value, retryMin, retryMax, lastGoodFile,
                enforceSavedAfter);
    }

    public AgentSettings withRetry(Duration min, Duration max) {
        return new AgentSettings(nodeId, role, debounce, maxBatchDelay, resyncInterval, min, max, lastGoodFile,
                enforceSavedAfter);
    }

    /** Keeps the last good state in {@code file}; a replay not caught up after {@code after} applies it. */
    public AgentSettings withLastGoodFile(Path file, Duration after) {
        return new AgentSettings(nodeId, role, debounce, maxBatchDelay, resyncInterval, retryMin, retryMax,
                Optional.of(file), after);
    }

    ApplySchedule schedule() {
        return new ApplySchedule(debounce, maxBatchDelay, resyncInterval, retryMin, retryMax);
    }
}
