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
import io.factnet.model.MoveInstance;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeProcess;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
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
 * The controller-driven multi-host proof (ADR 0035): the embedded broker, the NetworkController in process, a network
 * host running routing, addressing and bridging (the public side toward an outside namespace), and two compute hosts
 * running only the bridging agent; the three joined by an underlay bridge (192.0.2.0/24, only inside the test's
 * namespaces) with the project's L2 over VXLAN ({@code --l2 physnet1=vxlan}). VMs are namespaces on their compute
 * host's {@code br<vlan>} through a port named {@link PortNames#of} their project and instance, placed by {@code AllocateFixedIp.host}
 * and moved by {@code MoveInstance}. Proven with packets: DHCP from the network host's dnsmasq across VXLAN, a floating
 * IP of a VM on a compute host, east-west between hosts as the groups allow and no further, and a move that keeps the
 * address and brings traffic back (the times are printed). DHCP to web1 needs the compute host's port filter to let the
 * DHCP server's unicast answers in (its group's rules open nothing to the gateway); db1's group happens to hold the
 * gateway's subnet, so its own same-group rule would let them in anyway.
 *
 * <pre>
 *   ns P (outside) -- pub0 [ns R: network host] --\
 *                                                  bridge "ul" in ns U (underlay, 192.0.2.0/24)
 *                     [ns C1: compute-1] ---------/ \--------- [ns C2: compute-2]
 *                      br&lt;vlan&gt; -- VM web1         br&lt;vlan&gt; -- VM db1
 * </pre>
 */
class LinuxMultiHostTest {
    static final String NETWORK_HOST = "nethost";
    static final String COMPUTE1 = "compute-1";
    static final String COMPUTE2 = "compute-2";
    static final String PUBLIC = "198.51.100.1";
    static final String FLOATING_RANGE = "198.51.100.200-198.51.100.209";
    static final String PROJECT = "p1";
    static final String WEB_MAC = "fa:16:3e:00:03:01";
    static final String DB_MAC = "fa:16:3e:00:03:02";
    static final Duration WAIT = Duration.ofSeconds(20);

    LinuxLab lab;
    Path work;
    EmbeddedKafka kafka;
    String registryScope;
    ControllerCloud cloud;
    final List<NodeProcess> nodes = new ArrayList<>();
    String router;
    String compute1;
    String compute2;
    String outside;

    @BeforeEach
    void lab() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux multi-host test skipped: " + unavailable.orElse(""));
        lab = new LinuxLab();
        // dnsmasq drops to an unprivileged user and must still reach its hosts file: o+x on the path.
        work = Files.createTempDirectory("factnet-multi-" + lab.id + "-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        router = lab.namespace("r");
        compute1 = lab.namespace("c1");
        compute2 = lab.namespace("c2");
        outside = lab.namespace("p");
        String underlay = lab.namespace("u");
        lab.run(underlay, "ip", "link", "add", "ul", "type", "bridge");
        lab.run(underlay, "ip", "link", "set", "ul", "up");
        Map<String, String> underlayAddresses = Map.of(router, "192.0.2.1/24", compute1, "192.0.2.2/24", compute2, "192.0.2.3/24");
        int n = 0;
        for (String host : List.of(router, compute1, compute2)) {
            String port = "to-h" + n++;
            lab.veth(host, "ul0", underlay, port);
            lab.run(underlay, "ip", "link", "set", port, "master", "ul", "up");
            lab.addressUp(host, "ul0", underlayAddresses.get(host));
        }
        lab.veth(router, "pub0", outside, "eth0");
        lab.addressUp(router, "pub0", PUBLIC + "/24");
        lab.addressUp(outside, "eth0", "198.51.100.2/24");
        kafka = EmbeddedKafka.start(work.resolve("kafka"));
    }

    /** Everything the test made goes, in order, also after a failure: agents, controller, broker, namespaces, files. */
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

    NodeConfig node(String id, List<NodeRole> roles, String netns, String publicAddress, String underlay) {
        return new NodeConfig(id, roles, roles, NodeConfig.Driver.LINUX, Optional.of(netns), work.resolve("state-" + id),
                new RoutingConfig(Ipv4Address.parse(publicAddress), InterfaceName.of("pub0"), RoutingConfig.DEFAULT_METADATA_HOST,
                        List.of(), RoutingConfig.Firewall.NFTABLES),
                new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of(), BridgingConfig.DEFAULT_PORT_GRACE,
                        Map.of("physnet1", BridgingConfig.L2.VXLAN), Optional.of(Ipv4Address.parse(underlay)), true),
                new TunnelingConfig("w" + lab.id, TunnelingConfig.Implementation.AUTO), 51820, 51829,
                Duration.ofMillis(50), Duration.ofSeconds(30));
    }

    NodeProcess start(NodeConfig config, Map<String, Object> clients, SchemaRegistryClient registry) {
        NodeProcess node = NodeProcess.build(config, clients, registry);
        nodes.add(node);
        node.start().register(); // one principal here: it may write admin requests
        cloud.awaitStore(stores -> stores.node(config.nodeId()), "node " + config.nodeId() + " registered by its agents");
        return node;
    }

    @Test
    void instancesOnComputeHostsGetDhcpFloatingIpsGroupFilteredEastWestAndMove() throws Exception {
        registryScope = "linux-multi-" + lab.id;
        SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope(registryScope);
        Map<String, Object> clients = Map.of("bootstrap.servers", kafka.bootstrapServers());
        cloud = ControllerCloud.start(kafka.bootstrapServers(), "mock://" + registryScope, registry, work.resolve("controller"),
                2, lab.id);
        cloud.admin(DefineVlanRange.newBuilder().setFirst(100).setLast(199).build());
        cloud.admin(DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build());
        cloud.admin(DefineFloatingPool.newBuilder().setPool("public").setRanges(List.of(FLOATING_RANGE)).build());
        // The network host first and alone: the network is placed there. The compute hosts join after.
        start(node(NETWORK_HOST, List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING), router, PUBLIC, "192.0.2.1"),
                clients, registry);
        Allocation network = cloud.request(PROJECT, CreateNetwork.newBuilder().build()).result().getAllocated();
        Ipv4Cidr block = Ipv4Cidr.parseNetwork(network.getCidr());
        String bridge = network.getBridge();
        start(node(COMPUTE1, List.of(NodeRole.BRIDGING), compute1, "198.51.100.11", "192.0.2.2"), clients, registry);
        start(node(COMPUTE2, List.of(NodeRole.BRIDGING), compute2, "198.51.100.12", "192.0.2.3"), clients, registry);

        cloud.request(PROJECT, CreateSecurityGroup.newBuilder().setName("web").build());
        cloud.request(PROJECT, CreateSecurityGroup.newBuilder().setName("db").build());
        cloud.request(PROJECT, AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(22).setToPort(22)
                .setSourceCidr("0.0.0.0/0").build());
        cloud.request(PROJECT, AddRule.newBuilder().setGroup("web").setProtocol(Protocol.ICMP).setSourceCidr("0.0.0.0/0").build());
        cloud.request(PROJECT, AddRule.newBuilder().setGroup("db").setProtocol(Protocol.TCP).setFromPort(5432).setToPort(5432)
                .setSourceGroup("web").build());

        // 1. DHCP across VXLAN: db1 on compute-2 gets its address from dnsmasq on the network host.
        long allocating = System.nanoTime();
        Allocation db = cloud.request(PROJECT, AllocateFixedIp.newBuilder().setInstance("db1").setGroup("db").setMac(DB_MAC)
                .setHost(COMPUTE2).build()).result().getAllocated();
        String dbVm = lab.namespace("vdb");
        attach(compute2, dbVm, bridge, DB_MAC, "db1");
        Map<String, String> dbLease = dhcp(dbVm);
        long allocateToDhcpMs = (System.nanoTime() - allocating) / 1_000_000;
        System.out.println("multi-host: allocate-fixed-ip on " + COMPUTE2 + " to DHCP answer in " + allocateToDhcpMs + " ms");
        assertThat(dbLease).as("db1's lease, across VXLAN").containsEntry("ip", db.getAddress())
                .containsEntry("router", network.getGateway());
        assertThat(lab.run(compute2, "ip", "-o", "-4", "address", "show", "dev", bridge).stdout())
                .as("no gateway address on a compute host").isBlank();
        configure(dbVm, db.getAddress(), block.prefix(), dbLease.get("router"));
        lab.spawn(dbVm, "nc", "-lk", "5432");
        lab.spawn(dbVm, "nc", "-lk", "8080");

        Allocation web = cloud.request(PROJECT, AllocateFixedIp.newBuilder().setInstance("web1").setGroup("web").setMac(WEB_MAC)
                .setHost(COMPUTE1).build()).result().getAllocated();
        String webVm = lab.namespace("vweb");
        attach(compute1, webVm, bridge, WEB_MAC, "web1");
        Map<String, String> webLease = dhcp(webVm);
        assertThat(webLease).as("web1's lease, across VXLAN").containsEntry("ip", web.getAddress());
        configure(webVm, web.getAddress(), block.prefix(), webLease.get("router"));
        lab.spawn(webVm, "nc", "-lk", "22");
        lab.spawn(webVm, "nc", "-lk", "8080");

        // 3. East-west across hosts: web (compute-1) -> db (compute-2) tcp 5432 by db's rule; db -> web 8080 has no rule.
        assertThat(eventually(WAIT, () -> tcp(webVm, db.getAddress(), 5432))).as("web1 (compute-1) -> db1 (compute-2) tcp 5432").isTrue();
        assertThat(tcp(dbVm, web.getAddress(), 8080)).as("db1 (compute-2) -> web1 (compute-1) tcp 8080: no rule").isFalse();
        assertThat(tcp(webVm, db.getAddress(), 8080)).as("web1 -> db1 tcp 8080: db opens only 5432").isFalse();
        assertThat(lab.tryRun(webVm, "nc", "-z", "-w", "2", web.getAddress(), "8080").ok()).as("8080 listens on web1").isTrue();

        // 2. A floating IP of web1 on compute-1 from the outside: ping and TCP 22.
        String floating = cloud.request(PROJECT, AllocateFloatingIp.newBuilder().setPool("public").build()).result()
                .getAllocated().getAddress();
        cloud.request(PROJECT, AssociateFloatingIp.newBuilder().setAddress(floating).setInstance("web1").build());
        assertThat(eventually(WAIT, () -> ping(outside, floating))).as("ping web1's floating address").isTrue();
        assertThat(tcp(outside, floating, 22)).as("TCP 22 through the floating address").isTrue();
        assertThat(tcp(outside, floating, 8080)).as("TCP 8080 is not in web's rules").isFalse();

        // 4. Move web1 to compute-2: the compute driver re-plugs its veth there (same names, same MAC).
        long moving = System.nanoTime();
        Allocation moved = cloud.request(PROJECT, MoveInstance.newBuilder().setInstance("web1").setHost(COMPUTE2).build())
                .result().getAllocated();
        lab.run(compute1, "ip", "link", "del", PortNames.of(PROJECT, "web1"));
        attach(compute2, webVm, bridge, WEB_MAC, "web1");
        configure(webVm, web.getAddress(), block.prefix(), webLease.get("router"));
        assertThat(eventually(WAIT, () -> tcp(webVm, db.getAddress(), 5432) && ping(outside, floating)))
                .as("web1 on compute-2 reaches db1, its floating address answers").isTrue();
        long moveToTrafficMs = (System.nanoTime() - moving) / 1_000_000;
        System.out.println("multi-host: move to traffic in " + moveToTrafficMs + " ms");
        assertThat(moved.getAddress()).as("the address stays").isEqualTo(web.getAddress());
        cloud.awaitStore(stores -> stores.fixedIp(PROJECT, "web1").filter(f -> COMPUTE2.equals(f.getHost())), "web1 on " + COMPUTE2);
        assertThat(dhcp(webVm)).as("DHCP on the new host gives the same address").containsEntry("ip", web.getAddress());
        assertThat(tcp(outside, floating, 22)).as("TCP 22 through the floating address after the move").isTrue();
        assertThat(tcp(dbVm, web.getAddress(), 8080)).as("db1 -> web1 tcp 8080 on one host: still no rule").isFalse();
        assertThat(eventually(WAIT, () -> !lab.tryRun(compute1, "ip", "link", "show", "dev", bridge).ok()))
                .as("the bridge leaves compute-1 with its last instance").isTrue();
    }

    /** The VM's port on the host's bridge once the agent has made it (after the allocation). */
    private void attach(String host, String vm, String bridge, String mac, String instance) {
        assertThat(eventually(WAIT, () -> lab.tryRun(host, "ip", "link", "show", "dev", bridge).ok()))
                .as("%s on %s", bridge, host).isTrue();
        lab.attachVm(host, vm, bridge, mac, PortNames.of(PROJECT, instance));
    }

    private void configure(String vm, String address, int prefix, String router) {
        lab.run(vm, "ip", "address", "replace", address + "/" + prefix, "dev", "eth0");
        lab.run(vm, "ip", "route", "replace", "default", "via", router);
    }

    /** udhcpc with our own script, which only writes down what it was told: it never touches /etc/resolv.conf. */
    private Map<String, String> dhcp(String vm) throws Exception {
        Path script = work.resolve("udhcpc-script-" + vm);
        Path answer = work.resolve("udhcpc-answer-" + vm);
        Files.deleteIfExists(answer);
        Files.writeString(script, "#!/bin/sh\n[ \"$1\" = bound ] || exit 0\n"
                + "printf 'ip=%s\\nsubnet=%s\\nrouter=%s\\n' \"$ip\" \"$subnet\" \"$router\" > '" + answer + "'\n");
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
