package io.factnet.controller.project;

import io.factnet.controller.alloc.Cidr;
import io.factnet.controller.alloc.HoldDownPool;
import io.factnet.controller.alloc.Ipv4;
import io.factnet.model.Direction;
import io.factnet.model.EgressFilterRule;
import io.factnet.model.FilterRule;
import io.factnet.model.GroupFilter;
import io.factnet.model.GroupRecord;
import io.factnet.model.GroupSubnet;
import io.factnet.model.Network;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.Rule;
import io.factnet.model.SecurityGroup;
import io.factnet.controller.stage.Rejected;
import io.factnet.topics.Topics;
import java.util.ArrayList;
import java.util.List;

/**
 * Security groups and their subnets. A group gets a group-sized subnet of the project's block on first
 * use (its first fixed IP), so a rule "from group X" is one CIDR on the routing node, not one rule per
 * instance. Each group with a subnet has one GroupFilter on the routing node, and one on each host of a member (ADR
 * 0035): its subnet as destination,
 * its rules with source (ingress) and destination (egress) groups resolved to their subnets (a group without a subnet
 * yet matches nothing).
 */
final class Groups {
    private Groups() {
    }

    /** The default group exists for every network: stored and published when the network is made. */
    static void ensureDefault(ProjectContext ctx) {
        if (ctx.stores.groups.get(ctx.key(ProjectContext.DEFAULT_GROUP)) == null) {
            save(ctx, ctx.group(ProjectContext.DEFAULT_GROUP));
        }
    }

    /** Stores the group and publishes it on factnet.state.groups. */
    static void save(ProjectContext ctx, GroupRecord group) {
        ctx.stores.groups.put(ctx.key(group.getName()), group);
        ctx.state(Topics.STATE_GROUPS, ctx.key(group.getName()), SecurityGroup.newBuilder()
                .setProject(ctx.project).setName(group.getName()).setDescription(group.getDescription())
                .setRules(group.getRules()).setReserved(group.getReserved()).build());
    }

    static List<GroupRecord> all(ProjectContext ctx) {
        return new ArrayList<>(ctx.stores.groups.scan(ctx.project + "/").values());
    }

    /** Gives the group its subnet: the next free group slot of the block, with its own address pool. */
    static void carveSubnet(ProjectContext ctx, GroupRecord group) {
        Network network = ctx.requireNetwork();
        HoldDownPool slots = HoldDownPool.of(ctx.record.getGroupSlots());
        int slot = slots.allocate(ctx.now);
        if (slot < 0) {
            throw new Rejected(Reason.POOL_EXHAUSTED, "no free group subnet left in " + network.getCidr()
                    + " for security group " + group.getName());
        }
        ctx.record.setGroupSlots(slots.toState());
        Cidr subnet = Cidr.parse(network.getCidr()).subnet(slot, network.getGroupPrefix());
        HoldDownPool addresses = HoldDownPool.empty((int) subnet.size());
        addresses.reserve(0);
        addresses.reserve((int) subnet.size() - 1);
        long gateway = Ipv4.parse(network.getGateway());
        if (subnet.contains(gateway)) {
            addresses.reserve((int) (gateway - subnet.network()));
        }
        // the addressing node's own address when it is not the routing node (ADR 0046), kept free even while it is
        long dhcp = Hosts.dhcpAddressOf(network);
        if (subnet.contains(dhcp) && dhcp != gateway) {
            addresses.reserve((int) (dhcp - subnet.network()));
        }
        ctx.stores.groupAddresses.put(ctx.key(group.getName()), addresses.toState());
        group.setSubnet(subnet.toString());
        group.setSlot(slot);
        ctx.stores.groups.put(ctx.key(group.getName()), group);
        ctx.state(Topics.STATE_GROUP_SUBNETS, ctx.key(group.getName()), GroupSubnet.newBuilder()
                .setProject(ctx.project).setGroup(group.getName()).setCidr(subnet.toString()).build());
        refreshFilter(ctx, group);
        refreshReferencing(ctx, group.getName());
    }

    /** Takes the subnet away (group deleted, or network deleted); its filter and address pool go too. */
    /** Takes the group's subnet away; its reservations go with it (they were addresses of it). True if it had some. */
    static boolean dropSubnet(ProjectContext ctx, GroupRecord group) {
        ctx.state(Topics.STATE_GROUP_SUBNETS, ctx.key(group.getName()), null);
        ctx.onNetworkNode(NodeRole.ROUTING, NodeEntries.groupResource(ctx.project, group.getName()), null);
        ctx.stores.groupAddresses.delete(ctx.key(group.getName()));
        group.setSubnet(null);
        group.setSlot(-1);
        boolean reserved = !group.getReserved().isEmpty();
        group.setReserved(new java.util.ArrayList<>());
        return reserved;
    }

    /** Publishes the group's filter on the routing node and on every host of a member (only a group with a subnet has one). */
    static void refreshFilter(ProjectContext ctx, GroupRecord group) {
        if (ctx.network() != null && group.getSubnet() != null) {
            GroupFilter filter = filter(ctx, group);
            String resource = NodeEntries.groupResource(ctx.project, group.getName());
            ctx.onNetworkNode(NodeRole.ROUTING, resource, filter);
            for (String host : Hosts.filterNodes(ctx, group)) {
                ctx.node(NodeRole.BRIDGING, host, resource, filter);
            }
        }
    }

    /** Republishes the filters whose rules name this group as source or destination: its subnet changed. */
    static void refreshReferencing(ProjectContext ctx, String source) {
        for (GroupRecord other : all(ctx)) {
            if (!other.getName().equals(source) && referencesGroup(other, source)) {
                refreshFilter(ctx, other);
            }
        }
    }

    /** Does a rule of {@code group} name {@code other} as its source or destination? */
    static boolean referencesGroup(GroupRecord group, String other) {
        return group.getRules().stream().anyMatch(r -> other.equals(r.getSourceGroup()) || other.equals(r.getDestinationGroup()));
    }

    /**
     * The group's filter: ingress rules with their source resolved, egress rules with their destination resolved (a
     * group without a subnet yet matches nothing: its rule is left out). Egress is null when the group has no egress
     * rule (it may send anywhere), and a list, empty perhaps, as soon as it has one (ADR 0030).
     */
    static GroupFilter filter(ProjectContext ctx, GroupRecord group) {
        List<FilterRule> rules = new ArrayList<>();
        List<EgressFilterRule> egress = null;
        for (Rule rule : group.getRules()) {
            if (rule.getDirection() == Direction.EGRESS) {
                egress = egress == null ? new ArrayList<>() : egress;
                String destination = rule.getDestinationGroup() != null
                        ? subnetOf(ctx, group, rule.getDestinationGroup()) : rule.getDestinationCidr();
                if (destination != null) {
                    egress.add(EgressFilterRule.newBuilder().setProtocol(rule.getProtocol()).setFromPort(rule.getFromPort())
                            .setToPort(rule.getToPort()).setIcmpType(rule.getIcmpType()).setIcmpCode(rule.getIcmpCode())
                            .setDestinationCidr(destination).setRuleId(rule.getRuleId()).setRequestId(rule.getRequestId()).build());
                }
                continue;
            }
            String source = rule.getSourceGroup() != null ? subnetOf(ctx, group, rule.getSourceGroup()) : rule.getSourceCidr();
            if (source != null) {
                rules.add(FilterRule.newBuilder().setProtocol(rule.getProtocol()).setFromPort(rule.getFromPort())
                        .setToPort(rule.getToPort()).setIcmpType(rule.getIcmpType()).setIcmpCode(rule.getIcmpCode())
                        .setSourceCidr(source).setRuleId(rule.getRuleId()).setRequestId(rule.getRequestId()).build());
            }
        }
        return GroupFilter.newBuilder().setGroup(group.getName()).setSubnet(group.getSubnet()).setRules(rules)
                .setEgress(egress).build();
    }

    /** The subnet of a group a rule names (the group itself included), null while it has none. */
    private static String subnetOf(ProjectContext ctx, GroupRecord group, String name) {
        GroupRecord named = name.equals(group.getName()) ? group : ctx.group(name);
        return named == null ? null : named.getSubnet();
    }
}
