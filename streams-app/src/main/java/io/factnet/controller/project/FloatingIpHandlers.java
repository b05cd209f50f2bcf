package io.factnet.controller.project;

import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.Allocation;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.DisassociateFloatingIp;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.Grant;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.ReturnFloatingIp;
import io.factnet.model.TakeFloatingIp;
import io.factnet.topics.Topics;

/** Floating (public) addresses: allocated to the project from a pool, associated to one of its instances. */
final class FloatingIpHandlers {
    private FloatingIpHandlers() {
    }

    /** The project's floating IP at this address; another project's is NOT_FOUND as well (never reveal it exists). */
    static FloatingIp owned(ProjectContext ctx, String address) {
        Check.ipv4("address", address);
        FloatingIp floating = ctx.stores.floatingIps.get(ctx.key(address));
        if (floating == null) {
            throw Rejected.notFound("project " + ctx.project + " has no floating IP " + address);
        }
        return floating;
    }

    static void disassociate(ProjectContext ctx, FloatingIp floating) {
        ctx.stores.floatingByFixed.delete(ctx.key(floating.getFixedAddress()));
        floating.setFixedAddress(null);
        floating.setInstance(null);
        ctx.stores.floatingIps.put(ctx.key(floating.getAddress()), floating);
        ctx.state(Topics.STATE_FLOATING_IPS, floating.getAddress(), floating);
        ctx.onNetworkNode(NodeRole.ROUTING, NodeEntries.floatingResource(floating.getAddress()), null);
    }

    static final class Allocate implements Handler<AllocateFloatingIp> {
        @Override
        public Outcome handle(ProjectContext ctx, AllocateFloatingIp command) {
            String pool = Check.name("pool", command.getPool());
            int quota = ctx.record.getQuotas().getFloatingIps();
            if (ctx.record.getFloatingIps() >= quota) {
                throw new Rejected(Reason.QUOTA_EXCEEDED, "floating IP quota of " + quota + " reached");
            }
            return Outcome.await(PoolKeys.hop(PoolKeys.FLOATING, new TakeFloatingIp(pool)));
        }

        @Override
        public Outcome.Done granted(ProjectContext ctx, AllocateFloatingIp command, Grant grant) {
            FloatingIp floating = FloatingIp.newBuilder().setAddress(grant.getFloatingAddress())
                    .setPool(grant.getFloatingPool()).setProject(ctx.project).build();
            ctx.stores.floatingIps.put(ctx.key(floating.getAddress()), floating);
            ctx.record.setFloatingIps(ctx.record.getFloatingIps() + 1);
            ctx.state(Topics.STATE_FLOATING_IPS, floating.getAddress(), floating);
            return Outcome.accepted("floating IP " + floating.getAddress() + " from " + floating.getPool(),
                    Allocation.newBuilder().setAddress(floating.getAddress()).setPool(floating.getPool()).build());
        }
    }

    static final class Release implements Handler<ReleaseFloatingIp> {
        @Override
        public Outcome handle(ProjectContext ctx, ReleaseFloatingIp command) {
            FloatingIp floating = owned(ctx, command.getAddress());
            if (floating.getFixedAddress() != null) {
                throw new Rejected(Reason.IN_USE, "floating IP " + floating.getAddress() + " is associated with "
                        + floating.getInstance() + "; disassociate it first");
            }
            ctx.stores.floatingIps.delete(ctx.key(floating.getAddress()));
            ctx.record.setFloatingIps(ctx.record.getFloatingIps() - 1);
            ctx.state(Topics.STATE_FLOATING_IPS, floating.getAddress(), null);
            ctx.release(PoolKeys.FLOATING, new ReturnFloatingIp(floating.getPool(), floating.getAddress()));
            return Outcome.accepted("floating IP " + floating.getAddress() + " released",
                    Allocation.newBuilder().setAddress(floating.getAddress()).setPool(floating.getPool()).build());
        }
    }

    /** Points the floating IP at the instance's fixed IP; if it pointed elsewhere, it moves. */
    static final class Associate implements Handler<AssociateFloatingIp> {
        @Override
        public Outcome handle(ProjectContext ctx, AssociateFloatingIp command) {
            Check.ipv4("address", command.getAddress());
            String instance = Check.name("instance", command.getInstance());
            FloatingIp floating = owned(ctx, command.getAddress());
            FixedIp fixed = ctx.stores.fixedIps.get(ctx.key(instance));
            if (fixed == null) {
                throw Rejected.notFound("instance " + instance + " has no fixed IP in project " + ctx.project);
            }
            Allocation allocation = Allocation.newBuilder().setAddress(floating.getAddress()).setInstance(instance)
                    .setPool(floating.getPool()).build();
            if (fixed.getAddress().equals(floating.getFixedAddress())) {
                return Outcome.accepted("floating IP " + floating.getAddress() + " is associated with " + instance + " already",
                        allocation);
            }
            String other = ctx.stores.floatingByFixed.get(ctx.key(fixed.getAddress()));
            if (other != null) {
                throw new Rejected(Reason.IN_USE, "instance " + instance + " has floating IP " + other);
            }
            String moved = floating.getInstance();
            if (floating.getFixedAddress() != null) {
                ctx.stores.floatingByFixed.delete(ctx.key(floating.getFixedAddress()));
            }
            floating.setFixedAddress(fixed.getAddress());
            floating.setInstance(instance);
            ctx.stores.floatingIps.put(ctx.key(floating.getAddress()), floating);
            ctx.stores.floatingByFixed.put(ctx.key(fixed.getAddress()), floating.getAddress());
            ctx.state(Topics.STATE_FLOATING_IPS, floating.getAddress(), floating);
            ctx.onNetworkNode(NodeRole.ROUTING, NodeEntries.floatingResource(floating.getAddress()), NodeEntries.floatingNat(floating));
            return Outcome.accepted("floating IP " + floating.getAddress() + " associated with " + instance
                    + (moved != null ? " (moved from " + moved + ")" : ""), allocation);
        }
    }

    static final class Disassociate implements Handler<DisassociateFloatingIp> {
        @Override
        public Outcome handle(ProjectContext ctx, DisassociateFloatingIp command) {
            FloatingIp floating = owned(ctx, command.getAddress());
            if (floating.getFixedAddress() == null) {
                throw new Rejected(Reason.CONFLICT, "floating IP " + floating.getAddress() + " is not associated");
            }
            String instance = floating.getInstance();
            disassociate(ctx, floating);
            return Outcome.accepted("floating IP " + floating.getAddress() + " disassociated from " + instance,
                    Allocation.newBuilder().setAddress(floating.getAddress()).setInstance(instance).build());
        }
    }
}
