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

/** Admin commands: quotas of a project, and the pool-wide definitions (sent on to the pool stage). */
final class AdminHandlers {
    private AdminHandlers() {
    }

    static final class SetQuota implements Handler<SetProjectQuota> {
        @Override
        public Outcome handle(ProjectContext ctx, SetProjectQuota command) {
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
            return Outcome.accepted("quotas of " + ctx.project + ": floatingIps " + quotas.getFloatingIps()
                    + ", securityGroups " + quotas.getSecurityGroups() + ", rulesPerGroup " + quotas.getRulesPerGroup()
                    + ", fixedIps " + (quotas.getFixedIps() < 0 ? "unlimited" : quotas.getFixedIps()));
        }
    }

    static final class VlanRange implements Handler<DefineVlanRange> {
        @Override
        public Outcome handle(ProjectContext ctx, DefineVlanRange command) {
            PoolDefinitions.check(command);
            return Outcome.await(PoolKeys.hop(PoolKeys.vlan(command.getPhysicalNetwork()), command));
        }

        @Override
        public Outcome.Done granted(ProjectContext ctx, DefineVlanRange command, Grant grant) {
            return Outcome.accepted(grant.getMessage());
        }
    }

    static final class Supernet implements Handler<DefineSupernet> {
        @Override
        public Outcome handle(ProjectContext ctx, DefineSupernet command) {
            PoolDefinitions.check(command);
            return Outcome.await(PoolKeys.hop(PoolKeys.BLOCKS, command));
        }

        @Override
        public Outcome.Done granted(ProjectContext ctx, DefineSupernet command, Grant grant) {
            return Outcome.accepted(grant.getMessage(), Allocation.newBuilder().setCidr(command.getCidr()).build());
        }
    }

    static final class FloatingPool implements Handler<DefineFloatingPool> {
        @Override
        public Outcome handle(ProjectContext ctx, DefineFloatingPool command) {
            PoolDefinitions.addresses(command);
            return Outcome.await(PoolKeys.hop(PoolKeys.FLOATING, command));
        }

        @Override
        public Outcome.Done granted(ProjectContext ctx, DefineFloatingPool command, Grant grant) {
            return Outcome.accepted(grant.getMessage(), Allocation.newBuilder().setPool(command.getPool()).build());
        }
    }

    static final class Register implements Handler<RegisterNode> {
        @Override
        public Outcome handle(ProjectContext ctx, RegisterNode command) {
            PoolDefinitions.check(command);
            return Outcome.await(PoolKeys.hop(PoolKeys.NODES, command));
        }

        @Override
        public Outcome.Done granted(ProjectContext ctx, RegisterNode command, Grant grant) {
            return Outcome.accepted(grant.getMessage(), Allocation.newBuilder().setNodeId(command.getNodeId()).build());
        }
    }
}
