package io.factnet.controller.project;

import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.Allocation;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CheckFloatingPool;
import io.factnet.model.DisassociateFloatingIp;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.Grant;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.SetAutoAssignFloatingIp;
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

    /** An auto-assigned floating IP belongs to its instance's fixed IP (nova refused the same: CannotDisassociateAutoAssignedFloatingIP). */
    private static void refuseIfAutoAssigned(FloatingIp floating, String what) {
        if (floating.getAutoAssigned()) {
            throw new Rejected(Reason.CONFLICT, "floating IP " + floating.getAddress() + " was auto-assigned to "
                    + floating.getInstance() + " and goes with its fixed IP; it cannot be " + what);
        }
    }

    /**
     * Gives the floating IP up: into the project's stock of its pool while that has room, else back to its pool (ADR
     * 0039); one that is associated is disassociated first.
     */
    static void release(ProjectContext ctx, FloatingIp floating) {
        if (floating.getFixedAddress() != null) {
            ctx.stores.floatingByFixed.delete(ctx.key(floating.getFixedAddress()));
            ctx.onNetworkNode(NodeRole.ROUTING, NodeEntries.floatingResource(floating.getAddress()), null);
        }
        ctx.stores.floatingIps.delete(ctx.key(floating.getAddress()));
        ctx.record.setFloatingIps(ctx.record.getFloatingIps() - 1);
        ctx.state(Topics.STATE_FLOATING_IPS, floating.getAddress(), null);
        FloatingStocks.released(ctx, floating.getPool(), floating.getAddress());
    }

    private static void associate(ProjectContext ctx, FloatingIp floating, FixedIp fixed) {
        floating.setFixedAddress(fixed.getAddress());
        floating.setInstance(fixed.getInstance());
        ctx.stores.floatingIps.put(ctx.key(floating.getAddress()), floating);
        ctx.stores.floatingByFixed.put(ctx.key(fixed.getAddress()), floating.getAddress());
        ctx.state(Topics.STATE_FLOATING_IPS, floating.getAddress(), floating);
        ctx.onNetworkNode(NodeRole.ROUTING, NodeEntries.floatingResource(floating.getAddress()), NodeEntries.floatingNat(floating));
    }

    /** Under auto-assign, the new fixed IP's floating IP (the pools' grant, with a stock), associated with it at once. */
    static Handled.Done autoAssign(ProjectContext ctx, Handled.Done fixedIp, FixedIp fixed, Grant grant) {
        Handled.Done done = autoAssign(ctx, fixedIp, fixed, grant.getFloatingPool(), grant.getFloatingAddress());
        FloatingStocks.add(ctx, grant.getFloatingPool(), grant.getFloatingStock());
        return done;
    }

    /** Under auto-assign, the new fixed IP's floating IP from the project's stock (ADR 0039); a refill may follow. */
    static Handled.Done autoAssignFromStock(ProjectContext ctx, Handled.Done fixedIp, FixedIp fixed) {
        String pool = ctx.record.getAutoAssignFloatingPool();
        Handled.Done done = autoAssign(ctx, fixedIp, fixed, pool, FloatingStocks.take(ctx, pool));
        FloatingStocks.refillIfLow(ctx, pool);
        return done;
    }

    private static Handled.Done autoAssign(ProjectContext ctx, Handled.Done fixedIp, FixedIp fixed, String pool, String address) {
        FloatingIp floating = FloatingIp.newBuilder().setAddress(address).setPool(pool)
                .setProject(ctx.project).setAutoAssigned(true).build();
        ctx.record.setFloatingIps(ctx.record.getFloatingIps() + 1);
        associate(ctx, floating, fixed);
        return Handled.accepted(fixedIp.message() + ", floating IP " + floating.getAddress() + " from " + floating.getPool(),
                Allocation.newBuilder(fixedIp.allocation()).setFloatingAddress(floating.getAddress()).setPool(floating.getPool()).build());
    }

    /** Quota first, so that a project at its floating quota is refused before anything is claimed. */
    static void checkQuota(ProjectContext ctx, String why) {
        int quota = ctx.record.getQuotas().getFloatingIps();
        if (ctx.record.getFloatingIps() >= quota) {
            throw new Rejected(Reason.QUOTA_EXCEEDED, "floating IP quota of " + quota + " reached" + why);
        }
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
        public Handled handle(ProjectContext ctx, AllocateFloatingIp command) {
            String pool = Check.name("pool", command.getPool());
            checkQuota(ctx, "");
            String stocked = FloatingStocks.take(ctx, pool);
            if (stocked != null) { // one hop: from the project's stock, in the result's transaction (ADR 0039)
                Handled.Done done = allocated(ctx, pool, stocked);
                FloatingStocks.refillIfLow(ctx, pool);
                return done;
            }
            // The stock the grant brings besides the address: what the quota leaves room for after this one.
            ctx.record.setFloatingIps(ctx.record.getFloatingIps() + 1);
            int stock = FloatingStocks.wanted(ctx);
            ctx.record.setFloatingIps(ctx.record.getFloatingIps() - 1);
            return Handled.await(PoolKeys.hop(PoolKeys.FLOATING, new TakeFloatingIp(pool, stock, false)));
        }

        @Override
        public Handled.Done granted(ProjectContext ctx, AllocateFloatingIp command, Grant grant) {
            Handled.Done done = allocated(ctx, grant.getFloatingPool(), grant.getFloatingAddress());
            FloatingStocks.add(ctx, grant.getFloatingPool(), grant.getFloatingStock());
            return done;
        }

        private static Handled.Done allocated(ProjectContext ctx, String pool, String address) {
            FloatingIp floating = FloatingIp.newBuilder().setAddress(address).setPool(pool).setProject(ctx.project).build();
            ctx.stores.floatingIps.put(ctx.key(floating.getAddress()), floating);
            ctx.record.setFloatingIps(ctx.record.getFloatingIps() + 1);
            ctx.state(Topics.STATE_FLOATING_IPS, floating.getAddress(), floating);
            return Handled.accepted("floating IP " + floating.getAddress() + " from " + floating.getPool(),
                    Allocation.newBuilder().setAddress(floating.getAddress()).setPool(floating.getPool()).build());
        }
    }

    static final class Release implements Handler<ReleaseFloatingIp> {
        @Override
        public Handled handle(ProjectContext ctx, ReleaseFloatingIp command) {
            FloatingIp floating = owned(ctx, command.getAddress());
            refuseIfAutoAssigned(floating, "released alone");
            if (floating.getFixedAddress() != null) {
                throw new Rejected(Reason.IN_USE, "floating IP " + floating.getAddress() + " is associated with "
                        + floating.getInstance() + "; disassociate it first");
            }
            release(ctx, floating);
            return Handled.accepted("floating IP " + floating.getAddress() + " released",
                    Allocation.newBuilder().setAddress(floating.getAddress()).setPool(floating.getPool()).build());
        }
    }

    /** Points the floating IP at the instance's fixed IP; if it pointed elsewhere, it moves. */
    static final class Associate implements Handler<AssociateFloatingIp> {
        @Override
        public Handled handle(ProjectContext ctx, AssociateFloatingIp command) {
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
                return Handled.accepted("floating IP " + floating.getAddress() + " is associated with " + instance + " already",
                        allocation);
            }
            refuseIfAutoAssigned(floating, "moved");
            String other = ctx.stores.floatingByFixed.get(ctx.key(fixed.getAddress()));
            if (other != null) {
                throw new Rejected(Reason.IN_USE, "instance " + instance + " has floating IP " + other);
            }
            String moved = floating.getInstance();
            if (floating.getFixedAddress() != null) {
                ctx.stores.floatingByFixed.delete(ctx.key(floating.getFixedAddress()));
            }
            associate(ctx, floating, fixed);
            return Handled.accepted("floating IP " + floating.getAddress() + " associated with " + instance
                    + (moved != null ? " (moved from " + moved + ")" : ""), allocation);
        }
    }

    static final class Disassociate implements Handler<DisassociateFloatingIp> {
        @Override
        public Handled handle(ProjectContext ctx, DisassociateFloatingIp command) {
            FloatingIp floating = owned(ctx, command.getAddress());
            refuseIfAutoAssigned(floating, "disassociated");
            if (floating.getFixedAddress() == null) {
                throw new Rejected(Reason.CONFLICT, "floating IP " + floating.getAddress() + " is not associated");
            }
            String instance = floating.getInstance();
            disassociate(ctx, floating);
            return Handled.accepted("floating IP " + floating.getAddress() + " disassociated from " + instance,
                    Allocation.newBuilder().setAddress(floating.getAddress()).setInstance(instance).build());
        }
    }

    /** nova's auto_assign_floating_ip for one project; the pool must be defined when it is set. */
    static final class SetAutoAssign implements Handler<SetAutoAssignFloatingIp> {
        @Override
        public Handled handle(ProjectContext ctx, SetAutoAssignFloatingIp command) {
            if (command.getPool() == null) {
                ctx.record.setAutoAssignFloatingPool(null);
                return Handled.accepted("new instances of " + ctx.project + " get no floating IP");
            }
            return Handled.await(PoolKeys.hop(PoolKeys.FLOATING, new CheckFloatingPool(Check.name("pool", command.getPool()))));
        }

        @Override
        public Handled.Done granted(ProjectContext ctx, SetAutoAssignFloatingIp command, Grant grant) {
            ctx.record.setAutoAssignFloatingPool(command.getPool());
            return Handled.accepted("each new instance of " + ctx.project + " gets a floating IP from " + command.getPool(),
                    Allocation.newBuilder().setPool(command.getPool()).build());
        }
    }
}
