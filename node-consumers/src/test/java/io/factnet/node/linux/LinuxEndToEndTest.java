package io.factnet.node.linux;

import static io.factnet.node.linux.LinuxLab.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AddRule;
import io.factnet.model.AddVpnPeer;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.Allocation;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.CreateVpn;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.DisassociateFloatingIp;
import io.factnet.model.FixedIp;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeProcess;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.net.WireGuardKey;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.runtime.NodeAgent;
import io.factnet.node.tunneling.TunnelingConfig;
import io.factnet.node.tunneling.WireGuardKeys;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole system on a real network stack: the embedded broker, the NetworkController in process, and
 * the four agents with the linux driver in a router namespace. Everything is asked for by requests, and
 * every address the test uses comes from the controller's results. Proven with packets: an instance
 * namespace gets its fixed address from dnsmasq by DHCP (and the lease reaches the controller); a public
 * namespace reaches it through its floating address (ping, TCP 22) until the address is disassociated; a
 * port the security group does not open stays closed; a WireGuard client namespace completes a handshake
 * through the VPN's public port and reaches the instance's private address. Then the agents restart and
 * find the kernel as they left it.
 *
 * <pre>
 *   ns C (wg client) --\
 *                       bridge "pubnet" in ns P (198.51.100.0/24) -- pub0 [ns R: router, all agents] br&lt;vlan&gt; -- ns I (instance)
 * </pre>
 */
class LinuxEndToEndTest {
    static final String NODE = "router1";
    static final String PUBLIC = "198.51.100.1";
    static final String FLOATING_RANGE = "198.51.100.200-198.51.100.209";
    static final String PROJECT = "p1";
    static final Duration WAIT = Duration.ofSeconds(20);

    LinuxLab lab;
    Path work;
    EmbeddedKafka kafka;
    String registryScope;
    ControllerCloud cloud;
    NodeProcess agents;
    String router;
    String instance;
    String outside;
    String client;

    @BeforeEach
    void lab() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux end-to-end test skipped: " + unavailable.orElse(""));
        lab = new LinuxLab();
        // dnsmasq drops to an unprivileged user and must still reach its hosts file: o+x on the path.
        work = Files.createTempDirectory("factnet-e2e-" + lab.id + "-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        router = lab.namespace("r");
        instance = lab.namespace("i");
        outside = lab.namespace("p");
        client = lab.namespace("c");
        lab.run(outside, "ip", "link", "add", "pubnet", "type", "bridge");
        lab.veth(router, "pub0", outside, "to-router");
        lab.veth(client, "eth0", outside, "to-client");
        for (String port : List.of("to-router", "to-client")) {
            lab.run(outside, "ip", "link", "set", port, "master", "pubnet", "up");
        }
        lab.run(outside, "ip", "address", "add", "198.51.100.2/24", "dev", "pubnet");
        lab.run(outside, "ip", "link", "set", "pubnet", "up");
        lab.run(router, "ip", "address", "add", PUBLIC + "/24", "dev", "pub0");
        lab.run(router, "ip", "link", "set", "pub0", "up");
        lab.run(client, "ip", "address", "add", "198.51.100.3/24", "dev", "eth0");
        lab.run(client, "ip", "link", "set", "eth0", "up");
        kafka = EmbeddedKafka.start(work.resolve("kafka"));
    }

    /** Everything the test made goes, in order, also after a failure: agents, controller, broker, namespaces, files. */
    @AfterEach
    void cleanUp() throws Exception {
        if (lab == null) {
            return;
        }
        try (LinuxLab namespaces = lab; EmbeddedKafka broker = kafka; ControllerCloud controller = cloud; NodeProcess node = agents) {
            // closed in reverse order of the resources: agents first, the namespaces last
        } finally {
            if (registryScope != null) {
                InMemorySchemaRegistryClient.dropScope(registryScope);
            }
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(StateFiles::delete);
            }
        }
    }

    NodeConfig node() {
        return new NodeConfig(NODE, List.of(NodeRole.values()), List.of(NodeRole.values()), NodeConfig.Driver.LINUX, Optional.of(router),
                work.resolve("state"), new RoutingConfig(Ipv4Address.parse(PUBLIC), InterfaceName.of("pub0"),
                RoutingConfig.DEFAULT_METADATA_HOST, List.of(), RoutingConfig.Firewall.NFTABLES),
                new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of()),
                new TunnelingConfig("w" + lab.id, TunnelingConfig.Implementation.AUTO), 51820, 51829,
                Duration.ofMillis(50), Duration.ofSeconds(30));
    }

    @Test
    void requestsThroughTheControllerBecomeDhcpNatFirewallAndVpnOnARealNetworkStack() throws Exception {
        registryScope = "linux-e2e-" + lab.id;
        SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope(registryScope);
        Map<String, Object> clients = Map.of("bootstrap.servers", kafka.bootstrapServers());
        cloud = ControllerCloud.start(kafka.bootstrapServers(), "mock://" + registryScope, registry, work.resolve("controller"),
                2, lab.id);
        cloud.admin(DefineVlanRange.newBuilder().setFirst(100).setLast(199).build());
        cloud.admin(DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build());
        cloud.admin(DefineFloatingPool.newBuilder().setPool("public").setRanges(List.of(FLOATING_RANGE)).build());
        agents = NodeProcess.build(node(), clients, registry).start().register(); // one principal here: it may write admin requests
        cloud.awaitStore(stores -> stores.node(NODE), "node " + NODE + " registered by its agents");

        Allocation network = cloud.request(PROJECT, CreateNetwork.newBuilder().build()).result().getAllocated();
        Ipv4Cidr block = Ipv4Cidr.parseNetwork(network.getCidr());
        cloud.request(PROJECT, CreateSecurityGroup.newBuilder().setName("web").build());
        String mac = "fa:16:3e:00:00:05";
        Allocation vm = cloud.request(PROJECT, AllocateFixedIp.newBuilder().setInstance("vm1").setGroup("web").setMac(mac).build())
                .result().getAllocated();
        String fixed = vm.getAddress();
        assertThat(Ipv4Cidr.parseNetwork(vm.getCidr()).contains(Ipv4Address.parse(fixed))).as("fixed IP in its group's subnet").isTrue();
        assertThat(block.contains(Ipv4Address.parse(fixed))).as("group subnet in the project's block").isTrue();
        cloud.request(PROJECT, AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(22).setToPort(22)
                .setSourceCidr("0.0.0.0/0").build());
        cloud.request(PROJECT, AddRule.newBuilder().setGroup("web").setProtocol(Protocol.ICMP).setSourceCidr("0.0.0.0/0").build());

        // The instance: its port on the network's bridge, its address from dnsmasq, the lease back in the controller.
        // Its port named as the controller names it (InstancePort.port): the bridging agent guards that name (ADR 0035).
        lab.attachVm(router, instance, network.getBridge(), mac, io.factnet.topics.PortNames.of(PROJECT, "vm1"));
        Map<String, String> lease = dhcp();
        assertThat(lease).containsEntry("ip", fixed).containsEntry("router", network.getGateway())
                .containsEntry("subnet", netmask(block.prefix()));
        lab.run(instance, "ip", "address", "add", fixed + "/" + block.prefix(), "dev", "eth0");
        lab.run(instance, "ip", "route", "add", "default", "via", lease.get("router"));
        cloud.awaitStore(stores -> stores.fixedIp(PROJECT, "vm1").filter(FixedIp::getLeased), "the lease of vm1 (dnsmasq's callback)");

        lab.spawn(instance, "nc", "-lk", "22");
        lab.spawn(instance, "nc", "-lk", "8080");
        assertThat(eventually(WAIT, () -> lab.tryRun(instance, "nc", "-z", "-w", "1", fixed, "8080").ok()
                && lab.tryRun(instance, "nc", "-z", "-w", "1", fixed, "22").ok())).isTrue();

        // Through the floating address: ping and TCP 22; 8080 is not opened by the group.
        String floating = cloud.request(PROJECT, AllocateFloatingIp.newBuilder().setPool("public").build()).result()
                .getAllocated().getAddress();
        cloud.request(PROJECT, AssociateFloatingIp.newBuilder().setAddress(floating).setInstance("vm1").build());
        assertThat(eventually(WAIT, () -> ping(outside, floating))).as("ping the floating address").isTrue();
        assertThat(tcp(outside, floating, 22)).as("TCP 22 through the floating address").isTrue();
        assertThat(tcp(outside, floating, 8080)).as("TCP 8080 is not in the group").isFalse();
        assertThat(lab.tryRun(router, "nc", "-z", "-w", "2", fixed, "8080").ok())
                .as("8080 listens: the group closed it, not the instance").isTrue();

        cloud.request(PROJECT, DisassociateFloatingIp.newBuilder().setAddress(floating).build());
        assertThat(ping(outside, floating)).as("no ping after disassociation").isFalse();
        assertThat(tcp(outside, floating, 22)).as("no TCP after disassociation").isFalse();

        // A WireGuard client through the VPN's public port reaches the instance's private address.
        Allocation vpn = cloud.request(PROJECT, CreateVpn.newBuilder().build()).result().getAllocated();
        // The routing node forwards the VPN's public port to the tunneling node: here the same node, so to itself.
        assertThat(lab.run(router, "nft", "list", "map", "ip", "factnet", "vpn_forward").stdout())
                .contains(vpn.getPort() + " : " + PUBLIC + " . " + vpn.getPort());
        WireGuardKey clientKey = WireGuardKeys.generatePrivate();
        ControllerCloud.Done peer = cloud.request(PROJECT, AddVpnPeer.newBuilder()
                .setPublicKey(WireGuardKeys.publicOf(clientKey).base64()).build());
        String clientAddress = peer.result().getAllocated().getAddress();
        assertThat(Ipv4Cidr.parseNetwork(vpn.getCidr()).contains(Ipv4Address.parse(clientAddress))).as("peer in the VPN's client subnet").isTrue();
        vpnClient(clientKey, peer.tunnelingKey(), PUBLIC + ":" + vpn.getPort(),
                clientAddress + "/" + Ipv4Cidr.parseNetwork(vpn.getCidr()).prefix(), network.getCidr());
        assertThat(eventually(WAIT, () -> ping(client, fixed))).as("ping the instance through the VPN").isTrue();
        String handshakes = lab.run(client, "wg", "show", "wc" + lab.id, "latest-handshakes").stdout();
        assertThat(Long.parseLong(handshakes.strip().split("\\s+")[1])).as("handshake time").isPositive();

        // Replay: the agents stop and start again on the same state and kernel.
        Map<String, String> before = kernelState();
        assertThat(before.get("daemons")).contains("dnsmasq:", "wireguard-go:");
        agents.close();
        agents = NodeProcess.build(node(), clients, registry).start();
        NodeProcess restarted = agents;
        assertThat(eventually(WAIT, () -> restarted.agents().stream().allMatch(a -> a.status().syncs().count() >= 1
                && a.status().syncs().lastError() == null))).isTrue();
        assertThat(kernelState()).isEqualTo(before);
        Map<NodeRole, Long> applies = restarted.agents().stream().collect(
                Collectors.toMap(NodeAgent::role, a -> a.status().syncs().applies()));
        // nft tables are written whole, in one transaction, at an agent's first sync: routing's, and the bridging
        // agent's port guard (ADR 0035); the rest of the kernel state is found as it should be and left alone
        assertThat(applies).as("after a restart only the nft tables are written again, once each").isEqualTo(Map.of(
                NodeRole.ROUTING, 1L, NodeRole.ADDRESSING, 0L, NodeRole.BRIDGING, 1L, NodeRole.TUNNELING, 0L));
        assertThat(ping(client, fixed)).as("the VPN still works").isTrue();
    }

    /** udhcpc with our own script, which only writes down what it was told: it never touches /etc/resolv.conf. */
    private Map<String, String> dhcp() throws Exception {
        Path script = work.resolve("udhcpc-script");
        Path answer = work.resolve("udhcpc-answer");
        Files.writeString(script, "#!/bin/sh\n[ \"$1\" = bound ] || exit 0\n"
                + "printf 'ip=%s\\nsubnet=%s\\nrouter=%s\\n' \"$ip\" \"$subnet\" \"$router\" > '" + answer + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        lab.run(instance, "udhcpc", "-f", "-q", "-n", "-i", "eth0", "-s", script.toString(), "-t", "10", "-T", "1");
        Map<String, String> values = new HashMap<>();
        Files.readAllLines(answer).forEach(line -> values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1)));
        return values;
    }

    private static String netmask(int prefix) {
        long mask = prefix == 0 ? 0 : 0xffffffffL << (32 - prefix) & 0xffffffffL;
        return (mask >> 24 & 255) + "." + (mask >> 16 & 255) + "." + (mask >> 8 & 255) + "." + (mask & 255);
    }

    private void vpnClient(WireGuardKey key, String serverKey, String endpoint, String address, String networkCidr)
            throws Exception {
        String device = "wc" + lab.id;
        Path conf = work.resolve("client.conf");
        StateFiles.write(conf, "[Interface]\nPrivateKey = " + key.base64() + "\n\n[Peer]\nPublicKey = " + serverKey
                + "\nEndpoint = " + endpoint + "\nAllowedIPs = " + networkCidr + "\n", StateFiles.PRIVATE);
        lab.run(client, "wireguard-go", device);
        lab.run(client, "wg", "setconf", device, conf.toString());
        lab.run(client, "ip", "address", "add", address, "dev", device);
        lab.run(client, "ip", "link", "set", device, "up");
        lab.run(client, "ip", "route", "add", networkCidr, "dev", device);
    }

    private boolean ping(String from, String address) {
        return lab.tryRun(from, "ping", "-c", "1", "-W", "1", address).ok();
    }

    private boolean tcp(String from, String address, int port) {
        return lab.tryRun(from, "nc", "-z", "-w", "2", address, String.valueOf(port)).ok();
    }

    /**
     * The long-lived processes in the router namespace, by program and pid. Not every pid there: the agents' own
     * short-lived commands (the port watcher's {@code ip link} poll, a resync's {@code nft list}) come and go in it.
     */
    private SortedSet<String> daemons() {
        SortedSet<String> daemons = new TreeSet<>();
        for (long pid : lab.pidsIn(router)) {
            ProcessHandle.of(pid).flatMap(p -> p.info().command()).map(c -> Path.of(c).getFileName().toString())
                    .filter(program -> program.equals("dnsmasq") || program.equals("wireguard-go"))
                    .ifPresent(program -> daemons.add(program + ":" + pid));
        }
        return daemons;
    }

    /** What the agents own in the router namespace, and the daemons' identities (a restart must not touch them). */
    private Map<String, String> kernelState() {
        Map<String, String> state = new HashMap<>();
        state.put("nft", lab.run(router, "nft", "list", "table", "ip", "factnet").stdout());
        state.put("addresses", lab.run(router, "ip", "-o", "-4", "address", "show").stdout());
        state.put("routes", lab.run(router, "ip", "route", "show", "table", "all").stdout());
        state.put("links", lab.run(router, "ip", "-o", "link", "show").stdout().replaceAll("state \\w+", ""));
        state.put("wg", lab.run(router, "wg", "show", "all", "peers").stdout());
        state.put("daemons", daemons().toString());
        return state;
    }
}
