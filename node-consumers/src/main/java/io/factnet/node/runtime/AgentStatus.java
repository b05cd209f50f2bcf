package io.factnet.node.runtime;

/**
 * What an agent did so far (for logs, tests and health).
 *
 * @param syncs         syncs run (successful or not)
 * @param applies       syncs that changed something on the node
 * @param failures      syncs that failed
 * @param appliedOffset highest offset of the node's partition that the node's state reflects, -1 before any
 */
public record AgentStatus(boolean caughtUp, long recordsRead, long badRecords, long syncs, long applies,
                          long failures, long appliedOffset, String lastError) {
}
