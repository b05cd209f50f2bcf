package io.factnet.controller.project;

import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.Allocation;
import io.factnet.model.FixedIp;
import io.factnet.model.InstanceBack;
import io.factnet.model.InstanceGone;
import io.factnet.model.InstanceStatus;
import io.factnet.model.Network;
import io.factnet.model.Reason;
import io.factnet.topics.Topics;
import java.util.List;

/**
 * Crashed instances (ADR 0031): the network's bridging node reports an instance whose port left its bridge for
 * longer than the node's grace period (InstanceGone) and one whose port came back (InstanceBack). The instance is
 * marked down on its fixed IP fact, up again when it is back or asks for its lease, and its address is released
 * once it has been down for the controller's {@code factnet.instance-gone.release-after.ms} (never by default).
 */
final class InstanceHandlers {
    private InstanceHandlers() {
    }

    /**
     * The fixed IP of the instance a node reports on. Only the instance's host watches its port: another node's report
     * is refused (a node may not mark another node's instances down); a node that carries no bridge of the network is
     * refused before anything about the instance is looked up.
     */
    static FixedIp reported(ProjectContext ctx, String nodeId, String instanceName) {
        if (nodeId == null) {
            throw Rejected.invalid("nodeId is required: the node that watches the instance's port (the network's bridging node)");
        }
        Check.name("nodeId", nodeId);
        String instance = Check.name("instance", instanceName);
        Network network = ctx.requireNetwork();
        if (!Hosts.serving(ctx).contains(nodeId)) {
            throw new Rejected(Reason.UNAUTHORIZED, "ignored: node " + nodeId + " carries no bridge of the network of "
                    + ctx.project + " (the host of an instance watches its port)");
        }
        FixedIp fixed = ctx.stores.fixedIps.get(ctx.key(instance));
        if (fixed == null) {
            throw Rejected.notFound("instance " + instance + " has no fixed IP in project " + ctx.project);
        }
        String host = Hosts.of(network, fixed);
        if (!host.equals(nodeId)) {
            throw new Rejected(Reason.UNAUTHORIZED, "ignored: instance " + instance + " runs on " + host + ", not on " + nodeId
                    + " (its host watches its port)");
        }
        return fixed;
    }

    static void markDown(ProjectContext ctx, FixedIp fixed) {
        fixed.setStatus(InstanceStatus.DOWN);
        fixed.setDownSince(ctx.now);
        ctx.record.setInstancesDown(ctx.record.getInstancesDown() + 1);
        ctx.stores.fixedIps.put(ctx.key(fixed.getInstance()), fixed);
        ctx.state(Topics.STATE_FIXED_IPS, fixed.getAddress(), fixed);
    }

    static void markUp(ProjectContext ctx, FixedIp fixed) {
        fixed.setStatus(InstanceStatus.UP);
        fixed.setDownSince(null);
        ctx.record.setInstancesDown(ctx.record.getInstancesDown() - 1);
        ctx.stores.fixedIps.put(ctx.key(fixed.getInstance()), fixed);
        ctx.state(Topics.STATE_FIXED_IPS, fixed.getAddress(), fixed);
    }

    private static Allocation allocation(FixedIp fixed) {
        return Allocation.newBuilder().setAddress(fixed.getAddress()).setInstance(fixed.getInstance()).build();
    }

    /** Releases the fixed IPs of the project's instances that are down for the release delay (none if it is negative). */
    static void releaseDue(ProjectContext ctx) {
        if (ctx.releaseGoneAfterMillis < 0 || ctx.record.getInstancesDown() <= 0) {
            return;
        }
        List<FixedIp> due = ctx.stores.fixedIps.scan(ctx.project + "/").values().stream()
                .filter(f -> f.getStatus() == InstanceStatus.DOWN && f.getDownSince() != null
                        && f.getDownSince() + ctx.releaseGoneAfterMillis <= ctx.now)
                .toList();
        for (FixedIp fixed : due) {
            FixedIpHandlers.release(ctx, fixed.getInstance());
        }
    }

    static final class Gone implements Handler<InstanceGone> {
        @Override
        public Handled handle(ProjectContext ctx, InstanceGone command) {
            FixedIp fixed = reported(ctx, command.getNodeId(), command.getInstance());
            if (ctx.releaseGoneAfterMillis == 0) {
                Handled.Done released = FixedIpHandlers.release(ctx, fixed.getInstance());
                return Handled.accepted("instance " + fixed.getInstance() + " is gone: " + released.message(), released.allocation());
            }
            if (fixed.getStatus() == InstanceStatus.DOWN) {
                return Handled.accepted("instance " + fixed.getInstance() + " is down already (since " + fixed.getDownSince() + ")",
                        allocation(fixed));
            }
            markDown(ctx, fixed);
            return Handled.accepted("instance " + fixed.getInstance() + " is down: its port left the bridge on " + command.getNodeId()
                    + (ctx.releaseGoneAfterMillis > 0 ? "; fixed IP " + fixed.getAddress() + " released after "
                    + ctx.releaseGoneAfterMillis + " ms down" : "; fixed IP " + fixed.getAddress() + " kept"), allocation(fixed));
        }
    }

    static final class Back implements Handler<InstanceBack> {
        @Override
        public Handled handle(ProjectContext ctx, InstanceBack command) {
            FixedIp fixed = reported(ctx, command.getNodeId(), command.getInstance());
            if (fixed.getStatus() != InstanceStatus.DOWN) {
                return Handled.accepted("instance " + fixed.getInstance() + " is up already", allocation(fixed));
            }
            markUp(ctx, fixed);
            return Handled.accepted("instance " + fixed.getInstance() + " is up again: its port is back on " + command.getNodeId(),
                    allocation(fixed));
        }
    }
}
