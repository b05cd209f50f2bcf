package io.factnet.controller.project;

import io.factnet.model.ProjectRecord;
import io.factnet.model.Quotas;

/**
 * When a project record is worth keeping. A project exists from its first decision that leaves it holding
 * something (a network, a group, an address, a VPN, quotas of its own); until then its decisions are refusals
 * (or acceptances that changed nothing) of a project nobody made, and its record is not stored: thousands of
 * requests for made-up projects must not leave thousands of records (issue 16). Only their request ids are kept,
 * for the idempotency retention, so that a repeated id still gets its first answer.
 *
 * <p>A project that existed keeps its record while it holds nothing, because its record numbers its decisions
 * ({@code Result.sequence}, ADR 0015): forgetting it would give the next decision a number already given. It is
 * purged once its request ids are forgotten too (no decision for the idempotency retention, as long as the results
 * topic keeps its results), when no result left on the topic shows its old numbers (ADR 0021).
 */
final class EmptyProjects {
    private EmptyProjects() {
    }

    private static final Quotas DEFAULT_QUOTAS = Quotas.newBuilder().build();

    /**
     * True when the record holds nothing a later decision depends on: no network, groups, addresses, VPN, quotas
     * or auto-assign pool of its own. {@code hasGroups}: whether the groups store has an entry of the project (a default group's rule
     * is stored before any network). The pool-wide admin project always counts (its decisions change the pools).
     */
    static boolean holdsNothing(ProjectRecord record, boolean hasGroups) {
        return !ProjectProcessor.ADMIN_PROJECT.equals(record.getProject())
                && record.getNetwork() == null && record.getGroupSlots() == null && !record.getHasVpn()
                && record.getFloatingIps() == 0 && record.getSecurityGroups() == 0 && record.getFixedIps() == 0
                && DEFAULT_QUOTAS.equals(record.getQuotas()) && record.getAutoAssignFloatingPool() == null && !hasGroups
                && record.getFloatingStock().isEmpty() && record.getFloatingRefills().isEmpty();
    }

    /** Nothing queued behind it, nothing awaited from the pools. */
    static boolean idle(ProjectRecord record) {
        return !record.getBusy() && record.getQueueHead() >= record.getQueueTail();
    }
}
