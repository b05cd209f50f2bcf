package io.factnet.cli.demo;

import io.factnet.model.AddRule;
import io.factnet.model.AddVpnPeer;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.CreateVpn;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.RegisterNode;
import io.factnet.model.Request;
import io.factnet.topics.RequestRoutes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's cloud: the operator's pools and nodes, then three projects (50 instances in all) with
 * security groups and rules (one from a source group in each), floating IPs, and a VPN with a peer.
 * Played in three steps, since an association needs the address its allocation returned.
 */
public final class Scenario {
    public static final String POOL = "public";
    /** The physical network of every project network (the default of CreateNetwork); every node has an interface on it. */
    public static final String PHYSICAL_NETWORK = "physnet1";
    public static final String SUPERNET = "10.20.0.0/16";
    public static final String FLOATING_CIDR = "203.0.113.0/24";
    public static final int VLAN_FIRST = 100;
    public static final int VLAN_LAST = 199;
    /** A WireGuard client's public key (a laptop's; its private key never exists here). */
    public static final String PEER_KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

    /**
     * A node and its roles; the public addresses are TEST-NET-2, the underlay addresses (the VXLAN tunnel endpoints
     * between the hosts, ADR 0035) TEST-NET-1; null: not on the underlay (the VPN node has no bridge).
     */
    public record DemoNode(String nodeId, List<NodeRole> roles, String publicAddress, String underlayAddress) {
    }

    /**
     * nova-network's network host (NAT and firewall, DHCP, the project's bridge with its gateway: dnsmasq binds to
     * it), a VPN node, and two compute hosts that run the instances (bridging only), joined to the network host by
     * VXLAN.
     */
    public static final List<DemoNode> NODES = List.of(
            new DemoNode("network-1", List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING), "198.51.100.1", "192.0.2.1"),
            new DemoNode("vpn-1", List.of(NodeRole.TUNNELING), "198.51.100.2", null),
            new DemoNode("compute-1", List.of(NodeRole.BRIDGING), "198.51.100.11", "192.0.2.11"),
            new DemoNode("compute-2", List.of(NodeRole.BRIDGING), "198.51.100.12", "192.0.2.12"));

    /** The compute hosts: a group's instances go to them in turn ({@code web-01} to the first, {@code web-02} to the second). */
    public static final List<String> COMPUTE_HOSTS = List.of("compute-1", "compute-2");

    /** The node that runs a role. */
    public static DemoNode nodeOf(NodeRole role) {
        return NODES.stream().filter(n -> n.roles().contains(role)).findFirst().orElseThrow();
    }

    /** A security group with its rules and its instances ({@code prefix-01} ...). */
    record Group(String name, String description, List<AddRule> rules, String prefix, int instances, int floating) {
    }

    record Project(String name, List<Group> groups, boolean vpn) {
        int instances() {
            return groups.stream().mapToInt(Group::instances).sum();
        }
    }

    static final List<Project> PROJECTS = List.of(
            new Project("acme", List.of(
                    new Group("web", "public web servers", List.of(
                            tcp("web", 80, "0.0.0.0/0"), tcp("web", 443, "0.0.0.0/0"), ping("web", "0.0.0.0/0")), "web", 14, 3),
                    new Group("db", "databases, reached from web only", List.of(tcpFromGroup("db", 5432, "web")), "db", 6, 0)),
                    true),
            new Project("globex", List.of(
                    new Group("app", "application servers", List.of(tcp("app", 8080, "0.0.0.0/0")), "app", 12, 2),
                    new Group("cache", "redis, reached from app only", List.of(tcpFromGroup("cache", 6379, "app")), "cache", 6, 0)),
                    false),
            new Project("initech", List.of(
                    new Group("bastion", "ssh from the office", List.of(tcp("bastion", 22, "192.0.2.0/24")), "bastion", 2, 1),
                    new Group("ci", "build agents, ssh from the bastion", List.of(tcpFromGroup("ci", 22, "bastion")), "ci", 10, 0)),
                    false));

    private final Instant now = Instant.now();
    private int sequence;

    public static int projectCount() {
        return PROJECTS.size();
    }

    public static int instanceCount() {
        return PROJECTS.stream().mapToInt(Project::instances).sum();
    }

    public static int floatingCount() {
        return PROJECTS.stream().flatMap(p -> p.groups().stream()).mapToInt(Group::floating).sum();
    }

    /** Step 1, on factnet.admin-requests: the VLAN range, the supernet, the floating pool and the nodes. */
    public List<Request> pools() {
        List<Request> requests = new ArrayList<>();
        String admin = RequestRoutes.ADMIN_PROJECT;
        requests.add(request(admin, DefineVlanRange.newBuilder().setFirst(VLAN_FIRST).setLast(VLAN_LAST).build()));
        requests.add(request(admin, DefineSupernet.newBuilder().setCidr(SUPERNET).build()));
        requests.add(request(admin, DefineFloatingPool.newBuilder().setPool(POOL).setCidrs(List.of(FLOATING_CIDR)).build()));
        for (DemoNode node : NODES) {
            requests.add(request(admin, RegisterNode.newBuilder().setNodeId(node.nodeId()).setRoles(node.roles())
                    .setPublicAddress(node.publicAddress()).setPhysicalNetworks(List.of(PHYSICAL_NETWORK))
                    .setUnderlayAddress(node.underlayAddress()).build()));
        }
        return requests;
    }

    /** Step 2, on factnet.requests: per project its network, groups, rules, instances, floating IPs and VPN. */
    public List<Request> projects() {
        List<Request> requests = new ArrayList<>();
        for (Project project : PROJECTS) {
            String p = project.name();
            requests.add(request(p, CreateNetwork.newBuilder().setDnsServers(List.of("9.9.9.9")).build()));
            for (Group group : project.groups()) {
                requests.add(request(p, CreateSecurityGroup.newBuilder().setName(group.name()).setDescription(group.description()).build()));
            }
            for (Group group : project.groups()) {
                group.rules().forEach(rule -> requests.add(request(p, rule)));
            }
            for (Group group : project.groups()) {
                for (int i = 1; i <= group.instances(); i++) {
                    requests.add(request(p, AllocateFixedIp.newBuilder().setInstance(instance(group, i)).setGroup(group.name())
                            .setHost(hostOf(i)).build()));
                }
                for (int i = 1; i <= group.floating(); i++) {
                    requests.add(request(p, AllocateFloatingIp.newBuilder().setPool(POOL).build()));
                }
            }
            if (project.vpn()) {
                requests.add(request(p, CreateVpn.newBuilder().build()));
                requests.add(request(p, AddVpnPeer.newBuilder().setPublicKey(PEER_KEY).build()));
            }
        }
        return requests;
    }

    /**
     * Step 3: each floating IP allocated in step 2 associated with the next instance of its group that
     * asked for one ({@code web-01}, {@code web-02}, ...).
     *
     * @param floating per project, the floating addresses it was given, in the order of step 2
     */
    public List<Request> associations(Map<String, List<String>> floating) {
        List<Request> requests = new ArrayList<>();
        for (Project project : PROJECTS) {
            List<String> addresses = floating.getOrDefault(project.name(), List.of());
            int next = 0;
            for (Group group : project.groups()) {
                for (int i = 1; i <= group.floating(); i++) {
                    if (next == addresses.size()) {
                        throw new IllegalStateException(project.name() + " was given " + addresses.size() + " floating IPs, not "
                                + floatingOf(project));
                    }
                    requests.add(request(project.name(), AssociateFloatingIp.newBuilder().setAddress(addresses.get(next++))
                            .setInstance(instance(group, i)).build()));
                }
            }
        }
        return requests;
    }

    private static int floatingOf(Project project) {
        return project.groups().stream().mapToInt(Group::floating).sum();
    }

    /** The compute host of a group's i-th instance (from 1). */
    public static String hostOf(int i) {
        return COMPUTE_HOSTS.get((i - 1) % COMPUTE_HOSTS.size());
    }

    static String instance(Group group, int i) {
        return String.format(Locale.ROOT, "%s-%02d", group.prefix(), i);
    }

    private Request request(String project, Object command) {
        return Request.newBuilder().setRequestId(String.format(Locale.ROOT, "demo-%03d", ++sequence)).setProject(project)
                .setSubmittedAt(now).setCommand(command).build();
    }

    private static AddRule tcp(String group, int port, String cidr) {
        return AddRule.newBuilder().setGroup(group).setProtocol(Protocol.TCP).setFromPort(port).setToPort(port)
                .setSourceCidr(cidr).build();
    }

    private static AddRule tcpFromGroup(String group, int port, String source) {
        return AddRule.newBuilder().setGroup(group).setProtocol(Protocol.TCP).setFromPort(port).setToPort(port)
                .setSourceGroup(source).build();
    }

    private static AddRule ping(String group, String cidr) {
        return AddRule.newBuilder().setGroup(group).setProtocol(Protocol.ICMP).setIcmpType(8).setIcmpCode(0)
                .setSourceCidr(cidr).build();
    }
}
