package io.factnet.controller.project;

import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.PoolDefinitions;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.model.Allocation;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.Grant;
import io.factnet.model.Quotas;
import io.factnet.model.RegisterNode;
import io.factnet.model.SetProjectQuota;
import java.util.function.Consumer;
import java.util.function.Function;

/** Admin commands: quotas of a project, and the pool-wide definitions (sent on to the pool stage). */
final class AdminHandlers {
    private AdminHandlers() {
    }

    static final class SetQuota implements Handler<SetProjectQuota> {
        @Override
        public Handled handle(ProjectContext ctx, SetProjectQuota command) {
            Quotas quotas = Quotas.newBuilder(ctx.record.getQuotas()).build();
            if (command.getFloatingIps() != null) {
                quotas.setFloatingIps(Check.range("floatingIps", command.getFloatingIps(), 0, 100_000));
            }
            if (command.getSecurityGroups() != null) {
                quotas.setSecurityGroups(Check.range("securityGroups", command.getSecurityGroups(), 0, 1000));
            }
            if (command.getRulesPerGroup() != null) {
                quotas.setRulesPerGroup(Check.range("rulesPerGroup", command.getRulesPerGroup(), 0, 1000));
            }
            if (command.getFixedIps() != null) {
                quotas.setFixedIps(Check.range("fixedIps (-1: unlimited)", command.getFixedIps(), -1, 1_000_000));
            }
            ctx.record.setQuotas(quotas);
            return Handled.accepted("quotas of " + ctx.project + ": floatingIps " + quotas.getFloatingIps()
                    + ", securityGroups " + quotas.getSecurityGroups() + ", rulesPerGroup " + quotas.getRulesPerGroup()
                    + ", fixedIps " + (quotas.getFixedIps() < 0 ? "unlimited" : quotas.getFixedIps()));
        }
    }

    /** A pool-wide definition: checked here, done by the pool stage under one pool key, answered with its message. */
    static final class PoolWide<C> implements Handler<C> {
        private final Consumer<C> check;
        private final Function<C, String> pool;
        private final Function<C, Allocation> allocation;

        PoolWide(Consumer<C> check, Function<C, String> pool, Function<C, Allocation> allocation) {
            this.check = check;
            this.pool = pool;
            this.allocation = allocation;
        }

        @Override
        public Handled handle(ProjectContext ctx, C command) {
            check.accept(command);
            return Handled.await(PoolKeys.hop(pool.apply(command), command));
        }

        @Override
        public Handled.Done granted(ProjectContext ctx, C command, Grant grant) {
            return Handled.accepted(grant.getMessage(), allocation.apply(command));
        }
    }

    static final PoolWide<DefineVlanRange> VLAN_RANGE = new PoolWide<>(PoolDefinitions::check,
            c -> PoolKeys.vlan(c.getPhysicalNetwork()), c -> null);
    static final PoolWide<DefineSupernet> SUPERNET = new PoolWide<>(PoolDefinitions::check,
            c -> PoolKeys.BLOCKS, c -> Allocation.newBuilder().setCidr(c.getCidr()).build());
    static final PoolWide<DefineFloatingPool> FLOATING_POOL = new PoolWide<>(PoolDefinitions::addresses,
            c -> PoolKeys.FLOATING, c -> Allocation.newBuilder().setPool(c.getPool()).build());
    static final PoolWide<RegisterNode> REGISTER_NODE = new PoolWide<>(PoolDefinitions::check,
            c -> PoolKeys.NODES, c -> Allocation.newBuilder().setNodeId(c.getNodeId()).build());
}
