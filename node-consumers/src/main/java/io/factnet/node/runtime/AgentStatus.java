package io.factnet.node.runtime;

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
 */
public record AgentStatus(boolean caughtUp, long recordsRead, long badRecords, long syncs, long applies,
                          long failures, long appliedOffset, String lastError, long replayMillis, long firstSyncMillis,
                          SyncReport lastSync) {
}
