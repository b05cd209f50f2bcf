package io.factnet.node.linux;

import static io.factnet.node.linux.LinuxLab.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AddRule;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.Allocation;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.MoveNetwork;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeProcess;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.tunneling.TunnelingConfig;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.PortNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Split network roles (ADR 0046), proven with packets: the network's routing, addressing and bridging roles each on a
 * node of its own (r1, a1, b1), a compute host c1, and a spare addressing node a2, joined by an underlay with the
 * project's L2 over VXLAN. The routing and addressing nodes run no instance: their bridging agent runs only to join the
 * L2 ({@link NodeConfig#agentRoles()}). An instance on c1 gets its address by DHCP from a1's dnsmasq on a1's own address,
 * pings its gateway on r1, reaches the outside through r1's SNAT and is reached through a floating address; then the
 * addressing role moves to a2 (DHCP answers from a2, a1 leaves the L2) and the routing role to r2 (the gateway, NAT and
 * floating address follow), and the traffic still flows. Each step's time is printed ("split roles: ...").
 *
 * <pre>
 *   ns P (outside) -- pub0 [r1] / pub0 [r2] (one outside link each)
 *   underlay bridge "ul" in ns U (192.0.2.0/24): r1 .1, a1 .2, b1 .3, c1 .4, a2 .5, r2 .6
 *   [c1] br&lt;vlan&gt; -- VM web1
 * </pre>
 */
class LinuxSplitRolesTest {
    static final String PROJECT = "p1";
    static final String PUBLIC1 = "198.51.100.1";
    static final String PUBLIC2 = "198.51.100.3";
    static final String OUTSIDE = "198.51.100.2";
    static final String FLOATING_RANGE = "198.51.100.200-198.51.100.209";
    static final String WEB_MAC = "fa:16:3e:00:05:01";
    static final Duration WAIT = Duration.ofSeconds(30);

    LinuxLab lab;
    Path work;
    EmbeddedKafka kafka;
    String registryScope;
    ControllerCloud cloud;
    final List<NodeProcess> nodes = new ArrayList<>();
    final Map<String, String> namespaces = new HashMap<>();
    String outside;

    @BeforeEach
    void lab() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux split roles test skipped: " + unavailable.orElse(""));
        lab = new LinuxLab();
        work = Files.createTempDirectory("factnet-split-" + lab.id + "-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        outside = lab.namespace("p");
        String underlay = lab.namespace("u");
        lab.run(underlay, "ip", "link", "add", "ul", "type", "bridge");
        lab.run(outside, "ip", "link", "add", "out", "type", "bridge");
        lab.run(outside, "ip", "link", "set", "out", "up");
        lab.run(underlay, "ip", "link", "set", "ul", "up");
        int n = 1;
        for (String node : List.of("r1", "a1", "b1", "c1", "a2", "r2")) {
            String ns = lab.namespace(node);
            namespaces.put(node, ns);
            lab.veth(ns, "ul0", underlay, "to-" + node);
            lab.run(underlay, "ip", "link", "set", "to-" + node, "master", "ul", "up");
            lab.addressUp(ns, "ul0", "192.0.2." + n++ + "/24");
        }
        // both routing nodes on the outside's link, as two network hosts on one provider network
        for (String node : List.of("r1", "r2")) {
            lab.veth(namespaces.get(node), "pub0", outside, "to-" + node);
            lab.run(outside, "ip", "link", "set", "to-" + node, "master", "out", "up");
            lab.addressUp(namespaces.get(node), "pub0", (node.equals("r1") ? PUBLIC1 : PUBLIC2) + "/24");
        }
        lab.addressUp(outside, "out", OUTSIDE + "/24");
        kafka = EmbeddedKafka.start(work.resolve("kafka"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (lab == null) {
            return;
        }
        try (LinuxLab namespaces = lab; EmbeddedKafka broker = kafka; ControllerCloud controller = cloud) {
            for (NodeProcess node : nodes) {
                try {
                    node.close();
                } catch (RuntimeException e) {
                    // the others still close
                }
            }
        } finally {
            if (registryScope != null) {
                InMemorySchemaRegistryClient.dropScope(registryScope);
            }
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(StateFiles::delete);
            }
        }
    }

    NodeConfig node(String id, NodeRole role, String publicAddress) {
        String underlay = lab.run(namespaces.get(id), "ip", "-o", "-4", "address", "show", "dev", "ul0").stdout()
                .split("\\s+inet\\s+")[1].split("/")[0];
        return new NodeConfig(id, List.of(role), List.of(role), NodeConfig.Driver.LINUX, Optional.of(namespaces.get(id)),
                work.resolve("state-" + id),
                new RoutingConfig(Ipv4Address.parse(publicAddress), InterfaceName.of("pub0"), RoutingConfig.DEFAULT_METADATA_HOST,
                        List.of(), RoutingConfig.Firewall.NFTABLES),
                new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of(), BridgingConfig.DEFAULT_PORT_GRACE,
                        Map.of("physnet1", BridgingConfig.L2.VXLAN), Optional.of(Ipv4Address.parse(underlay)), true),
                new TunnelingConfig("w" + lab.id, TunnelingConfig.Implementation.AUTO), 51820, 51829,
                Duration.ofMillis(50), Duration.ofSeconds(30));
    }

    void start(String id, NodeRole role, String publicAddress, Map<String, Object> clients, SchemaRegistryClient registry) {
        NodeProcess node = NodeProcess.build(node(id, role, publicAddress), clients, registry);
        nodes.add(node);
        node.start().register();
        cloud.awaitStore(stores -> stores.node(id), "node " + id + " registered by its agents");
    }

    @Test
    void routingAddressingAndBridgingOnNodesOfTheirOwnServeTheNetworkAndEachRoleMoves() throws Exception {
        registryScope = "linux-split-" + lab.id;
        SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope(registryScope);
        Map<String, Object> clients = Map.of("bootstrap.servers", kafka.bootstrapServers());
        cloud = ControllerCloud.start(kafka.bootstrapServers(), "mock://" + registryScope, registry, work.resolve("controller"),
                2, lab.id);
        cloud.admin(DefineVlanRange.newBuilder().setFirst(100).setLast(199).build());
        cloud.admin(DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build());
        cloud.admin(DefineFloatingPool.newBuilder().setPool("public").setRanges(List.of(FLOATING_RANGE)).build());
        // No node has all three roles: each goes to the one node that has it (ADR 0038's rule 2).
        start("r1", NodeRole.ROUTING, PUBLIC1, clients, registry);
        start("a1", NodeRole.ADDRESSING, "198.51.100.21", clients, registry);
        start("b1", NodeRole.BRIDGING, "198.51.100.22", clients, registry);
        Allocation network = cloud.request(PROJECT, CreateNetwork.newBuilder().build()).result().getAllocated();
        var placed = cloud.awaitStore(stores -> stores.project(PROJECT).map(p -> p.getNetwork()).filter(x -> x != null), "the network")
                .getNodes();
        assertThat(List.of(placed.getRouting(), placed.getAddressing(), placed.getBridging())).containsExactly("r1", "a1", "b1");
        start("c1", NodeRole.BRIDGING, "198.51.100.23", clients, registry);
        start("a2", NodeRole.ADDRESSING, "198.51.100.24", clients, registry);
        start("r2", NodeRole.ROUTING, PUBLIC2, clients, registry);
        Ipv4Cidr block = Ipv4Cidr.parseNetwork(network.getCidr());
        String bridge = network.getBridge();
        String gateway = network.getGateway();

        // Each node of the network carries its bridge: the gateway on r1's, a1's own address on a1's, none on b1's.
        assertThat(eventually(WAIT, () -> addresses("r1", bridge).equals(List.of(gateway + "/" + block.prefix()))))
                .as("the gateway on r1's bridge: %s", addresses("r1", bridge)).isTrue();
        assertThat(eventually(WAIT, () -> addresses("a1", bridge).size() == 1)).as("an address on a1's bridge").isTrue();
        String dhcpServer = addresses("a1", bridge).get(0).split("/")[0];
        assertThat(dhcpServer).isNotEqualTo(gateway);
        assertThat(block.contains(Ipv4Address.parse(dhcpServer))).isTrue();
        assertThat(eventually(WAIT, () -> lab.tryRun(namespaces.get("b1"), "ip", "link", "show", "dev", bridge).ok()))
                .as("b1 carries the bridge").isTrue();
        assertThat(addresses("b1", bridge)).as("no address on the bridging node's bridge").isEmpty();

        cloud.request(PROJECT, CreateSecurityGroup.newBuilder().setName("web").build());
        cloud.request(PROJECT, AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(22).setToPort(22)
                .setSourceCidr("0.0.0.0/0").build());
        cloud.request(PROJECT, AddRule.newBuilder().setGroup("web").setProtocol(Protocol.ICMP).setSourceCidr("0.0.0.0/0").build());

        // DHCP from a1's dnsmasq on its own address, across VXLAN to c1.
        long allocating = System.nanoTime();
        Allocation web = cloud.request(PROJECT, AllocateFixedIp.newBuilder().setInstance("web1").setGroup("web").setMac(WEB_MAC)
                .setHost("c1").build()).result().getAllocated();
        String vm = lab.namespace("vweb");
        String c1 = namespaces.get("c1");
        assertThat(eventually(WAIT, () -> lab.tryRun(c1, "ip", "link", "show", "dev", bridge).ok())).as("%s on c1", bridge).isTrue();
        lab.attachVm(c1, vm, bridge, WEB_MAC, PortNames.of(PROJECT, "web1"));
        Map<String, String> lease = dhcp(vm);
        System.out.println("split roles: allocate-fixed-ip on c1 to the DHCP answer from a1 in " + ms(allocating) + " ms");
        assertThat(lease).as("web1's lease").containsEntry("ip", web.getAddress()).containsEntry("router", gateway)
                .containsEntry("serverid", dhcpServer).containsEntry("dns", dhcpServer);
        lab.run(vm, "ip", "address", "replace", web.getAddress() + "/" + block.prefix(), "dev", "eth0");
        lab.run(vm, "ip", "route", "replace", "default", "via", gateway);
        lab.spawn(vm, "nc", "-lk", "22");
        lab.spawn(outside, "nc", "-lk", "9000");

        // The gateway on r1, SNAT out, a floating address in.
        String floating = cloud.request(PROJECT, AllocateFloatingIp.newBuilder().setPool("public").build()).result()
                .getAllocated().getAddress();
        cloud.request(PROJECT, AssociateFloatingIp.newBuilder().setAddress(floating).setInstance("web1").build());
        assertThat(eventually(WAIT, () -> traffic(vm, gateway, floating))).as("gateway, SNAT and the floating address").isTrue();

        // Move the addressing role to a2: DHCP answers from a2 on the same address; a1 leaves the L2.
        long moving = System.nanoTime();
        cloud.request(PROJECT, MoveNetwork.newBuilder().setRole(NodeRole.ADDRESSING).setNodeId("a2").build());
        assertThat(eventually(WAIT, () -> !lab.tryRun(namespaces.get("a1"), "ip", "link", "show", "dev", bridge).ok()))
                .as("the bridge leaves a1").isTrue();
        assertThat(addresses("a2", bridge)).as("a2's bridge").containsExactly(dhcpServer + "/" + block.prefix());
        Map<String, String> again = dhcp(vm);
        System.out.println("split roles: move of the addressing role to a2 to its DHCP answer in " + ms(moving) + " ms");
        assertThat(again).as("the lease from a2").containsEntry("ip", web.getAddress()).containsEntry("serverid", dhcpServer);
        assertThat(traffic(vm, gateway, floating)).as("traffic after the addressing move").isTrue();

        // Move the routing role to r2: the gateway, SNAT and the floating address follow.
        moving = System.nanoTime();
        cloud.request(PROJECT, MoveNetwork.newBuilder().setRole(NodeRole.ROUTING).setNodeId("r2").build());
        lab.run(vm, "ip", "neigh", "flush", "all"); // the gateway's MAC is r2's now; an instance relearns it (or a GARP tells it)
        lab.run(outside, "ip", "neigh", "flush", "all");
        assertThat(eventually(WAIT, () -> traffic(vm, gateway, floating))).as("traffic after the routing move").isTrue();
        System.out.println("split roles: move of the routing role to r2 to traffic in " + ms(moving) + " ms");
        assertThat(addresses("r2", bridge)).containsExactly(gateway + "/" + block.prefix());
        assertThat(eventually(WAIT, () -> !lab.tryRun(namespaces.get("r1"), "ip", "link", "show", "dev", bridge).ok()))
                .as("the bridge leaves r1").isTrue();
        assertThat(dhcp(vm)).as("DHCP after the routing move").containsEntry("ip", web.getAddress()).containsEntry("router", gateway);
    }

    /** The VM pings its gateway, reaches the outside (SNAT: the outside has no route to the block), and its floating address answers. */
    private boolean traffic(String vm, String gateway, String floating) {
        return ping(vm, gateway) && tcp(vm, OUTSIDE, 9000) && ping(outside, floating) && tcp(outside, floating, 22);
    }

    private List<String> addresses(String node, String bridge) {
        var shown = lab.tryRun(namespaces.get(node), "ip", "-o", "-4", "address", "show", "dev", bridge);
        if (!shown.ok()) {
            return List.of();
        }
        return shown.stdout().lines().map(l -> l.split("\\s+inet\\s+")[1].split("\\s+")[0]).toList();
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    /** udhcpc with our own script, which only writes down what it was told. */
    private Map<String, String> dhcp(String vm) throws Exception {
        Path script = work.resolve("udhcpc-script-" + vm);
        Path answer = work.resolve("udhcpc-answer-" + vm);
        Files.deleteIfExists(answer);
        Files.writeString(script, "#!/bin/sh\n[ \"$1\" = bound ] || exit 0\n"
                + "printf 'ip=%s\\nrouter=%s\\nserverid=%s\\ndns=%s\\n' \"$ip\" \"$router\" \"$serverid\" \"$dns\" > '" + answer + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        lab.run(vm, "udhcpc", "-f", "-q", "-n", "-i", "eth0", "-s", script.toString(), "-t", "10", "-T", "1");
        Map<String, String> values = new HashMap<>();
        Files.readAllLines(answer).forEach(line -> values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1)));
        return values;
    }

    private boolean ping(String from, String address) {
        return lab.tryRun(from, "ping", "-c", "1", "-W", "1", address).ok();
    }

    private boolean tcp(String from, String address, int port) {
        return lab.tryRun(from, "nc", "-z", "-w", "2", address, String.valueOf(port)).ok();
    }
}
