package io.factnet.node.runtime;

import java.util.Optional;

/**
 * What an agent did so far (for logs, tests and health).
 *
 * @param syncs         syncs run (successful or not)
 * @param applies       syncs that changed something on the node
 * @param failures      syncs that failed
 * @param appliedOffset highest offset of the node's partition that the node's state reflects, -1 before any
 * @param replayMillis  from start until the replay caught up with the partition's end, -1 before
 * @param firstSyncMillis from start until the first sync ended, -1 before
 * @param lastSync      the last successful sync's report, null before
 * @param unreadable    this node's resources whose latest record cannot be read now: while there are any,
 *                      the agent keeps its last good state and is not ready (ADR 0022)
 * @param consecutiveFailures syncs that failed in a row (a success resets it)
 * @param notReady      why the desired state is not applied (records that cannot be read), null when it is
 */
public record AgentStatus(boolean caughtUp, long recordsRead, long badRecords, long syncs, long applies,
                          long failures, long appliedOffset, String lastError, long replayMillis, long firstSyncMillis,
                          SyncReport lastSync, long unreadable, long consecutiveFailures, String notReady) {

    /** An agent whose applies failed this many times in a row is not healthy (a retry or two is normal at start). */
    public static final int UNHEALTHY_AFTER_FAILURES = 3;

    static AgentStatus initial() {
        return new AgentStatus(false, 0, 0, 0, 0, 0, -1, null, -1, -1, null, 0, 0, null);
    }

    /** Why the agent is not healthy, empty when it is: caught up, its state whole and applied. */
    public Optional<String> problem() {
        if (!caughtUp) {
            return Optional.of("replaying its topic");
        }
        if (notReady != null) {
            return Optional.of(notReady);
        }
        if (consecutiveFailures >= UNHEALTHY_AFTER_FAILURES) {
            return Optional.of(consecutiveFailures + " applies failed in a row: " + lastError);
        }
        return Optional.empty();
    }
}
