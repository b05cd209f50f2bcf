package io.factnet.node.linux;

import static io.factnet.node.linux.LinuxLab.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.Allocation;
import io.factnet.model.CreateNetwork;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.FixedIp;
import io.factnet.model.InstanceStatus;
import io.factnet.model.NodeRole;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeProcess;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.topics.PortNames;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.tunneling.TunnelingConfig;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A crashed instance on a real network stack (issue 13, item 6; ADR 0031): the controller in process, the node's
 * routing, addressing and bridging agents with the linux driver in a node namespace, and a VM namespace on the
 * project's bridge. The VM speaks (its MAC is learned on its port), then its namespace is deleted, as a crashed or
 * destroyed VM takes its port with it: the bridging agent reports it after its grace period and the controller marks
 * the instance down. A new VM namespace with the same MAC brings it back up.
 */
class LinuxInstanceGoneTest {
    static final String NODE = "bridge1";
    static final String PUBLIC = "198.51.100.1";
    static final String PROJECT = "p1";
    static final Duration GRACE = Duration.ofSeconds(2);
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String MAC = "fa:16:3e:00:00:07";

    LinuxLab lab;
    Path work;
    EmbeddedKafka kafka;
    String registryScope;
    ControllerCloud cloud;
    NodeProcess agents;
    String router;

    @BeforeEach
    void lab() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux instance-gone test skipped: " + unavailable.orElse(""));
        lab = new LinuxLab();
        work = Files.createTempDirectory("factnet-gone-" + lab.id + "-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x")); // dnsmasq's user reaches its files
        router = lab.namespace("n");
        lab.veth(router, "pub0", lab.namespace("p"), "to-node"); // the public side (this kernel has no dummy links)
        lab.run(router, "ip", "address", "add", PUBLIC + "/24", "dev", "pub0");
        lab.run(router, "ip", "link", "set", "pub0", "up");
        kafka = EmbeddedKafka.start(work.resolve("kafka"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (lab == null) {
            return;
        }
        try (LinuxLab namespaces = lab; EmbeddedKafka broker = kafka; ControllerCloud controller = cloud; NodeProcess node = agents) {
            // closed in reverse order: agents first, the namespaces last
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
        List<NodeRole> roles = List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);
        return new NodeConfig(NODE, roles, roles, NodeConfig.Driver.LINUX, Optional.of(router), work.resolve("state"),
                new RoutingConfig(Ipv4Address.parse(PUBLIC), InterfaceName.of("pub0"), RoutingConfig.DEFAULT_METADATA_HOST, List.of(),
                        RoutingConfig.Firewall.NFTABLES),
                new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of(), GRACE),
                new TunnelingConfig("g" + lab.id, TunnelingConfig.Implementation.AUTO), 51820, 51829,
                Duration.ofMillis(50), Duration.ofSeconds(30));
    }

    /** A VM: a namespace whose eth0 (the instance's MAC and address) is a port of the bridge, and which speaks once. */
    String vm(String bridge, String address, int prefix, String gateway) {
        String vm = lab.namespace("v");
        lab.attachVm(router, vm, bridge, MAC, PortNames.of(PROJECT, "vm1")); // its port named as the controller names it (ADR 0035)
        lab.run(vm, "ip", "address", "add", address + "/" + prefix, "dev", "eth0");
        assertThat(eventually(WAIT, () -> lab.tryRun(vm, "ping", "-c", "1", "-W", "1", gateway).ok())).as("the VM reaches its gateway")
                .isTrue();
        return vm;
    }

    FixedIp awaitStatus(InstanceStatus status) {
        return cloud.awaitStore(stores -> stores.fixedIp(PROJECT, "vm1").filter(f -> f.getStatus() == status), "vm1 " + status);
    }

    @Test
    void deletingAVmNamespaceMarksItsInstanceDownAndANewOneBringsItBack() throws Exception {
        registryScope = "linux-gone-" + lab.id;
        SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope(registryScope);
        cloud = ControllerCloud.start(kafka.bootstrapServers(), "mock://" + registryScope, registry, work.resolve("controller"),
                2, lab.id);
        cloud.admin(DefineVlanRange.newBuilder().setFirst(100).setLast(199).build());
        cloud.admin(DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build());
        agents = NodeProcess.build(node(), Map.of("bootstrap.servers", kafka.bootstrapServers()), registry).start().register();
        cloud.awaitStore(stores -> stores.node(NODE), "node " + NODE + " registered by its agents");

        Allocation network = cloud.request(PROJECT, CreateNetwork.newBuilder().build()).result().getAllocated();
        int prefix = Ipv4Cidr.parseNetwork(network.getCidr()).prefix();
        // Waits until the addressing and the bridging node applied it: the bridging node now watches vm1's port.
        Allocation vm1 = cloud.request(PROJECT, AllocateFixedIp.newBuilder().setInstance("vm1").setMac(MAC).build()).result()
                .getAllocated();
        String vm = vm(network.getBridge(), vm1.getAddress(), prefix, network.getGateway());
        assertThat(eventually(WAIT, () -> agents.bridging().orElseThrow().instancePortsKnown().contains(PROJECT + "/vm1")))
                .as("the bridging agent saw vm1's MAC on its port").isTrue();
        assertThat(cloud.awaitStore(stores -> stores.fixedIp(PROJECT, "vm1"), "vm1").getStatus()).isEqualTo(InstanceStatus.UP);

        lab.deleteNamespace(vm); // the VM is gone, and with it its port on the bridge
        assertThat(lab.tryRun(router, "ip", "link", "show", "dev", PortNames.of(PROJECT, "vm1")).ok()).as("the port went with the namespace").isFalse();
        FixedIp down = awaitStatus(InstanceStatus.DOWN);
        assertThat(down.getDownSince()).isNotNull();
        assertThat(down.getAddress()).as("the address stays the instance's (the default policy)").isEqualTo(vm1.getAddress());

        vm(network.getBridge(), vm1.getAddress(), prefix, network.getGateway()); // started again, on a new port
        FixedIp up = awaitStatus(InstanceStatus.UP);
        assertThat(up.getDownSince()).isNull();
    }
}
