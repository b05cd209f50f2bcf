package io.factnet.controller;

import io.factnet.controller.alloc.Cidr;
import io.factnet.controller.alloc.Ipv4;
import io.factnet.model.AddRule;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DhcpHost;
import io.factnet.model.Direction;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.FloatingNat;
import io.factnet.model.GroupFilter;
import io.factnet.model.GroupSubnet;
import io.factnet.model.Network;
import io.factnet.model.Node;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Rule;
import io.factnet.model.SecurityGroup;
import io.factnet.model.SetProjectQuota;
import io.factnet.model.Status;
import io.factnet.model.Vpn;
import io.factnet.model.VpnPeer;
import io.factnet.topics.PortNames;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Invariants of the fact engine, checked on what the topology published (the latest value per key of
 * the state and node topics, and every record written since the last check). Independent of the
 * controller's code and of the reference model. {@link #check} returns the violations, empty when fine.
 */
final class FactInvariants {
    private final ControllerDriver driver;
    private final Map<Topic<String, ?>, Integer> seen = new HashMap<>();
    /** The controller's own view as it evolves: to see an address given while it was held by someone else. */
    private final Map<String, FixedIp> fixed = new HashMap<>();
    private final Map<String, FloatingIp> floating = new HashMap<>();
    private final Map<String, int[]> quotas = new HashMap<>();
    /** Requests already answered: a repeated id gets its first result again and changes nothing. */
    private final Set<String> answered = new HashSet<>();

    FactInvariants(ControllerDriver driver) {
        this.driver = driver;
    }

    /** {floatingIps, securityGroups, rulesPerGroup, fixedIps}: the quota as set by accepted requests (nova's defaults). */
    private int[] quota(String project) {
        return quotas.computeIfAbsent(project, p -> new int[] {10, 10, 20, -1});
    }

    List<String> check(Request request, List<Result> results) {
        List<String> problems = new ArrayList<>();
        boolean first = answered.add(request.getProject() + "/" + request.getRequestId());
        boolean accepted = first && results.stream().anyMatch(r -> r.getStatus() == Status.ACCEPTED
                && r.getRequestId().equals(request.getRequestId()));
        if (accepted && request.getCommand() instanceof SetProjectQuota q) {
            int[] quota = quota(request.getProject());
            quota[0] = q.getFloatingIps() != null ? q.getFloatingIps() : quota[0];
            quota[1] = q.getSecurityGroups() != null ? q.getSecurityGroups() : quota[1];
            quota[2] = q.getRulesPerGroup() != null ? q.getRulesPerGroup() : quota[2];
            quota[3] = q.getFixedIps() != null ? q.getFixedIps() : quota[3];
        }
        neverGivenTwice(problems);
        networks(problems);
        addresses(problems);
        vpns(problems);
        nodeState(problems);
        if (accepted) {
            quotas(request, problems);
        }
        return problems;
    }

    private <V extends SpecificRecord> List<TestRecord<String, V>> newRecords(Topic<String, V> topic) {
        @SuppressWarnings("unchecked")
        List<TestRecord<String, V>> all = (List<TestRecord<String, V>>) (List<?>) driver.history.get(topic);
        int from = seen.getOrDefault(topic, 0);
        seen.put(topic, all.size());
        return all.subList(from, all.size());
    }

    /** A fixed or floating address written for a new owner while the old owner still had it. */
    private void neverGivenTwice(List<String> problems) {
        for (TestRecord<String, FixedIp> record : newRecords(Topics.STATE_FIXED_IPS)) {
            FixedIp before = fixed.get(record.key());
            FixedIp after = record.value();
            if (after != null && before != null && !(before.getProject().equals(after.getProject())
                    && before.getInstance().equals(after.getInstance()))) {
                problems.add("fixed IP " + record.key() + " given to " + after.getProject() + "/" + after.getInstance()
                        + " while " + before.getProject() + "/" + before.getInstance() + " had it");
            }
            put(fixed, record.key(), after);
        }
        for (TestRecord<String, FloatingIp> record : newRecords(Topics.STATE_FLOATING_IPS)) {
            FloatingIp before = floating.get(record.key());
            FloatingIp after = record.value();
            if (after != null && before != null && !before.getProject().equals(after.getProject())) {
                problems.add("floating IP " + record.key() + " given to " + after.getProject() + " while " + before.getProject() + " had it");
            }
            put(floating, record.key(), after);
        }
    }

    private static <V> void put(Map<String, V> map, String key, V value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    private void networks(List<String> problems) {
        Set<String> vlans = new HashSet<>();
        List<Cidr> blocks = new ArrayList<>();
        for (Network network : driver.view(Topics.STATE_NETWORKS).values()) {
            if (!vlans.add(network.getPhysicalNetwork() + "/" + network.getVlan())) {
                problems.add("VLAN " + network.getVlan() + " of " + network.getPhysicalNetwork() + " given twice");
            }
            Cidr block = Cidr.parse(network.getCidr());
            for (Cidr other : blocks) {
                if (other.overlaps(block)) {
                    problems.add("block " + block + " overlaps " + other);
                }
            }
            blocks.add(block);
            if (!network.getBridge().equals("br" + network.getVlan()) || !network.getGateway().equals(block.address(1))) {
                problems.add("network of " + network.getProject() + " has bridge " + network.getBridge() + " gateway " + network.getGateway());
            }
        }
        Map<String, List<Cidr>> subnetsByProject = new HashMap<>();
        for (GroupSubnet subnet : driver.view(Topics.STATE_GROUP_SUBNETS).values()) {
            Network network = driver.fact(Topics.STATE_NETWORKS, subnet.getProject());
            Cidr cidr = Cidr.parse(subnet.getCidr());
            if (network == null || !Cidr.parse(network.getCidr()).contains(cidr)
                    || cidr.overlaps(Cidr.parse(network.getVpnClientSubnet()))) {
                problems.add("group subnet " + subnet + " is not a group slot of its project's block");
            }
            for (Cidr other : subnetsByProject.computeIfAbsent(subnet.getProject(), p -> new ArrayList<>())) {
                if (other.overlaps(cidr)) {
                    problems.add("group subnet " + cidr + " overlaps " + other + " in " + subnet.getProject());
                }
            }
            subnetsByProject.get(subnet.getProject()).add(cidr);
        }
    }

    private void addresses(List<String> problems) {
        Set<String> instances = new HashSet<>();
        Set<String> macs = new HashSet<>();
        for (FixedIp ip : driver.view(Topics.STATE_FIXED_IPS).values()) {
            GroupSubnet subnet = driver.fact(Topics.STATE_GROUP_SUBNETS, ip.getProject() + "/" + ip.getGroup());
            if (subnet == null || !Cidr.parse(subnet.getCidr()).contains(Ipv4.parse(ip.getAddress()))) {
                problems.add("fixed IP " + ip.getAddress() + " of " + ip.getProject() + " is outside its group's subnet " + subnet);
            }
            if (!instances.add(ip.getProject() + "/" + ip.getInstance())) {
                problems.add("instance " + ip.getProject() + "/" + ip.getInstance() + " has two fixed IPs");
            }
            if (!macs.add(ip.getProject() + "/" + ip.getMac())) {
                problems.add("MAC " + ip.getMac() + " twice in the VLAN of " + ip.getProject());
            }
        }
        Set<String> associated = new HashSet<>();
        for (FloatingIp ip : driver.view(Topics.STATE_FLOATING_IPS).values()) {
            if (ip.getFixedAddress() != null) {
                FixedIp target = driver.fact(Topics.STATE_FIXED_IPS, ip.getFixedAddress());
                if (target == null || !target.getProject().equals(ip.getProject()) || !target.getInstance().equals(ip.getInstance())) {
                    problems.add("floating IP " + ip.getAddress() + " of " + ip.getProject() + " points at " + ip.getFixedAddress()
                            + " which is " + target);
                }
                if (!associated.add(ip.getFixedAddress())) {
                    problems.add("fixed IP " + ip.getFixedAddress() + " has two floating IPs");
                }
            }
        }
    }

    private void vpns(List<String> problems) {
        Set<String> ports = new HashSet<>();
        for (Vpn vpn : driver.view(Topics.STATE_VPNS).values()) {
            if (!ports.add(vpn.getNodeId() + ":" + vpn.getPort())) {
                problems.add("VPN port " + vpn.getPort() + " of " + vpn.getNodeId() + " given twice");
            }
            Node node = driver.fact(Topics.STATE_NODES, vpn.getNodeId());
            if (node == null || vpn.getPort() < node.getVpnPortFirst() || vpn.getPort() > node.getVpnPortLast()) {
                problems.add("VPN of " + vpn.getProject() + " has port " + vpn.getPort() + " outside its node's range");
            }
            Network network = driver.fact(Topics.STATE_NETWORKS, vpn.getProject());
            Cidr clients = Cidr.parse(network.getVpnClientSubnet());
            Set<String> peers = new HashSet<>();
            for (VpnPeer peer : vpn.getPeers()) {
                long address = Ipv4.parse(peer.getAddress());
                if (!peers.add(peer.getAddress()) || !clients.contains(address) || peer.getAddress().equals(network.getVpnAddress())
                        || address == clients.network() || address == clients.last()) {
                    problems.add("VPN peer address " + peer.getAddress() + " of " + vpn.getProject() + " is taken or outside " + clients);
                }
            }
        }
    }

    /** Each node's desired state is exactly what the facts say it should hold, and its load counts its networks. */
    /**
     * A group's filter on the routing node holds its rules as the state says, each direction apart, with the groups
     * they name resolved to their subnets (rules naming a group without one left out); egress is null exactly when
     * the group has no egress rule (it may send anywhere).
     */
    private void groupFilter(String key, GroupSubnet subnet, GroupFilter filter, List<String> problems) {
        SecurityGroup group = driver.fact(Topics.STATE_GROUPS, subnet.getProject() + "/" + subnet.getGroup());
        List<Rule> rules = group == null ? List.of() : group.getRules();
        List<String> ingress = new ArrayList<>();
        List<String> egress = new ArrayList<>();
        for (Rule rule : rules) {
            boolean out = rule.getDirection() == Direction.EGRESS;
            String named = out ? rule.getDestinationGroup() : rule.getSourceGroup();
            String remote = out ? rule.getDestinationCidr() : rule.getSourceCidr();
            if (named != null) {
                GroupSubnet other = driver.fact(Topics.STATE_GROUP_SUBNETS, subnet.getProject() + "/" + named);
                remote = other == null ? null : other.getCidr();
            }
            if (remote != null) {
                (out ? egress : ingress).add(rule.getProtocol() + " " + rule.getFromPort() + "-" + rule.getToPort() + " "
                        + rule.getIcmpType() + "/" + rule.getIcmpCode() + " " + remote);
            }
        }
        List<String> filtered = filter.getRules().stream().map(r -> r.getProtocol() + " " + r.getFromPort() + "-" + r.getToPort()
                + " " + r.getIcmpType() + "/" + r.getIcmpCode() + " " + r.getSourceCidr()).toList();
        if (!filter.getSubnet().equals(subnet.getCidr()) || !filtered.equals(ingress)) {
            problems.add("filter " + key + " does not hold the ingress rules " + ingress + " of " + subnet.getCidr() + ": " + filter);
        }
        boolean hasEgress = rules.stream().anyMatch(r -> r.getDirection() == Direction.EGRESS);
        List<String> filteredOut = filter.getEgress() == null ? null : filter.getEgress().stream().map(r -> r.getProtocol() + " "
                + r.getFromPort() + "-" + r.getToPort() + " " + r.getIcmpType() + "/" + r.getIcmpCode() + " " + r.getDestinationCidr())
                .toList();
        if (hasEgress ? !egress.equals(filteredOut) : filteredOut != null) {
            problems.add("filter " + key + " does not hold the egress rules " + (hasEgress ? egress : "(none: null)") + ": " + filter);
        }
    }

    private void nodeState(List<String> problems) {
        Set<String> routing = new TreeSet<>();
        Set<String> addressing = new TreeSet<>();
        Set<String> bridging = new TreeSet<>();
        Set<String> tunneling = new TreeSet<>();
        Map<String, Integer> load = new HashMap<>();
        Map<String, SortedSet<String>> serving = servingNodes();
        for (Network network : driver.view(Topics.STATE_NETWORKS).values()) {
            String p = network.getProject();
            routing.add(network.getNodes().getRouting() + "/snat/" + p);
            addressing.add(network.getNodes().getAddressing() + "/net/" + p);
            var dhcpNetwork = driver.addressing(network.getNodes().getAddressing() + "/net/" + p);
            if (dhcpNetwork != null && !Objects.equals(((io.factnet.model.DhcpNetwork) dhcpNetwork.getEntry()).getServerAddress(),
                    dhcpAddress(network))) {
                problems.add("DHCP network of " + p + " listens elsewhere than " + dhcpAddress(network) + ": " + dhcpNetwork.getEntry());
            }
            for (String node : serving.get(p)) {
                bridge(network, node, serving.get(p), problems);
                bridging.add(node + "/bridge/" + p);
            }
            load.merge(network.getNodes().getRouting() + "/ROUTING", 1, Integer::sum);
            load.merge(network.getNodes().getAddressing() + "/ADDRESSING", 1, Integer::sum);
            load.merge(network.getNodes().getBridging() + "/BRIDGING", 1, Integer::sum);
        }
        for (GroupSubnet subnet : driver.view(Topics.STATE_GROUP_SUBNETS).values()) {
            String key = driver.fact(Topics.STATE_NETWORKS, subnet.getProject()).getNodes().getRouting()
                    + "/group/" + subnet.getProject() + "/" + subnet.getGroup();
            routing.add(key);
            var entry = driver.routing(key);
            if (entry != null) {
                groupFilter(key, subnet, (GroupFilter) entry.getEntry(), problems);
            }
            // each host of a member guards its port with the same filter (ADR 0035)
            Network network = driver.fact(Topics.STATE_NETWORKS, subnet.getProject());
            for (FixedIp member : driver.view(Topics.STATE_FIXED_IPS).values()) {
                if (member.getProject().equals(subnet.getProject()) && member.getGroup().equals(subnet.getGroup())) {
                    String onHost = hostOf(network, member) + "/group/" + subnet.getProject() + "/" + subnet.getGroup();
                    bridging.add(onHost);
                    var copy = driver.bridging(onHost);
                    if (copy != null && entry != null && !copy.getEntry().equals(entry.getEntry())) {
                        problems.add("filter " + onHost + " is not the routing node's " + key + ": " + copy.getEntry());
                    }
                }
            }
        }
        for (FixedIp ip : driver.view(Topics.STATE_FIXED_IPS).values()) {
            String key = driver.fact(Topics.STATE_NETWORKS, ip.getProject()).getNodes().getAddressing()
                    + "/host/" + ip.getProject() + "/" + ip.getAddress();
            addressing.add(key);
            var entry = driver.addressing(key);
            if (entry != null && !((DhcpHost) entry.getEntry()).getMac().equals(ip.getMac())) {
                problems.add("DHCP host " + key + " has another MAC than " + ip);
            }
            String port = hostOf(driver.fact(Topics.STATE_NETWORKS, ip.getProject()), ip)
                    + "/port/" + ip.getProject() + "/" + ip.getInstance();
            bridging.add(port);
            var portEntry = driver.bridging(port);
            if (portEntry != null && !(portEntry.getEntry() instanceof io.factnet.model.InstancePort watched
                    && watched.getMac().equals(ip.getMac()) && watched.getAddress().equals(ip.getAddress())
                    && PortNames.of(ip.getProject(), ip.getInstance()).equals(watched.getPort()) && ip.getGroup().equals(watched.getGroup()))) {
                problems.add("instance port " + port + " is not the port of " + ip);
            }
            Network ofIp = driver.fact(Topics.STATE_NETWORKS, ip.getProject());
            if (ip.getAddress().equals(Ipv4.format(Cidr.parse(ofIp.getVpnClientSubnet()).network() - 2))) {
                problems.add("fixed IP " + ip.getAddress() + " of " + ip.getInstance() + " is the DHCP server's address (ADR 0046)");
            }
            if ((ip.getStatus() == io.factnet.model.InstanceStatus.DOWN) != (ip.getDownSince() != null)) {
                problems.add("fixed IP " + ip.getAddress() + " has status " + ip.getStatus() + " and downSince " + ip.getDownSince());
            }
        }
        for (FloatingIp ip : driver.view(Topics.STATE_FLOATING_IPS).values()) {
            if (ip.getFixedAddress() != null) {
                String key = driver.fact(Topics.STATE_NETWORKS, ip.getProject()).getNodes().getRouting() + "/fip/" + ip.getAddress();
                routing.add(key);
                var entry = driver.routing(key);
                if (entry != null && !((FloatingNat) entry.getEntry()).getFixedAddress().equals(ip.getFixedAddress())) {
                    problems.add("NAT " + key + " points elsewhere than " + ip);
                }
            }
        }
        for (Vpn vpn : driver.view(Topics.STATE_VPNS).values()) {
            Network network = driver.fact(Topics.STATE_NETWORKS, vpn.getProject());
            routing.add(network.getNodes().getRouting() + "/vpn/" + vpn.getProject());
            tunneling.add(vpn.getNodeId() + "/vpn/" + vpn.getProject());
            load.merge(vpn.getNodeId() + "/TUNNELING", 1, Integer::sum);
            if (!Objects.equals(network.getNodes().getTunneling(), vpn.getNodeId())) {
                problems.add("network of " + vpn.getProject() + " names tunneling node " + network.getNodes().getTunneling());
            }
        }
        interfaceNames(problems);
        compare("routing", routing, driver.view(Topics.NODE_ROUTING).keySet(), problems);
        compare("addressing", addressing, driver.view(Topics.NODE_ADDRESSING).keySet(), problems);
        compare("bridging", bridging, driver.view(Topics.NODE_BRIDGING).keySet(), problems);
        compare("tunneling", tunneling, driver.view(Topics.NODE_TUNNELING).keySet(), problems);
        for (Node node : driver.view(Topics.STATE_NODES).values()) {
            for (NodeRole role : NodeRole.values()) {
                int expected = load.getOrDefault(node.getNodeId() + "/" + role, 0);
                if (node.getLoad().getOrDefault(role.name(), 0) != expected) {
                    problems.add("node " + node.getNodeId() + " has load " + node.getLoad() + " but carries " + expected + " as " + role);
                }
            }
        }
    }

    /** The node an instance's port is on: its host, or the network host. */
    private static String hostOf(Network network, FixedIp ip) {
        return ip.getHost() != null ? ip.getHost() : network.getNodes().getBridging();
    }

    /** Per project with a network: the nodes that carry its bridge, recomputed from the facts (ADR 0035). */
    private Map<String, SortedSet<String>> servingNodes() {
        Map<String, SortedSet<String>> serving = new HashMap<>();
        for (Network network : driver.view(Topics.STATE_NETWORKS).values()) {
            // the network's own nodes (ADR 0046) and the hosts of its instances
            serving.computeIfAbsent(network.getProject(), p -> new TreeSet<>()).addAll(List.of(network.getNodes().getBridging(),
                    network.getNodes().getRouting(), network.getNodes().getAddressing()));
        }
        for (FixedIp ip : driver.view(Topics.STATE_FIXED_IPS).values()) {
            if (ip.getHost() != null) {
                serving.get(ip.getProject()).add(ip.getHost());
            }
        }
        return serving;
    }

    /**
     * The project's bridge on a node: the gateway on the routing node only, the DHCP server's address (when the addressing
     * node is not the routing node: the last host address before the VPN client subnet, ADR 0046) named on every node's and
     * carried by the addressing node's, the other nodes' underlay addresses as peers.
     */
    private void bridge(Network network, String node, SortedSet<String> serving, List<String> problems) {
        String key = node + "/bridge/" + network.getProject();
        var entry = driver.bridging(key);
        if (entry == null) {
            return; // reported as missing
        }
        List<String> peers = new ArrayList<>();
        for (String other : serving) {
            Node fact = driver.fact(Topics.STATE_NODES, other);
            if (!other.equals(node) && fact != null && fact.getUnderlayAddress() != null) {
                peers.add(fact.getUnderlayAddress());
            }
        }
        io.factnet.model.BridgeNetwork bridge = (io.factnet.model.BridgeNetwork) entry.getEntry();
        String dhcp = dhcpAddress(network);
        if (bridge.getGatewayHere() != node.equals(network.getNodes().getRouting()) || !bridge.getPeers().equals(peers)
                || bridge.getVlan() != network.getVlan() || !Objects.equals(bridge.getDhcpAddress(), dhcp)
                || bridge.getDhcpHere() != (dhcp != null && node.equals(network.getNodes().getAddressing()))) {
            problems.add("bridge " + key + " is not the one of " + serving + " with peers " + peers + ": " + bridge);
        }
    }

    /** The DHCP server's own address when the addressing node is not the routing node (ADR 0046); null: the gateway. */
    static String dhcpAddress(Network network) {
        if (network.getNodes().getAddressing().equals(network.getNodes().getRouting())) {
            return null;
        }
        return Ipv4.format(Cidr.parse(network.getVpnClientSubnet()).network() - 2);
    }

    /**
     * A node's interfaces are named by the VLAN id (br, vlan, wg + id; dnsmasq binds to the bridge): one name on one
     * node belongs to one network, and every node serves the physical networks of the networks it carries (issue 16).
     */
    private void interfaceNames(List<String> problems) {
        Map<String, String> owners = new HashMap<>();
        for (Network network : driver.view(Topics.STATE_NETWORKS).values()) {
            Node routing = driver.fact(Topics.STATE_NODES, network.getNodes().getRouting());
            // every node of the network has its bridge br<vlan> (ADR 0046)
            Set<String> named = new TreeSet<>(List.of(network.getNodes().getAddressing(), network.getNodes().getBridging(),
                    routing == null ? network.getNodes().getRouting() : routing.getNodeId()));
            if (network.getNodes().getTunneling() != null) {
                named.add(network.getNodes().getTunneling());
            }
            for (FixedIp ip : driver.view(Topics.STATE_FIXED_IPS).values()) {
                if (ip.getProject().equals(network.getProject()) && ip.getHost() != null) {
                    named.add(ip.getHost()); // a compute host carries the project's bridge br<vlan>
                }
            }
            for (String nodeId : named) {
                String owner = owners.putIfAbsent(nodeId + "/" + network.getVlan(), network.getProject());
                if (owner != null) {
                    problems.add("node " + nodeId + " carries VLAN " + network.getVlan() + " of " + owner + " and of " + network.getProject());
                }
            }
            named.add(routing == null ? network.getNodes().getRouting() : routing.getNodeId());
            for (String nodeId : named) {
                Node node = driver.fact(Topics.STATE_NODES, nodeId);
                if (node != null && !node.getPhysicalNetworks().isEmpty() && !node.getPhysicalNetworks().contains(network.getPhysicalNetwork())) {
                    problems.add("node " + nodeId + " carries the network of " + network.getProject() + " on "
                            + network.getPhysicalNetwork() + " but serves only " + node.getPhysicalNetworks());
                }
            }
        }
    }

    private static void compare(String role, Set<String> expected, Set<String> actual, List<String> problems) {
        if (!expected.equals(new TreeSet<>(actual))) {
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(actual);
            Set<String> extra = new TreeSet<>(actual);
            extra.removeAll(expected);
            problems.add(role + " desired state: missing " + missing + ", not backed by facts " + extra);
        }
    }

    /** After an accepted allocation, the project's usage is within its quota. */
    private void quotas(Request request, List<String> problems) {
        String project = request.getProject();
        int[] quota = quota(project);
        Object command = request.getCommand();
        if (command instanceof AllocateFloatingIp) {
            long count = driver.view(Topics.STATE_FLOATING_IPS).values().stream().filter(f -> f.getProject().equals(project)).count();
            if (count > quota[0]) {
                problems.add(project + " holds " + count + " floating IPs, quota " + quota[0]);
            }
        } else if (command instanceof CreateSecurityGroup) {
            long count = driver.view(Topics.STATE_GROUPS).values().stream()
                    .filter(g -> g.getProject().equals(project) && !g.getName().equals("default")).count();
            if (count > quota[1]) {
                problems.add(project + " has " + count + " security groups, quota " + quota[1]);
            }
        } else if (command instanceof AddRule rule) {
            SecurityGroup group = driver.fact(Topics.STATE_GROUPS, project + "/" + rule.getGroup());
            if (group.getRules().size() > quota[2]) {
                problems.add(project + "/" + rule.getGroup() + " has " + group.getRules().size() + " rules, quota " + quota[2]);
            }
        } else if (command instanceof AllocateFixedIp) {
            long count = driver.view(Topics.STATE_FIXED_IPS).values().stream().filter(f -> f.getProject().equals(project)).count();
            if (quota[3] >= 0 && count > quota[3]) {
                problems.add(project + " holds " + count + " fixed IPs, quota " + quota[3]);
            }
        }
    }
}
