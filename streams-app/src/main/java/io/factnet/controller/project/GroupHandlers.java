package io.factnet.controller.project;

import io.factnet.controller.alloc.HoldDownPool;
import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.AddRule;
import io.factnet.model.Allocation;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DeleteSecurityGroup;
import io.factnet.model.Direction;
import io.factnet.model.GroupRecord;
import io.factnet.model.Hold;
import io.factnet.model.Protocol;
import io.factnet.model.Reason;
import io.factnet.model.RemoveRule;
import io.factnet.model.Rule;
import io.factnet.model.SubnetAddresses;
import io.factnet.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Security groups and their ingress and egress rules. */
final class GroupHandlers {
    private GroupHandlers() {
    }

    static final class Create implements Handler<CreateSecurityGroup> {
        @Override
        public Handled handle(ProjectContext ctx, CreateSecurityGroup command) {
            String name = Check.name("name", command.getName());
            Check.description(command.getDescription());
            if (ctx.group(name) != null) {
                throw new Rejected(Reason.ALREADY_EXISTS, "security group " + name + " exists");
            }
            if (ctx.record.getSecurityGroups() >= ctx.record.getQuotas().getSecurityGroups()) {
                throw new Rejected(Reason.QUOTA_EXCEEDED, "security group quota of " + ctx.record.getQuotas().getSecurityGroups()
                        + " reached");
            }
            Groups.save(ctx, GroupRecord.newBuilder().setName(name).setDescription(command.getDescription()).build());
            ctx.record.setSecurityGroups(ctx.record.getSecurityGroups() + 1);
            return Handled.accepted("security group " + name + " created", Allocation.newBuilder().setGroup(name).build());
        }
    }

    static final class Delete implements Handler<DeleteSecurityGroup> {
        @Override
        public Handled handle(ProjectContext ctx, DeleteSecurityGroup command) {
            String name = Check.name("name", command.getName());
            Check.that(!ProjectContext.DEFAULT_GROUP.equals(name), "the default group cannot be deleted");
            GroupRecord group = ctx.stores.groups.get(ctx.key(name));
            if (group == null) {
                throw Rejected.notFound("project " + ctx.project + " has no security group " + name);
            }
            if (group.getInstances() > 0) {
                throw new Rejected(Reason.IN_USE, "security group " + name + " has " + group.getInstances() + " instances");
            }
            for (GroupRecord other : Groups.all(ctx)) {
                if (!other.getName().equals(name) && Groups.referencesGroup(other, name)) {
                    throw new Rejected(Reason.IN_USE, "security group " + other.getName() + " has rules from or to " + name);
                }
            }
            if (group.getSubnet() != null) {
                // The slot is held as long as the last of its addresses is: a new group must not get
                // an address an old instance may still answer on.
                SubnetAddresses addresses = ctx.stores.groupAddresses.get(ctx.key(name));
                long until = addresses.getHolds().stream().mapToLong(Hold::getUntilMillis).max().orElse(ctx.now);
                HoldDownPool slots = HoldDownPool.of(ctx.record.getGroupSlots());
                slots.release(group.getSlot(), Math.max(until, ctx.now));
                ctx.record.setGroupSlots(slots.toState());
                Groups.dropSubnet(ctx, group);
            }
            ctx.stores.groups.delete(ctx.key(name));
            ctx.state(Topics.STATE_GROUPS, ctx.key(name), null);
            ctx.record.setSecurityGroups(ctx.record.getSecurityGroups() - 1);
            return Handled.accepted("security group " + name + " deleted", Allocation.newBuilder().setGroup(name).build());
        }
    }

    static final class Add implements Handler<AddRule> {
        @Override
        public Handled handle(ProjectContext ctx, AddRule command) {
            String name = Check.name("group", command.getGroup());
            Rule rule = validRule(command);
            GroupRecord group = ctx.requireGroup(name);
            if (rule.getSourceGroup() != null && ctx.group(rule.getSourceGroup()) == null) {
                throw Rejected.notFound("project " + ctx.project + " has no security group " + rule.getSourceGroup());
            }
            if (rule.getDestinationGroup() != null && ctx.group(rule.getDestinationGroup()) == null) {
                throw Rejected.notFound("project " + ctx.project + " has no security group " + rule.getDestinationGroup());
            }
            if (group.getRules().stream().anyMatch(r -> sameRule(r, rule))) {
                throw new Rejected(Reason.ALREADY_EXISTS, "security group " + name + " has this rule");
            }
            if (group.getRules().size() >= ctx.record.getQuotas().getRulesPerGroup()) {
                throw new Rejected(Reason.QUOTA_EXCEEDED, "rule quota of " + ctx.record.getQuotas().getRulesPerGroup()
                        + " per group reached in " + name);
            }
            rule.setRuleId("r" + group.getNextRule());
            // The request that created the rule travels with it to the nodes: `factnet trace` names it per hop.
            rule.setRequestId(ctx.requestId);
            group.setNextRule(group.getNextRule() + 1);
            List<Rule> rules = new ArrayList<>(group.getRules());
            rules.add(rule);
            group.setRules(rules);
            Groups.save(ctx, group);
            Groups.refreshFilter(ctx, group);
            return Handled.accepted("rule " + rule.getRuleId() + " added to " + name,
                    Allocation.newBuilder().setGroup(name).setRuleId(rule.getRuleId()).build());
        }

        /**
         * tcp/udp: a port range; icmp: optional type and code (-1 = any); any: nothing else. An ingress rule has one
         * source (a CIDR or a group) and no destination, an egress rule one destination and no source.
         */
        static Rule validRule(AddRule command) {
            Protocol protocol = command.getProtocol();
            Check.that(command.getDirection() != null, "direction must be ingress or egress");
            Rule.Builder rule = Rule.newBuilder().setRuleId("").setProtocol(protocol).setDirection(command.getDirection());
            if (protocol == Protocol.TCP || protocol == Protocol.UDP) {
                int from = Check.range("fromPort", command.getFromPort(), 1, 65535);
                int to = Check.range("toPort", command.getToPort(), 1, 65535);
                Check.that(from <= to, "fromPort must not be above toPort: " + from + " > " + to);
                Check.that(command.getIcmpType() == null && command.getIcmpCode() == null,
                        "icmpType and icmpCode apply to icmp rules only");
                rule.setFromPort(from).setToPort(to);
            } else if (protocol == Protocol.ICMP) {
                Check.that(command.getFromPort() == null && command.getToPort() == null, "ports apply to tcp and udp rules only");
                if (command.getIcmpType() != null) {
                    rule.setIcmpType(Check.range("icmpType", command.getIcmpType(), -1, 255));
                }
                if (command.getIcmpCode() != null) {
                    Check.that(command.getIcmpType() != null && command.getIcmpType() >= 0, "icmpCode needs an icmpType");
                    rule.setIcmpCode(Check.range("icmpCode", command.getIcmpCode(), -1, 255));
                }
            } else {
                Check.that(command.getFromPort() == null && command.getToPort() == null
                        && command.getIcmpType() == null && command.getIcmpCode() == null,
                        "a rule for any protocol takes no ports and no icmp type");
            }
            if (command.getDirection() == Direction.EGRESS) {
                Check.that(command.getSourceCidr() == null && command.getSourceGroup() == null,
                        "an egress rule has a destination (destinationCidr or destinationGroup), not a source");
                Check.that((command.getDestinationCidr() == null) != (command.getDestinationGroup() == null),
                        "give exactly one of destinationCidr and destinationGroup");
                if (command.getDestinationCidr() != null) {
                    rule.setDestinationCidr(Check.cidr("destinationCidr", command.getDestinationCidr()).toString());
                } else {
                    rule.setDestinationGroup(Check.name("destinationGroup", command.getDestinationGroup()));
                }
                return rule.build();
            }
            Check.that(command.getDestinationCidr() == null && command.getDestinationGroup() == null,
                    "an ingress rule has a source (sourceCidr or sourceGroup), not a destination");
            Check.that((command.getSourceCidr() == null) != (command.getSourceGroup() == null),
                    "give exactly one of sourceCidr and sourceGroup");
            if (command.getSourceCidr() != null) {
                rule.setSourceCidr(Check.cidr("sourceCidr", command.getSourceCidr()).toString());
            } else {
                rule.setSourceGroup(Check.name("sourceGroup", command.getSourceGroup()));
            }
            return rule.build();
        }

        static boolean sameRule(Rule a, Rule b) {
            return a.getProtocol() == b.getProtocol() && Objects.equals(a.getFromPort(), b.getFromPort())
                    && Objects.equals(a.getToPort(), b.getToPort()) && Objects.equals(a.getIcmpType(), b.getIcmpType())
                    && Objects.equals(a.getIcmpCode(), b.getIcmpCode()) && Objects.equals(a.getSourceCidr(), b.getSourceCidr())
                    && Objects.equals(a.getSourceGroup(), b.getSourceGroup()) && a.getDirection() == b.getDirection()
                    && Objects.equals(a.getDestinationCidr(), b.getDestinationCidr())
                    && Objects.equals(a.getDestinationGroup(), b.getDestinationGroup());
        }
    }

    static final class Remove implements Handler<RemoveRule> {
        @Override
        public Handled handle(ProjectContext ctx, RemoveRule command) {
            String name = Check.name("group", command.getGroup());
            Check.that(command.getRuleId() != null && command.getRuleId().matches("r[1-9][0-9]{0,9}"),
                    "ruleId must look like r1, r2, ...: " + Check.quote(command.getRuleId()));
            GroupRecord group = ctx.requireGroup(name);
            List<Rule> rules = new ArrayList<>(group.getRules());
            if (!rules.removeIf(r -> r.getRuleId().equals(command.getRuleId()))) {
                throw Rejected.notFound("security group " + name + " has no rule " + command.getRuleId());
            }
            group.setRules(rules);
            Groups.save(ctx, group);
            Groups.refreshFilter(ctx, group);
            return Handled.accepted("rule " + command.getRuleId() + " removed from " + name,
                    Allocation.newBuilder().setGroup(name).setRuleId(command.getRuleId()).build());
        }
    }
}
