package io.factnet.node.runtime;

import java.util.Optional;

/**
 * What an agent did so far (for logs, tests and health): its replay, its syncs, how far its node's state goes.
 *
 * @param appliedOffset highest offset of the node's partition that the node's state reflects, -1 before any
 * @param notReady      why the desired state is not applied (records that cannot be read), null when it is
 */
public record AgentStatus(Replay replay, Syncs syncs, long appliedOffset, String notReady) {

    /**
     * Reading the role topic.
     *
     * @param millis     from start until the replay caught up with the partition's end, -1 before
     * @param unreadable this node's resources whose latest record cannot be read now: while there are any, the agent
     *                   keeps its last good state and is not ready (ADR 0022)
     */
    public record Replay(boolean caughtUp, long recordsRead, long badRecords, long unreadable, long millis) {
    }

    /**
     * Applying the desired state.
     *
     * @param count               syncs run (successful or not)
     * @param applies             syncs that changed something on the node
     * @param failures            syncs that failed
     * @param consecutiveFailures syncs that failed in a row (a success resets it)
     * @param firstMillis         from start until the first sync ended, -1 before
     * @param last                the last successful sync's report, null before
     * @param lastError           the last failure's message, null before
     */
    public record Syncs(long count, long applies, long failures, long consecutiveFailures, long firstMillis, SyncReport last,
                        String lastError) {
    }

    /** An agent whose applies failed this many times in a row is not healthy (a retry or two is normal at start). */
    public static final int UNHEALTHY_AFTER_FAILURES = 3;

    static AgentStatus initial() {
        return new AgentStatus(new Replay(false, 0, 0, 0, -1), new Syncs(0, 0, 0, 0, -1, null, null), -1, null);
    }

    /** Why the agent is not healthy, empty when it is: caught up, its state whole and applied. */
    public Optional<String> problem() {
        if (!replay.caughtUp()) {
            return Optional.of("replaying its topic");
        }
        if (notReady != null) {
            return Optional.of(notReady);
        }
        if (syncs.consecutiveFailures() >= UNHEALTHY_AFTER_FAILURES) {
            return Optional.of(syncs.consecutiveFailures() + " applies failed in a row: " + syncs.lastError());
        }
        return Optional.empty();
    }
}
