package io.factnet.reliability.check;

import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.GroupSubnet;
import io.factnet.model.Network;
import io.factnet.model.Vpn;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.reliability.read.Decoded;
import io.factnet.reliability.read.TopicSnapshot;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Check 2: nothing is held twice in the fact engine. The compacted {@code factnet.state.*} topics are
 * read to their end; the latest value per key (a tombstone deletes) is the state. In it no VLAN, block,
 * group subnet, MAC (per VLAN), VPN port (per node) or VPN address is held twice, every key is the
 * value's own key, every fixed IP lies in its group's subnet, every floating association points at a live
 * fixed IP of the same project, one floating IP per fixed IP. A compacted topic keeps one value per key,
 * so an address given to two owners at once would hide in the latest state: the history (until the
 * cleaner compacts it) must show a tombstone between two owners of an address.
 */
public final class StateCheck {
    private StateCheck() {
    }

    /** What the state topics hold: all records, in partition and offset order. */
    public record Snapshot(List<Decoded<Network>> networks, List<Decoded<GroupSubnet>> groupSubnets,
                           List<Decoded<FixedIp>> fixedIps, List<Decoded<FloatingIp>> floatingIps, List<Decoded<Vpn>> vpns) {

        public static Snapshot read(String bootstrapServers, SchemaRegistryClient registry, Duration timeout) {
            return new Snapshot(TopicSnapshot.read(bootstrapServers, Topics.STATE_NETWORKS, registry, timeout),
                    TopicSnapshot.read(bootstrapServers, Topics.STATE_GROUP_SUBNETS, registry, timeout),
                    TopicSnapshot.read(bootstrapServers, Topics.STATE_FIXED_IPS, registry, timeout),
                    TopicSnapshot.read(bootstrapServers, Topics.STATE_FLOATING_IPS, registry, timeout),
                    TopicSnapshot.read(bootstrapServers, Topics.STATE_VPNS, registry, timeout));
        }
    }

    /** Counts of what the state holds, and every problem found. */
    public record Report(int networks, int groupSubnets, int fixedIps, int floatingIps, int vpns, List<String> problems) {
        public boolean nothingHeldTwice() {
            return problems.isEmpty();
        }

        @Override
        public String toString() {
            return networks + " networks, " + groupSubnets + " group subnets, " + fixedIps + " fixed IPs, " + floatingIps
                    + " floating IPs, " + vpns + " VPNs; problems " + Lists.head(problems);
        }
    }

    public static Report check(Snapshot snapshot) {
        List<String> problems = new ArrayList<>();
        unreadable(snapshot.networks(), problems);
        unreadable(snapshot.groupSubnets(), problems);
        unreadable(snapshot.fixedIps(), problems);
        unreadable(snapshot.floatingIps(), problems);
        unreadable(snapshot.vpns(), problems);
        Map<String, Network> networks = values(snapshot.networks(), Network::getProject, problems);
        Map<String, GroupSubnet> subnets = values(snapshot.groupSubnets(), g -> g.getProject() + "/" + g.getGroup(), problems);
        Map<String, FixedIp> fixed = values(snapshot.fixedIps(), FixedIp::getAddress, problems);
        Map<String, FloatingIp> floating = values(snapshot.floatingIps(), FloatingIp::getAddress, problems);
        Map<String, Vpn> vpns = values(snapshot.vpns(), Vpn::getProject, problems);

        unique(networks.values(), n -> n.getPhysicalNetwork() + " VLAN " + n.getVlan(), Network::getProject, problems);
        unique(networks.values(), n -> "bridge " + n.getBridge(), Network::getProject, problems);
        disjoint(networks.values(), n -> Block.cidr(n.getCidr()), n -> "network of " + n.getProject(), problems);
        disjoint(subnets.values(), g -> Block.cidr(g.getCidr()), g -> "group " + g.getProject() + "/" + g.getGroup(), problems);
        for (GroupSubnet subnet : subnets.values()) {
            Network network = networks.get(subnet.getProject());
            if (network == null) {
                problems.add("group subnet " + subnet.getCidr() + " of " + subnet.getProject() + "/" + subnet.getGroup()
                        + " is held, but the project has no network");
            } else if (!Block.cidr(network.getCidr()).contains(Block.cidr(subnet.getCidr()).first())) {
                problems.add("group subnet " + subnet.getCidr() + " lies outside " + subnet.getProject() + "'s block " + network.getCidr());
            }
        }
        unique(fixed.values(), f -> f.getProject() + " instance " + f.getInstance(), FixedIp::getAddress, problems);
        unique(fixed.values(), f -> "MAC " + f.getMac() + " on VLAN " + vlanOf(networks, f.getProject()), FixedIp::getAddress, problems);
        for (FixedIp ip : fixed.values()) {
            GroupSubnet subnet = subnets.get(ip.getProject() + "/" + ip.getGroup());
            if (subnet == null || !Block.cidr(subnet.getCidr()).contains(Block.address(ip.getAddress()))) {
                problems.add("fixed IP " + ip.getAddress() + " of " + ip.getProject() + "/" + ip.getInstance() + " is not in its group "
                        + ip.getGroup() + "'s subnet " + (subnet == null ? "(none)" : subnet.getCidr()));
            }
        }
        for (FloatingIp ip : floating.values()) {
            if (ip.getFixedAddress() == null) {
                continue;
            }
            FixedIp target = fixed.get(ip.getFixedAddress());
            if (target == null || !target.getProject().equals(ip.getProject()) || !Objects.equals(target.getInstance(), ip.getInstance())) {
                problems.add("floating IP " + ip.getAddress() + " of " + ip.getProject() + " points at " + ip.getFixedAddress()
                        + " (" + ip.getInstance() + "), which is " + (target == null ? "not held" : "held by " + target.getProject()
                        + "/" + target.getInstance()));
            }
        }
        unique(floating.values().stream().filter(f -> f.getFixedAddress() != null).toList(),
                f -> "fixed IP " + f.getFixedAddress() + " behind a floating IP", FloatingIp::getAddress, problems);
        unique(vpns.values(), v -> "VPN port " + v.getNodeId() + ":" + v.getPort(), Vpn::getProject, problems);
        unique(vpns.values(), v -> "VPN address " + v.getAddress(), Vpn::getProject, problems);

        ownersChangeOnlyAfterATombstone(snapshot.fixedIps(), f -> f.getProject() + "/" + f.getInstance(), problems);
        ownersChangeOnlyAfterATombstone(snapshot.floatingIps(), FloatingIp::getProject, problems);
        return new Report(networks.size(), subnets.size(), fixed.size(), floating.size(), vpns.size(), problems);
    }

    private static String vlanOf(Map<String, Network> networks, String project) {
        Network network = networks.get(project);
        return network == null ? "? (" + project + " has no network)" : String.valueOf(network.getVlan());
    }

    private static <V> void unreadable(List<Decoded<V>> records, List<String> problems) {
        records.stream().filter(r -> !r.readable()).forEach(r -> problems.add("unreadable state record " + r.where() + ": " + r.error()));
    }

    /** The latest values, and a problem for every value whose own key differs from the record's key. */
    private static <V> Map<String, V> values(List<Decoded<V>> records, Function<V, String> ownKey, List<String> problems) {
        Map<String, V> values = new HashMap<>();
        TopicSnapshot.latest(records).forEach((key, record) -> {
            if (!key.equals(ownKey.apply(record.value()))) {
                problems.add(record.where() + ": key " + key + " holds the value of " + ownKey.apply(record.value()));
            }
            values.put(key, record.value());
        });
        return values;
    }

    /** No two values share what {@code thing} names; {@code holder} names who holds it. */
    private static <V> void unique(Iterable<V> values, Function<V, String> thing, Function<V, String> holder, List<String> problems) {
        Map<String, String> holders = new HashMap<>();
        for (V value : values) {
            String previous = holders.putIfAbsent(thing.apply(value), holder.apply(value));
            if (previous != null) {
                problems.add(thing.apply(value) + " is held twice: by " + previous + " and by " + holder.apply(value));
            }
        }
    }

    private static <V> void disjoint(Iterable<V> values, Function<V, Block> block, Function<V, String> holder, List<String> problems) {
        List<Map.Entry<Block, String>> blocks = new ArrayList<>();
        values.forEach(v -> blocks.add(Map.entry(block.apply(v), holder.apply(v))));
        blocks.sort(Comparator.comparingLong(e -> e.getKey().first()));
        for (int i = 1; i < blocks.size(); i++) {
            Map.Entry<Block, String> previous = blocks.get(i - 1);
            Map.Entry<Block, String> current = blocks.get(i);
            if (previous.getKey().overlaps(current.getKey())) {
                problems.add(current.getKey().text() + " (" + current.getValue() + ") overlaps " + previous.getKey().text()
                        + " (" + previous.getValue() + ")");
            }
        }
    }

    /** In each key's history an owner follows another owner only after a tombstone (a release) between them. */
    private static <V> void ownersChangeOnlyAfterATombstone(List<Decoded<V>> history, Function<V, String> owner,
                                                            List<String> problems) {
        Map<String, String> current = new HashMap<>();
        for (Decoded<V> record : history) {
            if (!record.readable()) {
                continue;
            }
            if (record.value() == null) {
                current.remove(record.key());
                continue;
            }
            String now = owner.apply(record.value());
            String before = current.put(record.key(), now);
            if (before != null && !before.equals(now)) {
                problems.add(record.key() + " was given to " + now + " while " + before + " held it (" + record.where() + ")");
            }
        }
    }
}
