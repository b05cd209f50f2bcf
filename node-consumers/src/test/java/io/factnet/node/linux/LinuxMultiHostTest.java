package io.factnet.node.linux;

import static io.factnet.node.linux.LinuxLab.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.factnet.node.NodeReplay;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.trace.CannotEvaluate;
import io.factnet.node.trace.Packet;
import io.factnet.node.trace.PacketTracer;
import io.factnet.node.trace.ReplayedNodes;
import io.factnet.node.trace.Trace;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
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
 * <p>Then web2 (group web) on compute-2 and another project's instance other1 on compute-1, and the packet tracer held to
 * the kernel (ADR 0037): a table of flows, each traced over the node topics as {@code factnet trace} does and sent for
 * real, must get the same verdict from both, as placed, after compute-1 is rebuilt from an empty kernel (its agent
 * stopped, factnet's links and tables there deleted, a new agent with an empty state folder), after the move, and with the
 * network host's routing on the iptables backend (ADR 0043: the tracer evaluates the nft rendering of the same state, the
 * kernel the iptables one); after each round the flows whose destination logs who connects are sent again, alone, and
 * the source it saw must be the tracer's (its SNAT or none). Between
 * them, anti-spoofing across hosts: web2 sending web1's address, then another MAC, gets nothing through and compute-2's
 * port guard counts it. Each step's time is printed ("multi-host: ...").
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
    static final String OUTSIDE = "198.51.100.2";
    static final String PROJECT = "p1";
    /** Another project, with an instance on compute-1 next to p1's web1: it meets p1 only as the groups allow. */
    static final String OTHER = "p2";
    static final String WEB_MAC = "fa:16:3e:00:03:01";
    static final String DB_MAC = "fa:16:3e:00:03:02";
    static final String WEB2_MAC = "fa:16:3e:00:03:03";
    static final String OTHER_MAC = "fa:16:3e:00:04:01";
    static final String SPOOFED_MAC = "fa:16:3e:00:03:99";
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(20);

    LinuxLab lab;
    Path work;
    EmbeddedKafka kafka;
    String registryScope;
    ControllerCloud cloud;
    final List<NodeProcess> nodes = new ArrayList<>();
    /** Each node's settings as its agents run: the tracer rebuilds the nodes with them. */
    final Map<String, NodeConfig> configs = new LinkedHashMap<>();
    SchemaRegistryClient registry;
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
        lab.addressUp(outside, "eth0", OUTSIDE + "/24");
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
        return node(id, roles, netns, publicAddress, underlay, work.resolve("state-" + id));
    }

    NodeConfig node(String id, List<NodeRole> roles, String netns, String publicAddress, String underlay, Path stateDir) {
        return new NodeConfig(id, roles, roles, NodeConfig.Driver.LINUX, Optional.of(netns), stateDir,
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
        configs.put(config.nodeId(), config);
        node.start().register(); // one principal here: it may write admin requests
        cloud.awaitStore(stores -> stores.node(config.nodeId()), "node " + config.nodeId() + " registered by its agents");
        return node;
    }

    @Test
    void instancesOnComputeHostsGetDhcpFloatingIpsGroupFilteredEastWestAndMove() throws Exception {
        registryScope = "linux-multi-" + lab.id;
        registry = InMemorySchemaRegistryClient.scope(registryScope);
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
        attach(compute2, dbVm, bridge, DB_MAC, PROJECT, "db1");
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
        attach(compute1, webVm, bridge, WEB_MAC, PROJECT, "web1");
        Map<String, String> webLease = dhcp(webVm);
        assertThat(webLease).as("web1's lease, across VXLAN").containsEntry("ip", web.getAddress());
        configure(webVm, web.getAddress(), block.prefix(), webLease.get("router"));
        // web1's 22 says who connects ("Connection received on ADDRESS PORT"): the source the kernel's NAT left
        Path web22 = work.resolve("web1-22.log");
        lab.spawnLogged(webVm, web22, "nc", "-lkvn", "22");
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

        // 5. More of the topology for the tracer's table: web2 (group web) on compute-2, and another project's instance
        // other1 on compute-1 next to web1; an outside neighbour that routes the cloud's private block to the network
        // host (an upstream router's static route), and listens itself.
        Allocation web2 = cloud.request(PROJECT, AllocateFixedIp.newBuilder().setInstance("web2").setGroup("web").setMac(WEB2_MAC)
                .setHost(COMPUTE2).build()).result().getAllocated();
        String web2Vm = lab.namespace("vw2");
        attach(compute2, web2Vm, bridge, WEB2_MAC, PROJECT, "web2");
        configure(web2Vm, web2.getAddress(), block.prefix(), network.getGateway());
        lab.spawn(web2Vm, "nc", "-lk", "22");
        lab.spawn(web2Vm, "nc", "-lk", "8080");
        Allocation network2 = cloud.request(OTHER, CreateNetwork.newBuilder().build()).result().getAllocated();
        cloud.request(OTHER, CreateSecurityGroup.newBuilder().setName("app").build());
        Allocation other = cloud.request(OTHER, AllocateFixedIp.newBuilder().setInstance("other1").setGroup("app").setMac(OTHER_MAC)
                .setHost(COMPUTE1).build()).result().getAllocated();
        String otherVm = lab.namespace("vo");
        attach(compute1, otherVm, network2.getBridge(), OTHER_MAC, OTHER, "other1");
        configure(otherVm, other.getAddress(), Ipv4Cidr.parseNetwork(network2.getCidr()).prefix(), network2.getGateway());
        lab.spawn(otherVm, "nc", "-lk", "22");
        lab.spawn(otherVm, "nc", "-lk", "5432");
        lab.spawn(otherVm, "nc", "-lk", "8080");
        lab.run(outside, "ip", "route", "replace", "10.0.0.0/8", "via", PUBLIC);
        Path outside9000 = work.resolve("outside-9000.log");
        lab.spawnLogged(outside, outside9000, "nc", "-lkvn", "9000");
        assertThat(eventually(WAIT, () -> ping(otherVm, network2.getGateway()) && tcp(web2Vm, db.getAddress(), 5432)))
                .as("other1 reaches its gateway, web2 reaches db1").isTrue();

        // 6. The tracer and the kernel agree, flow by flow (ADR 0037): the verdict factnet trace gives from the node
        // topics, and what the real packet did.
        String w = web.getAddress();
        String d = db.getAddress();
        String w2 = web2.getAddress();
        String o = other.getAddress();
        Trace.Verdict delivered = Trace.Verdict.DELIVERED;
        Trace.Verdict dropped = Trace.Verdict.DROPPED;
        List<Flow> flows = List.of(
                new Flow("web1 -> db1 tcp 5432 (db's rule, across hosts)", webVm, Packet.tcp(w, d, 5432), delivered),
                new Flow("db1 -> web1 tcp 8080 (no rule)", dbVm, Packet.tcp(d, w, 8080), dropped),
                new Flow("web1 -> db1 tcp 8080 (a port db does not open)", webVm, Packet.tcp(w, d, 8080), dropped),
                new Flow("db1 -> web1 ping (web: icmp from anywhere)", dbVm, Packet.ping(d, w), delivered),
                new Flow("db1 -> web1 tcp 22 (web: 22 from anywhere)", dbVm, Packet.tcp(d, w, 22), delivered, web22),
                new Flow("web1 -> web2 tcp 8080 (the same group, across hosts)", webVm, Packet.tcp(w, w2, 8080), delivered),
                new Flow("web2 -> db1 tcp 5432 (one host)", web2Vm, Packet.tcp(w2, d, 5432), delivered),
                new Flow("db1 -> web2 tcp 8080 (one host, no rule)", dbVm, Packet.tcp(d, w2, 8080), dropped),
                new Flow("db1 -> its gateway ping", dbVm, Packet.ping(d, network.getGateway()), delivered),
                new Flow("web1 -> outside tcp 9000 (SNAT to its floating address)", webVm, Packet.tcp(w, OUTSIDE, 9000), delivered,
                        outside9000),
                new Flow("db1 -> outside tcp 9000 (no floating address: SNAT to the network host's)", dbVm,
                        Packet.tcp(d, OUTSIDE, 9000), delivered, outside9000),
                new Flow("outside -> floating ping", outside, Packet.ping(OUTSIDE, floating), delivered),
                new Flow("outside -> floating tcp 22", outside, Packet.tcp(OUTSIDE, floating, 22), delivered, web22),
                new Flow("outside -> floating tcp 8080 (not in web's rules)", outside, Packet.tcp(OUTSIDE, floating, 8080), dropped),
                new Flow("outside -> web1's fixed address tcp 22 (routed to the network host)", outside, Packet.tcp(OUTSIDE, w, 22), delivered,
                        web22),
                new Flow("outside -> db1's fixed address tcp 5432 (db opens it to web only)", outside, Packet.tcp(OUTSIDE, d, 5432), dropped),
                new Flow("outside -> db1's fixed address ping", outside, Packet.ping(OUTSIDE, d), dropped),
                // Another project (other1 on compute-1, next to web1): none of p1's fixed addresses, even where p1's groups
                // open them to anywhere (ADR 0042); p1's floating address is public, so that one it reaches.
                new Flow("p2 other1 -> db1 tcp 5432", otherVm, Packet.tcp(o, d, 5432), dropped),
                new Flow("p2 other1 -> db1 ping", otherVm, Packet.ping(o, d), dropped),
                new Flow("p2 other1 -> web1 tcp 8080 (one host until the move)", otherVm, Packet.tcp(o, w, 8080), dropped),
                new Flow("p2 other1 -> web1 ping (web opens icmp to anywhere, but not to another project)", otherVm,
                        Packet.ping(o, w), dropped),
                new Flow("p2 other1 -> web1 tcp 22 (web opens 22 to anywhere, but not to another project)", otherVm,
                        Packet.tcp(o, w, 22), dropped),
                new Flow("p2 other1 -> web1's floating address ping (public)", otherVm, Packet.ping(o, floating), delivered),
                new Flow("p2 other1 -> p1's gateway ping (ADR 0034)", otherVm, Packet.ping(o, network.getGateway()), dropped),
                new Flow("web1 -> p2 other1 tcp 22 (app opens nothing)", webVm, Packet.tcp(w, o, 22), dropped),
                new Flow("web1 -> p2 other1 ping", webVm, Packet.ping(w, o), dropped),
                new Flow("db1 -> p2 other1 tcp 5432", dbVm, Packet.tcp(d, o, 5432), dropped));
        agree("as placed", flows);

        // 7. Anti-spoofing across hosts: web2 on compute-2 sends with web1's address (web1 is on compute-1), then with
        // its own address and another MAC. Nothing gets through, and compute-2's port guard counts the drops.
        // The tracer, given the port and MAC the frames come from, says the same: dropped by compute-2's port guard.
        long spoofing = System.nanoTime();
        PacketTracer spoofTracer = tracer();
        String web2Port = PortNames.of(PROJECT, "web2");
        assertThat(spoofTracer.fromPort(Packet.tcp(w, d, 5432), COMPUTE2, web2Port, WEB2_MAC).outcome())
                .as("the tracer: web2's port sending web1's address").isEqualTo("dropped on " + COMPUTE2 + " at " + web2Port + " (the port guard)");
        assertThat(spoofTracer.fromPort(Packet.tcp(w2, w, 8080), COMPUTE2, web2Port, SPOOFED_MAC).outcome())
                .as("the tracer: web2's port sending another MAC").isEqualTo("dropped on " + COMPUTE2 + " at " + web2Port + " (the port guard)");
        assertThat(spoofTracer.fromPort(Packet.tcp(w2, w, 8080), COMPUTE2, web2Port, WEB2_MAC).delivered())
                .as("the tracer: web2's port as itself").isTrue();
        long before = guardDrops(compute2);
        readdress(web2Vm, w, block.prefix(), network.getGateway(), WEB2_MAC);
        assertThat(tcp(web2Vm, d, 5432)).as("web2 with web1's address -> db1 tcp 5432 (web's members may)").isFalse();
        assertThat(ping(web2Vm, network.getGateway())).as("web2 with web1's address pings the gateway").isFalse();
        long afterAddress = guardDrops(compute2);
        assertThat(afterAddress).as("compute-2's guard counts web2's frames with web1's address").isGreaterThan(before);
        readdress(web2Vm, w2, block.prefix(), network.getGateway(), SPOOFED_MAC);
        assertThat(tcp(web2Vm, w, 8080)).as("web2 with another MAC -> web1 tcp 8080 (the same group)").isFalse();
        assertThat(ping(web2Vm, network.getGateway())).as("web2 with another MAC pings the gateway").isFalse();
        assertThat(guardDrops(compute2)).as("compute-2's guard counts web2's frames with another MAC").isGreaterThan(afterAddress);
        readdress(web2Vm, w2, block.prefix(), network.getGateway(), WEB2_MAC);
        assertThat(eventually(WAIT, () -> tcp(web2Vm, w, 8080))).as("web2 as itself again reaches web1").isTrue();
        System.out.println("multi-host: anti-spoofing across hosts (a replay for the tracer, two spoofs, counted, and back) in "
                + (System.nanoTime() - spoofing) / 1_000_000 + " ms");

        // 8. Rebuild: compute-1's agent stops, every kernel object factnet owns in compute-1 goes (its bridges and VXLAN
        // links, its nft tables, br_netfilter off), a new agent with an empty state folder starts, the compute driver
        // plugs the VMs' ports into the bridges again, and traffic is as before: the same table of flows agrees.
        NodeProcess computeAgent = nodes.stream().filter(n -> n.nodeId().equals(COMPUTE1)).findFirst().orElseThrow();
        computeAgent.close();
        nodes.remove(computeAgent);
        flushFactnetObjects(compute1);
        assertThat(ping(otherVm, network2.getGateway())).as("other1 is cut off with compute-1's objects gone").isFalse();
        long rebuilding = System.nanoTime();
        start(node(COMPUTE1, List.of(NodeRole.BRIDGING), compute1, "198.51.100.11", "192.0.2.2", work.resolve("state-compute-1-rebuilt")),
                clients, registry);
        replug(compute1, bridge, PROJECT, "web1");
        replug(compute1, network2.getBridge(), OTHER, "other1");
        assertThat(eventually(WAIT, () -> tcp(webVm, d, 5432) && ping(otherVm, network2.getGateway()) && ping(outside, floating)))
                .as("after the rebuild web1 reaches db1, other1 its gateway, web1's floating address answers").isTrue();
        long rebuildToTrafficMs = (System.nanoTime() - rebuilding) / 1_000_000;
        System.out.println("multi-host: rebuild of " + COMPUTE1 + " (new agent, empty kernel) to traffic in " + rebuildToTrafficMs + " ms");
        agree("after " + COMPUTE1 + "'s rebuild", flows);

        // 4. Move web1 to compute-2: the compute driver re-plugs its veth there (same names, same MAC).
        long moving = System.nanoTime();
        Allocation moved = cloud.request(PROJECT, MoveInstance.newBuilder().setInstance("web1").setHost(COMPUTE2).build())
                .result().getAllocated();
        lab.run(compute1, "ip", "link", "del", PortNames.of(PROJECT, "web1"));
        attach(compute2, webVm, bridge, WEB_MAC, PROJECT, "web1");
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
        agree("after web1's move to " + COMPUTE2, flows);

        // 9. The iptables backend (ADR 0043): the network host's agent stops, its routing table (ip factnet) goes, and a new
        // agent with the same state folder renders the routing role for iptables-restore instead. The tracer still
        // evaluates the nft rendering of the same desired state, so the same flows must get the same kernel verdicts
        // (and NAT) from the iptables rules.
        NodeProcess networkAgent = nodes.stream().filter(n -> n.nodeId().equals(NETWORK_HOST)).findFirst().orElseThrow();
        networkAgent.close();
        nodes.remove(networkAgent);
        lab.run(router, "nft", "delete", "table", "ip", "factnet");
        long switching = System.nanoTime();
        NodeConfig nft = configs.get(NETWORK_HOST);
        start(new NodeConfig(nft.nodeId(), nft.roles(), nft.registeredRoles(), nft.driver(), nft.netns(), nft.stateDir(),
                nft.routing().withFirewall(RoutingConfig.Firewall.IPTABLES), nft.bridging(), nft.tunneling(), nft.vpnPortFirst(),
                nft.vpnPortLast(), nft.debounce(), nft.resync()), clients, registry);
        // Traffic alone does not show the new agent's first apply: with no routing rules at all the floating address still
        // answers a ping (its local route) and an instance reaches the outside unSNATed (the outside routes the block
        // back). The first run of this round checked traffic only and met the rules 0.2 s later; wait for the rules.
        assertThat(eventually(WAIT, () -> {
            String nat = lab.run(router, "iptables", "-t", "nat", "-S").stdout();
            return nat.contains("-j factnet-PREROUTING") && nat.contains("-j DNAT --to-destination " + web.getAddress());
        })).as("the iptables rendering (the floating DNAT) in place").isTrue();
        assertThat(eventually(WAIT, () -> tcp(webVm, db.getAddress(), 5432) && tcp(outside, floating, 22) && tcp(webVm, OUTSIDE, 9000)))
                .as("with the routing on iptables: web1 reaches db1 and the outside, its floating address's 22 answers").isTrue();
        System.out.println("multi-host: " + NETWORK_HOST + "'s routing from nftables to iptables to rules and traffic in "
                + (System.nanoTime() - switching) / 1_000_000 + " ms");
        assertThat(lab.tryRun(router, "nft", "list", "table", "ip", "factnet").ok()).as("no nft routing table left").isFalse();
        agree("with " + NETWORK_HOST + "'s routing on the iptables backend", flows);
    }

    /**
     * A flow of the agreement table: who sends it, the packet, and the verdict the tracer and the kernel must both give;
     * {@code seenBy}, when not null, is the log of the destination's listener, which names the source each connection
     * arrives from: the source the kernel's NAT gave it, held to the tracer's.
     */
    record Flow(String name, String from, Packet packet, Trace.Verdict expected, Path seenBy) {
        Flow(String name, String from, Packet packet, Trace.Verdict expected) {
            this(name, from, packet, expected, null);
        }

        boolean fromInstance() {
            return !name.startsWith("outside");
        }
    }

    /**
     * Traces every flow over the node topics as {@code factnet trace} does (the nodes rebuilt by {@link ReplayedNodes}
     * with the settings their agents run, walked by {@link PacketTracer}), sends the real packets (all at once, each
     * from its namespace, with a short timeout), and asserts that the tracer's verdict, the kernel's and the expected
     * one are the same for each flow. Prints the table and the times.
     */
    private void agree(String round, List<Flow> flows) throws Exception {
        long replaying = System.nanoTime();
        PacketTracer tracer = tracer();
        long replayMs = (System.nanoTime() - replaying) / 1_000_000;
        long tracing = System.nanoTime();
        Map<Flow, String> traced = new LinkedHashMap<>();
        Map<Flow, Trace> traces = new LinkedHashMap<>();
        for (Flow flow : flows) {
            try {
                Trace trace = flow.fromInstance() ? tracer.fromInstance(flow.packet()) : tracer.fromOutside(flow.packet());
                traces.put(flow, trace);
                traced.put(flow, trace.verdict() + ": " + trace.outcome());
            } catch (CannotEvaluate e) {
                traced.put(flow, "NO VERDICT: " + e.getMessage());
            }
        }
        long traceMs = (System.nanoTime() - tracing) / 1_000_000;
        long sending = System.nanoTime();
        Map<Flow, Trace.Verdict> kernel = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(flows.size());
        try {
            Map<Flow, Future<Trace.Verdict>> sent = new LinkedHashMap<>();
            flows.forEach(flow -> sent.put(flow, pool.submit(() -> kernel(flow))));
            for (Map.Entry<Flow, Future<Trace.Verdict>> e : sent.entrySet()) {
                kernel.put(e.getKey(), e.getValue().get());
            }
        } finally {
            pool.shutdownNow();
        }
        long kernelMs = (System.nanoTime() - sending) / 1_000_000;
        StringBuilder table = new StringBuilder();
        List<String> disagreements = new ArrayList<>();
        for (Flow flow : flows) {
            String trace = traced.get(flow);
            boolean agrees = trace.startsWith(kernel.get(flow) + ":") && kernel.get(flow) == flow.expected();
            table.append(String.format("  %-4s %-70s expected %-9s kernel %-9s tracer %s%n", agrees ? "ok" : "DIFF", flow.name(),
                    flow.expected(), kernel.get(flow), trace));
            if (!agrees) {
                disagreements.add(flow.name());
            }
        }
        System.out.printf("multi-host: tracer and kernel, %s: %d flows, %d disagree; replay of the node topics %d ms, "
                + "%d traces %d ms, the real packets %d ms%n%s", round, flows.size(), disagreements.size(), replayMs, flows.size(),
                traceMs, kernelMs, table);
        assertThat(disagreements).as("flows where the tracer, the kernel and the expectation differ (%s):%n%s", round, table).isEmpty();
        sameSources(round, flows, traces);
    }

    /**
     * The NAT, where the destination can see it: each flow with a listener's log is sent once more, alone, and the source
     * address its connection arrives from (the kernel's SNAT, or none) must be the one the tracer's packet arrives with
     * (its SNAT, or none); the destination address is the listener's own (the tracer's DNAT to it is checked by the
     * delivery itself: only that namespace listens there).
     */
    private void sameSources(String round, List<Flow> flows, Map<Flow, Trace> traces) throws java.io.IOException {
        long checking = System.nanoTime();
        StringBuilder table = new StringBuilder();
        List<String> differ = new ArrayList<>();
        int checked = 0;
        for (Flow flow : flows) {
            if (flow.seenBy() == null) {
                continue;
            }
            String expected = traces.get(flow).arrived().source().toString();
            long before = Files.size(flow.seenBy());
            Optional<String> seen = Optional.empty();
            for (int attempt = 0; attempt < 2 && seen.isEmpty(); attempt++) {
                if (through(flow)) {
                    seen = sourceSeen(flow.seenBy(), before);
                }
            }
            checked++;
            boolean same = seen.isPresent() && seen.get().equals(expected);
            table.append(String.format("  %-4s %-70s tracer's source %-15s the destination saw %s%n", same ? "ok" : "DIFF",
                    flow.name(), expected, seen.orElse("nothing")));
            if (!same) {
                differ.add(flow.name());
            }
        }
        System.out.printf("multi-host: NAT, tracer and kernel, %s: %d flows, %d differ, %d ms%n%s", round, checked, differ.size(),
                (System.nanoTime() - checking) / 1_000_000, table);
        assertThat(differ).as("flows whose source at the destination is not the tracer's (%s):%n%s", round, table).isEmpty();
    }

    /** The source of the first connection a listener logged after {@code offset} bytes of its log, polled for 5 s. */
    private static Optional<String> sourceSeen(Path log, long offset) {
        Pattern received = Pattern.compile("Connection received on (\\S+) \\d+");
        String[] found = new String[1];
        eventually(Duration.ofSeconds(5), () -> {
            try {
                byte[] bytes = Files.readAllBytes(log);
                int from = (int) Math.min(offset, bytes.length);
                Matcher m = received.matcher(new String(bytes, from, bytes.length - from, java.nio.charset.StandardCharsets.UTF_8));
                found[0] = m.find() ? m.group(1) : null;
                return found[0] != null;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return Optional.ofNullable(found[0]);
    }

    /** The nodes as factnet trace rebuilds them: from their node topics, on simulated kernels, with their own settings. */
    private PacketTracer tracer() throws Exception {
        Path dir = Files.createTempDirectory(work, "trace-");
        List<NodeConfig> traced = configs.values().stream().map(c -> ReplayedNodes.forTrace(c, dir.resolve(c.nodeId())))
                .flatMap(Optional::stream).toList();
        try (KafkaConsumer<String, byte[]> consumer = ReplayedNodes.consumer(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                "factnet-trace-" + lab.id)) {
            ReplayedNodes.Replayed replayed = ReplayedNodes.replay(traced, consumer, registry, new NodeReplay.Listener() {
                @Override
                public void progress(TopicPartition partition, long done, long total) {
                }

                @Override
                public void badRecord(String key, String reason) {
                    throw new AssertionError("a bad record on a node topic: " + key + ": " + reason);
                }
            }, WAIT);
            assertThat(replayed.refused()).as("entries the render refused").isEmpty();
            return new PacketTracer(replayed.nodes());
        }
    }

    /**
     * What the kernel did with the flow's packet: DELIVERED when a TCP connection or an echo reply comes within two
     * seconds, at the first try or the second (a second try can only find a leak, never hide one; it keeps a loaded
     * machine's slow first answer from reading as a drop).
     */
    private Trace.Verdict kernel(Flow flow) {
        for (int attempt = 0; attempt < 2; attempt++) {
            if (through(flow)) {
                return Trace.Verdict.DELIVERED;
            }
        }
        return Trace.Verdict.DROPPED;
    }

    private boolean through(Flow flow) {
        Packet packet = flow.packet();
        String to = packet.destination().toString();
        return switch (packet.protocol()) {
            case TCP -> tcp(flow.from(), to, packet.port());
            case ICMP -> lab.tryRun(flow.from(), "ping", "-c", "1", "-W", "2", to).ok();
            case UDP -> throw new IllegalArgumentException("no UDP flow: nc cannot tell a dropped datagram from a delivered one");
        };
    }

    /** The packets compute host's port guard dropped by its last rule (what no other rule of the guard let through). */
    private long guardDrops(String host) {
        String chain = lab.run(host, "nft", "list", "chain", "bridge", "factnet-ports", "prerouting").stdout();
        Matcher m = Pattern.compile("(?m)^\\s+counter packets (\\d+) bytes \\d+ drop$").matcher(chain);
        assertThat(m.find()).as("the guard's last rule in %s", chain).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** The VM sends from {@code address} with {@code mac} from now on (its neighbours forgotten, so it asks again). */
    private void readdress(String vm, String address, int prefix, String router, String mac) {
        lab.run(vm, "ip", "address", "flush", "dev", "eth0");
        lab.run(vm, "ip", "link", "set", "eth0", "address", mac);
        configure(vm, address, prefix, router);
        lab.run(vm, "ip", "neigh", "flush", "all");
    }

    /**
     * Deletes what factnet made in a host's namespace and nothing else: the links its agents own (alias factnet-*:
     * the project bridges, the VXLAN links with their fdb entries), its nft tables (factnet*), and br_netfilter, which
     * the bridging agent turned on. The VMs' veths are the compute driver's: they stay, released from the bridges.
     */
    private void flushFactnetObjects(String host) throws Exception {
        JsonNode links = JSON.readTree(lab.run(host, "ip", "-j", "link", "show").stdout());
        List<String> owned = new ArrayList<>();
        for (JsonNode link : links) {
            if (link.path("ifalias").asText("").startsWith("factnet-")) {
                owned.add(link.path("ifname").asText());
            }
        }
        assertThat(owned).as("factnet's links on %s", host).isNotEmpty();
        owned.forEach(name -> lab.run(host, "ip", "link", "del", name));
        List<String> tables = lab.run(host, "nft", "list", "tables").stdout().lines().map(String::strip)
                .filter(line -> line.matches("table \\S+ factnet\\S*")).toList();
        assertThat(tables).as("factnet's nft tables on %s", host).isNotEmpty();
        tables.forEach(line -> lab.run(host, ("nft delete " + line).split(" ")));
        lab.run(host, "sysctl", "-q", "-w", "net.bridge.bridge-nf-call-iptables=0");
        System.out.println("multi-host: flushed on " + host + ": links " + owned + ", " + tables);
    }

    /** The compute driver plugs a VM's existing port into the bridge again, once the agent has made it. */
    private void replug(String host, String bridge, String project, String instance) {
        assertThat(eventually(WAIT, () -> lab.tryRun(host, "ip", "link", "show", "dev", bridge).ok()))
                .as("%s on %s", bridge, host).isTrue();
        lab.run(host, "ip", "link", "set", PortNames.of(project, instance), "master", bridge, "up");
    }

    /** The VM's port on the host's bridge once the agent has made it (after the allocation). */
    private void attach(String host, String vm, String bridge, String mac, String project, String instance) {
        assertThat(eventually(WAIT, () -> lab.tryRun(host, "ip", "link", "show", "dev", bridge).ok()))
                .as("%s on %s", bridge, host).isTrue();
        lab.attachVm(host, vm, bridge, mac, PortNames.of(project, instance));
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
