package io.factnet.node.linux;

import static io.factnet.node.linux.LinuxLab.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.model.BridgeNetwork;
import io.factnet.model.BridgingEntry;
import io.factnet.model.InstancePort;
import io.factnet.node.Entries;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.bridging.BridgingReconciler;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.Ipv4Address;
import io.factnet.node.runtime.SyncReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import io.factnet.model.RoutingEntry;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.routing.RoutingReconciler;
import io.factnet.node.routing.RoutingReconcilerTest;

/**
 * Two hosts of one project (ADR 0035) on the real kernel, each a namespace running the bridging agent: joined by an
 * underlay veth (192.0.2.0/24, only inside the test's namespaces), the project's bridge on each joined by VXLAN, host A
 * the network host (the gateway address). VMs are namespaces on a host's bridge through a port named as the controller
 * names it. Groups: web (10.0.1.0/24) opens nothing to others; db (10.0.2.0/24) opens tcp 5432 and ping to web.
 */
class LinuxComputeHostsTest {
    static final Duration WAIT = Duration.ofSeconds(15);
    static final String WEB1 = "fa:16:3e:00:01:05";
    static final String WEB2 = "fa:16:3e:00:01:06";
    static final String DB1 = "fa:16:3e:00:02:05";
    static final String SPOOFER = "fa:16:3e:00:01:07";

    @TempDir
    Path folder;
    LinuxLab lab;
    String hostA;
    String hostB;
    BridgingReconciler agentA;
    BridgingReconciler agentB;

    @BeforeEach
    void hosts() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux compute hosts test skipped: " + unavailable.orElse(""));
        lab = new LinuxLab();
        hostA = lab.namespace("ha");
        hostB = lab.namespace("hb");
        lab.veth(hostA, "ul0", hostB, "ul0");
        lab.addressUp(hostA, "ul0", "192.0.2.1/24");
        lab.addressUp(hostB, "ul0", "192.0.2.2/24");
        agentA = agent(hostA, "192.0.2.1");
        agentB = agent(hostB, "192.0.2.2");
    }

    @AfterEach
    void cleanUp() {
        if (lab != null) {
            lab.close();
        }
    }

    BridgingReconciler agent(String host, String underlay) throws Exception {
        BridgingConfig config = new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of(), Duration.ofSeconds(60),
                Map.of("physnet1", BridgingConfig.L2.VXLAN), Optional.of(Ipv4Address.parse(underlay)), true);
        BridgingReconciler agent = new BridgingReconciler(Host.linux(Optional.of(host)), Files.createDirectories(folder.resolve(host)),
                config, host, System::currentTimeMillis);
        agent.preflight();
        return agent;
    }

    /** A host's desired state: the network, both groups' filters, the ports of the VMs it hosts. */
    static SortedMap<String, BridgingEntry> desired(boolean networkHost, String peer, BridgingEntry... ports) {
        SortedMap<String, BridgingEntry> desired = new TreeMap<>();
        desired.put("bridge/p1", Entries.bridge("p1", "br100", 100, "10.0.0.1/20", networkHost, peer));
        desired.put("group/p1/web", Entries.groupFilter("p1", Entries.group("p1", "web", "10.0.1.0/24")));
        desired.put("group/p1/db", Entries.groupFilter("p1", Entries.group("p1", "db", "10.0.2.0/24", Entries.tcp(5432, 5432, "10.0.1.0/24"),
                Entries.icmp(null, null, "10.0.1.0/24"))));
        for (BridgingEntry port : ports) {
            desired.put("port/p1/" + ((InstancePort) port.getEntry()).getInstance(), port);
        }
        return desired;
    }

    void apply(BridgingReconciler agent, SortedMap<String, BridgingEntry> desired) {
        sync(agent, desired, true);
    }

    /** A sync as the agent runs it: {@code verify} on a resync, not on a change (then it applies deltas). */
    void sync(BridgingReconciler agent, SortedMap<String, BridgingEntry> desired, boolean verify) {
        SyncReport report = agent.sync(desired, verify);
        assertThat(report.rejected()).isEmpty();
        assertThat(report.failed()).isEmpty();
    }

    /** A VM on a host's bridge with its address in the project's block, listening on tcp 5432. */
    String vm(String host, String mac, String address) throws Exception {
        String vm = lab.namespace("v" + mac.substring(12).replace(":", ""));
        lab.attachVm(host, vm, "br100", mac, Entries.portByMac(mac));
        lab.run(vm, "ip", "address", "add", address + "/20", "dev", "eth0");
        lab.spawn(vm, "nc", "-lk", "5432");
        return vm;
    }

    boolean ping(String from, String address) {
        return lab.tryRun(from, "ping", "-c", "1", "-W", "1", address).ok();
    }

    boolean tcp(String from, String address) {
        return lab.tryRun(from, "nc", "-z", "-w", "2", address, "5432").ok();
    }

    /** The packets the port guard dropped on a host by the rule that begins with {@code rule} ("": the chain's last). */
    long dropped(String host, String rule) {
        String chain = lab.run(host, "nft", "list", "chain", "bridge", "factnet-ports", "prerouting").stdout();
        Matcher m = Pattern.compile("(?m)^\\s+" + (rule.isEmpty() ? "" : Pattern.quote(rule) + " ")
                + "counter packets (\\d+) bytes \\d+ drop$").matcher(chain);
        assertThat(m.find()).as("rule %s in %s", rule, chain).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void vmsOnTwoHostsMeetOverVxlanAsTheirGroupsAllowAndNoFurther() throws Exception {
        BridgingEntry web1 = Entries.guardedPort("p1", "web1", WEB1, "10.0.1.5", "web");
        BridgingEntry web2 = Entries.guardedPort("p1", "web2", WEB2, "10.0.1.6", "web");
        BridgingEntry db1 = Entries.guardedPort("p1", "db1", DB1, "10.0.2.5", "db");
        apply(agentA, desired(true, "192.0.2.2", web1));
        apply(agentB, desired(false, "192.0.2.1", web2, db1));
        assertThat(lab.run(hostB, "ip", "-o", "-4", "address", "show", "dev", "br100").stdout()).as("no gateway on a compute host").isBlank();
        assertThat(lab.run(hostB, "sysctl", "-n", "net.bridge.bridge-nf-call-iptables").stdout().strip()).isEqualTo("1");
        String vmWeb1 = vm(hostA, WEB1, "10.0.1.5");
        String vmWeb2 = vm(hostB, WEB2, "10.0.1.6");
        String vmDb1 = vm(hostB, DB1, "10.0.2.5");

        // Across VXLAN: the same group (web1 -> web2), and db's rules (web -> db tcp 5432 and ping); the replies are established.
        assertThat(eventually(WAIT, () -> ping(vmWeb1, "10.0.1.6"))).as("web1 (A) pings web2 (B): the same group").isTrue();
        assertThat(eventually(WAIT, () -> ping(vmWeb1, "10.0.2.5"))).as("web1 (A) pings db1 (B): db allows web").isTrue();
        assertThat(eventually(WAIT, () -> tcp(vmWeb1, "10.0.2.5"))).as("web1 (A) -> db1 (B) tcp 5432").isTrue();
        assertThat(eventually(WAIT, () -> tcp(vmWeb2, "10.0.1.5"))).as("web2 (B) -> web1 (A) tcp 5432: web1 listens").isTrue();
        assertThat(tcp(vmDb1, "10.0.1.5")).as("db1 (B) -> web1 (A): web opens nothing to db").isFalse();
        assertThat(ping(vmDb1, "10.0.1.5")).as("db1 (B) pings web1 (A)").isFalse();
        // On one host: web2 -> db1 allowed, db1 -> web2 not.
        assertThat(eventually(WAIT, () -> tcp(vmWeb2, "10.0.2.5"))).as("web2 -> db1 on host B").isTrue();
        assertThat(tcp(vmDb1, "10.0.1.6")).as("db1 -> web2 on host B").isFalse();
        // The gateway on the network host is reached from the compute host's VM.
        assertThat(eventually(WAIT, () -> ping(vmWeb2, "10.0.0.1"))).as("web2 (B) pings the gateway on A").isTrue();

        // A rule change is a delta of db's chain on host B (its elements stay): 5432 closes, then opens again; a group
        // that leaves with its last instance takes its chains with it.
        SortedMap<String, BridgingEntry> closed = desired(false, "192.0.2.1", web2, db1);
        closed.put("group/p1/db", Entries.groupFilter("p1", Entries.group("p1", "db", "10.0.2.0/24", Entries.icmp(null, null, "10.0.1.0/24"))));
        sync(agentB, closed, false);
        assertThat(StateFiles.read(folder.resolve(hostB).resolve("ports-delta.nft")).orElseThrow())
                .contains("flush chain inet factnet-groups group_").doesNotContain("delete table");
        assertThat(tcp(vmWeb1, "10.0.2.5")).as("web1 -> db1 tcp 5432 after db's rule is gone").isFalse();
        assertThat(ping(vmWeb1, "10.0.2.5")).as("web1 pings db1: db's other rule stays").isTrue();
        sync(agentB, desired(false, "192.0.2.1", web2, db1), false);
        assertThat(eventually(WAIT, () -> tcp(vmWeb1, "10.0.2.5"))).as("web1 -> db1 tcp 5432 with the rule back").isTrue();
        SortedMap<String, BridgingEntry> withoutDb = desired(false, "192.0.2.1", web2);
        withoutDb.remove("group/p1/db");
        sync(agentB, withoutDb, false);
        assertThat(lab.run(hostB, "nft", "list", "table", "inet", "factnet-groups").stdout()).doesNotContain(
                "group_" + io.factnet.node.routing.RoutingModelBuilder.chainId("p1", "db"));
        sync(agentB, desired(false, "192.0.2.1", web2, db1), false);

        // Without same-group traffic, web1 -> web2 is closed (the group has no rule) while db's rule still holds.
        BridgingConfig strict = new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of(), Duration.ofSeconds(60),
                Map.of("physnet1", BridgingConfig.L2.VXLAN), Optional.of(Ipv4Address.parse("192.0.2.2")), false);
        BridgingReconciler strictB = new BridgingReconciler(Host.linux(Optional.of(hostB)), Files.createDirectories(folder.resolve("b2")),
                strict);
        apply(strictB, desired(false, "192.0.2.1", web2, db1));
        assertThat(tcp(vmWeb1, "10.0.1.6")).as("web1 -> web2 with --no-same-group-traffic").isFalse();
        assertThat(tcp(vmWeb1, "10.0.2.5")).as("web1 -> db1 still").isTrue();
    }

    @Test
    void aVmSendingAnotherAddressOrMacAndAPortOfNoInstanceGetNothingThrough() throws Exception {
        BridgingEntry web1 = Entries.guardedPort("p1", "web1", WEB1, "10.0.1.5", "web");
        BridgingEntry spoofer = Entries.guardedPort("p1", "spoofer", SPOOFER, "10.0.1.7", "web");
        SortedMap<String, BridgingEntry> onA = desired(true, "192.0.2.2", web1, spoofer);
        apply(agentA, onA);
        apply(agentB, desired(false, "192.0.2.1"));
        String vmWeb1 = vm(hostA, WEB1, "10.0.1.5");
        String vmSpoofer = vm(hostA, SPOOFER, "10.0.1.7");
        assertThat(eventually(WAIT, () -> ping(vmSpoofer, "10.0.1.5"))).as("with its own MAC and address").isTrue();

        // Another VM's address (web2's, which is not here): its ARP and its IPv4 are dropped and counted.
        long before = dropped(hostA, "");
        lab.run(vmSpoofer, "ip", "address", "flush", "dev", "eth0");
        lab.run(vmSpoofer, "ip", "address", "add", "10.0.1.6/20", "dev", "eth0");
        lab.run(vmSpoofer, "ip", "neigh", "flush", "all");
        assertThat(ping(vmSpoofer, "10.0.1.5")).as("from another VM's address").isFalse();
        assertThat(ping(vmSpoofer, "10.0.0.1")).as("not even the gateway").isFalse();
        assertThat(dropped(hostA, "")).as("the guard's drop counter").isGreaterThan(before);

        // Its own address again, but another MAC.
        lab.run(vmSpoofer, "ip", "address", "flush", "dev", "eth0");
        lab.run(vmSpoofer, "ip", "address", "add", "10.0.1.7/20", "dev", "eth0");
        lab.run(vmSpoofer, "ip", "link", "set", "eth0", "address", "fa:16:3e:99:99:99");
        lab.run(vmSpoofer, "ip", "neigh", "flush", "all");
        long beforeMac = dropped(hostA, "");
        assertThat(ping(vmSpoofer, "10.0.1.5")).as("from another MAC").isFalse();
        assertThat(dropped(hostA, "")).isGreaterThan(beforeMac);

        // A port on the bridge that is no instance's: a stranger, found at the next check, dropped and counted.
        String stranger = lab.namespace("x");
        lab.veth(hostA, "xport0", stranger, "eth0");
        lab.run(hostA, "ip", "link", "set", "xport0", "master", "br100", "up");
        lab.addressUp(stranger, "eth0", "10.0.1.9/20");
        apply(agentA, onA);
        assertThat(lab.run(hostA, "nft", "list", "set", "bridge", "factnet-ports", "strangers").stdout()).contains("\"xport0\"");
        long strangerBefore = dropped(hostA, "iifname @strangers");
        assertThat(ping(stranger, "10.0.1.5")).as("from a port of no instance").isFalse();
        assertThat(ping(stranger, "10.0.0.1")).as("not even the gateway").isFalse();
        assertThat(dropped(hostA, "iifname @strangers")).isGreaterThan(strangerBefore);
        assertThat(ping(vmWeb1, "10.0.0.1")).as("the guarded VM still reaches its gateway").isTrue();
    }

    /**
     * The network host is also the routing node: with br_netfilter on, bridged east-west traffic crosses the routing
     * node's forward chains too, whose group chains would drop what only the ports' filter allows (here the same group,
     * which has no rule). They accept what is bridged, so east-west is the ports' alone; what is routed stays theirs.
     */
    @ParameterizedTest
    @EnumSource(RoutingConfig.Firewall.class)
    void theRoutingNodesGroupChainsLeaveBridgedTrafficToThePorts(RoutingConfig.Firewall firewall) throws Exception {
        lab.veth(hostA, "pub0", lab.namespace("px"), "eth0");
        lab.addressUp(hostA, "pub0", "198.51.100.1/24");
        RoutingReconciler routing = new RoutingReconciler(Host.linux(Optional.of(hostA)), Files.createDirectories(folder.resolve("routing")),
                RoutingReconcilerTest.CONFIG.withFirewall(firewall));
        routing.preflight();
        SortedMap<String, RoutingEntry> routes = new TreeMap<>();
        routes.put("snat/p1", Entries.snat("p1", "10.0.0.0/20"));
        routes.put("group/p1/web", Entries.group("p1", "web", "10.0.1.0/24"));
        assertThat(routing.sync(routes, true).rejected()).isEmpty();
        String web3Mac = "fa:16:3e:00:01:08";
        apply(agentA, desired(true, "192.0.2.2", Entries.guardedPort("p1", "web1", WEB1, "10.0.1.5", "web"), Entries.guardedPort("p1", "web3", web3Mac, "10.0.1.8", "web")));
        String vmWeb1 = vm(hostA, WEB1, "10.0.1.5");
        vm(hostA, web3Mac, "10.0.1.8");

        assertThat(eventually(WAIT, () -> tcp(vmWeb1, "10.0.1.8"))).as("web1 -> web3, the same group, on the network host").isTrue();
        assertThat(routing.sync(routes, true).changed()).as("the kernel's listing is no drift").isFalse();
    }
}
