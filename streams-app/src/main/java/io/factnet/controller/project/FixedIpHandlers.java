package io.factnet.controller.project;

import io.factnet.controller.alloc.Cidr;
import io.factnet.controller.alloc.HoldDownPool;
import io.factnet.controller.alloc.Ipv4;
import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.Rejected;
import io.factnet.controller.stage.Tx;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.Allocation;
import io.factnet.model.ClaimHop;
import io.factnet.model.CreateNetwork;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.Grant;
import io.factnet.model.GroupRecord;
import io.factnet.model.InstanceStatus;
import io.factnet.model.MoveInstance;
import io.factnet.model.Network;
import io.factnet.model.NodeRole;
import io.factnet.model.ProjectRecord;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.ReturnFloatingIp;
import io.factnet.model.SubnetAddresses;
import io.factnet.model.TakeFloatingIp;
import io.factnet.topics.Topics;
import java.util.ArrayList;
import java.util.List;

/** Fixed (private) addresses of instances, from their group's subnet. */
final class FixedIpHandlers {
    private FixedIpHandlers() {
    }

    /** MACs made here: OpenStack's fa:16:3e prefix and a per-project counter, skipping MACs in use in the VLAN. */
    static String generatedMac(long counter) {
        long n = counter & 0xFFFFFF;
        return String.format("fa:16:3e:%02x:%02x:%02x", (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF);
    }

    /** The instance name when it is a valid host name, else host-a-b-c-d. */
    static String defaultHostname(String instance, String address) {
        return Check.HOST_LABEL.matcher(instance).matches() ? instance : "host-" + address.replace('.', '-');
    }

    static final class Allocate implements Handler<AllocateFixedIp> {
        @Override
        public Handled handle(ProjectContext ctx, AllocateFixedIp command) {
            String instance = Check.name("instance", command.getInstance());
            String groupName = Check.name("group", command.getGroup());
            String mac = command.getMac() == null ? null : Check.mac(command.getMac());
            if (command.getHostname() != null) {
                Check.hostname(command.getHostname());
            }
            String host = command.getHost() == null ? null : Check.name("host", command.getHost());
            ctx.requireGroup(groupName);
            if (ctx.stores.fixedIps.get(ctx.key(instance)) != null) {
                throw new Rejected(Reason.ALREADY_EXISTS, "instance " + instance + " has a fixed IP");
            }
            int quota = ctx.record.getQuotas().getFixedIps();
            if (quota >= 0 && ctx.record.getFixedIps() >= quota) {
                throw new Rejected(Reason.QUOTA_EXCEEDED, "fixed IP quota of " + quota + " reached");
            }
            if (mac != null && ctx.stores.macs.get(ctx.key(mac)) != null) {
                throw new Rejected(Reason.IN_USE, "mac " + mac + " is in use in the project's VLAN");
            }
            String autoAssignPool = ctx.record.getAutoAssignFloatingPool();
            if (autoAssignPool != null) {
                FloatingIpHandlers.checkQuota(ctx, " (new instances get one from " + autoAssignPool + ")");
            }
            List<ClaimHop> hops = new ArrayList<>();
            Grant seed = null;
            if (ctx.network() == null) {
                // nova's VlanManager: the project's first fixed IP makes its network (from a slot of the task: ADR 0044).
                NetworkHandlers.NewNetwork network = NetworkHandlers.newNetwork(ctx, CreateNetwork.newBuilder().build().getPhysicalNetwork());
                hops.addAll(network.hops());
                seed = network.seed();
            }
            if (Hosts.needsBinding(ctx, host)) {
                hops.add(Hosts.bindHop(ctx, host));
            }
            // From the project's stock of the pool when it has one (ADR 0039): it stays the project's while the network's
            // hops (if any) are out, as the project is busy meanwhile.
            boolean fromStock = autoAssignPool != null && !FloatingStocks.of(ctx, autoAssignPool).isEmpty();
            if (autoAssignPool != null && !fromStock) {
                // Last hop: a refusal there gives back the network's VLAN, block and nodes (the pool stage's saga). It brings
                // a stock with the address, as far as the quota leaves room after this one.
                ctx.record.setFloatingIps(ctx.record.getFloatingIps() + 1);
                int stock = FloatingStocks.wanted(ctx);
                ctx.record.setFloatingIps(ctx.record.getFloatingIps() - 1);
                hops.add(PoolKeys.hop(PoolKeys.FLOATING, new TakeFloatingIp(autoAssignPool, stock, false)));
            }
            if (!hops.isEmpty()) {
                return new Handled.Await(hops, seed);
            }
            Handled.Done done = allocate(ctx, instance, groupName, mac, command.getHostname(), host, false);
            return fromStock ? FloatingIpHandlers.autoAssignFromStock(ctx, done, ctx.stores.fixedIps.get(ctx.key(instance))) : done;
        }

        @Override
        public Handled.Done granted(ProjectContext ctx, AllocateFixedIp command, Grant grant) {
            boolean madeNetwork = grant.getVlan() != null;
            Network network = madeNetwork ? NetworkHandlers.setUp(ctx, CreateNetwork.newBuilder().build(), grant) : null;
            Tx.Savepoint savepoint = ctx.tx.savepoint();
            ProjectRecord before = ProjectRecord.newBuilder(ctx.record).build();
            try {
                boolean peersChanged = Hosts.learn(ctx, grant);
                Handled.Done done = allocate(ctx, command.getInstance(), command.getGroup(),
                        command.getMac() == null ? null : Check.mac(command.getMac()), command.getHostname(), command.getHost(), peersChanged);
                FixedIp fixed = ctx.stores.fixedIps.get(ctx.key(command.getInstance()));
                if (grant.getFloatingAddress() != null) {
                    return FloatingIpHandlers.autoAssign(ctx, done, fixed, grant);
                }
                String autoAssignPool = ctx.record.getAutoAssignFloatingPool();
                return autoAssignPool != null && !FloatingStocks.of(ctx, autoAssignPool).isEmpty()
                        ? FloatingIpHandlers.autoAssignFromStock(ctx, done, fixed) : done;
            } catch (Rejected e) {
                if (!madeNetwork) {
                    throw e; // nothing of the grant is used: the project stage gives it all back
                }
                // The network stays even if the address cannot be given: the pools gave its VLAN and block.
                ctx.tx.rollbackTo(savepoint);
                ctx.record = before;
                if (grant.getFloatingAddress() != null) { // with the stock it brought
                    ctx.release(PoolKeys.FLOATING, new ReturnFloatingIp(grant.getFloatingPool(), grant.getFloatingAddress(),
                            grant.getFloatingStock()));
                }
                return new Handled.Done(e.reason(), e.getMessage() + " (network " + network.getCidr() + " was created)",
                        NetworkHandlers.allocation(network));
            }
        }
    }

    static Handled.Done allocate(ProjectContext ctx, String instance, String groupName, String givenMac, String givenHostname,
                                 String host, boolean peersChanged) {
        Network network = ctx.requireNetwork();
        GroupRecord group = ctx.requireGroup(groupName);
        if (group.getSubnet() == null) {
            Groups.carveSubnet(ctx, group);
        }
        Cidr subnet = Cidr.parse(group.getSubnet());
        HoldDownPool addresses = HoldDownPool.of(ctx.stores.groupAddresses.get(ctx.key(groupName)));
        long dhcp = Hosts.dhcpAddressOf(network);
        if (subnet.contains(dhcp) && !addresses.isTaken((int) (dhcp - subnet.network()))) {
            // a subnet carved before the DHCP server's address was kept free (ADR 0046): it is taken now
            addresses.reserve((int) (dhcp - subnet.network()));
        }
        int index = addresses.allocate(ctx.now);
        if (index < 0) {
            throw new Rejected(Reason.POOL_EXHAUSTED, "no free address in " + subnet + " (security group " + groupName + ")");
        }
        ctx.stores.groupAddresses.put(ctx.key(groupName), addresses.toState());
        String address = subnet.address(index);
        String mac = givenMac;
        while (mac == null) {
            long counter = ctx.record.getMacCounter() + 1;
            ctx.record.setMacCounter(counter);
            String candidate = generatedMac(counter);
            mac = ctx.stores.macs.get(ctx.key(candidate)) == null ? candidate : null;
        }
        String hostname = givenHostname != null ? givenHostname : defaultHostname(instance, address);
        FixedIp fixed = FixedIp.newBuilder().setAddress(address).setProject(ctx.project).setGroup(groupName)
                .setInstance(instance).setMac(mac).setHostname(hostname).setHost(host).build();
        ctx.stores.fixedIps.put(ctx.key(instance), fixed);
        ctx.stores.fixedIpAddresses.put(ctx.key(address), instance);
        ctx.stores.macs.put(ctx.key(mac), instance);
        group = ctx.requireGroup(groupName); // carveSubnet stored the subnet
        group.setInstances(group.getInstances() + 1);
        ctx.record.setFixedIps(ctx.record.getFixedIps() + 1);
        ctx.state(Topics.STATE_FIXED_IPS, address, fixed);
        ctx.onNetworkNode(NodeRole.ADDRESSING, NodeEntries.dhcpHostResource(ctx.project, address), NodeEntries.dhcpHost(fixed));
        Hosts.place(ctx, fixed, group, peersChanged);
        ctx.stores.groups.put(ctx.key(groupName), group);
        return Handled.accepted("fixed IP " + address + " for " + instance, Allocation.newBuilder()
                .setAddress(address).setMac(mac).setHostname(hostname).setInstance(instance).setGroup(groupName)
                .setCidr(subnet.toString()).setGateway(network.getGateway()).setVlan(network.getVlan()).build());
    }

    /** Gives the instance's address back (held for the hold-down), and disassociates its floating IP. */
    static Handled.Done release(ProjectContext ctx, String instance) {
        FixedIp fixed = ctx.stores.fixedIps.get(ctx.key(instance));
        if (fixed == null) {
            throw Rejected.notFound("instance " + instance + " has no fixed IP in project " + ctx.project);
        }
        String address = fixed.getAddress();
        GroupRecord group = ctx.requireGroup(fixed.getGroup());
        Cidr subnet = Cidr.parse(group.getSubnet());
        SubnetAddresses stored = ctx.stores.groupAddresses.get(ctx.key(group.getName()));
        HoldDownPool addresses = HoldDownPool.of(stored);
        addresses.release((int) (Ipv4.parse(address) - subnet.network()), ctx.now + ctx.holdDownMillis);
        ctx.stores.groupAddresses.put(ctx.key(group.getName()), addresses.toState());
        group.setInstances(group.getInstances() - 1);
        String floating = ctx.stores.floatingByFixed.get(ctx.key(address));
        FloatingIp floatingIp = floating == null ? null : ctx.stores.floatingIps.get(ctx.key(floating));
        if (floatingIp != null && floatingIp.getAutoAssigned()) {
            FloatingIpHandlers.release(ctx, floatingIp);
        } else if (floatingIp != null) {
            FloatingIpHandlers.disassociate(ctx, floatingIp);
        }
        ctx.stores.fixedIps.delete(ctx.key(instance));
        ctx.stores.fixedIpAddresses.delete(ctx.key(address));
        ctx.stores.macs.delete(ctx.key(fixed.getMac()));
        ctx.record.setFixedIps(ctx.record.getFixedIps() - 1);
        if (fixed.getStatus() == InstanceStatus.DOWN) {
            ctx.record.setInstancesDown(ctx.record.getInstancesDown() - 1);
        }
        ctx.state(Topics.STATE_FIXED_IPS, address, null);
        // The instance's metadata goes with its address (ADR 0033). Always: no index says whether it had any, and a
        // tombstone of a key never written costs a small record, compacted away.
        ctx.state(Topics.STATE_INSTANCE_METADATA, address, null);
        ctx.onNetworkNode(NodeRole.ADDRESSING, NodeEntries.dhcpHostResource(ctx.project, address), null);
        Hosts.remove(ctx, fixed, group);
        ctx.stores.groups.put(ctx.key(group.getName()), group);
        return Handled.accepted("fixed IP " + address + " of " + instance + " released"
                + (floatingIp == null ? "" : " (floating IP " + floating + (floatingIp.getAutoAssigned() ? " released" : " disassociated") + ")"),
                Allocation.newBuilder().setAddress(address).setInstance(instance).build());
    }

    /**
     * Moves a running instance's port to another host (ADR 0035): the pool stage checks the host first, unless it
     * serves the network already. Address, MAC, DHCP entry and floating IP stay; the port and its group's filter move.
     */
    static final class Move implements Handler<MoveInstance> {
        @Override
        public Handled handle(ProjectContext ctx, MoveInstance command) {
            String instance = Check.name("instance", command.getInstance());
            String host = Check.name("host", command.getHost());
            FixedIp fixed = ctx.stores.fixedIps.get(ctx.key(instance));
            if (fixed == null) {
                throw Rejected.notFound("instance " + instance + " has no fixed IP in project " + ctx.project);
            }
            if (host.equals(Hosts.of(ctx.requireNetwork(), fixed))) {
                return Handled.accepted("instance " + instance + " is on " + host + " already", moved(fixed, host));
            }
            return Hosts.needsBinding(ctx, host) ? Handled.await(Hosts.bindHop(ctx, host)) : move(ctx, fixed, host, false);
        }

        @Override
        public Handled.Done granted(ProjectContext ctx, MoveInstance command, Grant grant) {
            FixedIp fixed = ctx.stores.fixedIps.get(ctx.key(command.getInstance()));
            if (fixed == null) {
                throw Rejected.notFound("instance " + command.getInstance() + " has no fixed IP in project " + ctx.project);
            }
            return move(ctx, fixed, command.getHost(), Hosts.learn(ctx, grant));
        }

        private static Handled.Done move(ProjectContext ctx, FixedIp fixed, String host, boolean peersChanged) {
            String from = Hosts.of(ctx.requireNetwork(), fixed);
            GroupRecord group = ctx.requireGroup(fixed.getGroup());
            Hosts.remove(ctx, fixed, group);
            fixed.setHost(host);
            Hosts.place(ctx, fixed, group, peersChanged);
            ctx.stores.groups.put(ctx.key(group.getName()), group);
            ctx.stores.fixedIps.put(ctx.key(fixed.getInstance()), fixed);
            ctx.state(Topics.STATE_FIXED_IPS, fixed.getAddress(), fixed);
            return Handled.accepted("instance " + fixed.getInstance() + " moved from " + from + " to " + host, moved(fixed, host));
        }

        private static Allocation moved(FixedIp fixed, String host) {
            return Allocation.newBuilder().setInstance(fixed.getInstance()).setAddress(fixed.getAddress()).setNodeId(host).build();
        }
    }

    static final class Release implements Handler<ReleaseFixedIp> {
        @Override
        public Handled handle(ProjectContext ctx, ReleaseFixedIp command) {
            return release(ctx, Check.name("instance", command.getInstance()));
        }
    }

}
