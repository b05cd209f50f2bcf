package io.factnet.node.bridging;

import static io.factnet.node.Entries.bridge;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.BridgeNetwork;
import io.factnet.model.BridgingEntry;
import io.factnet.model.InstancePort;
import io.factnet.node.Entries;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import io.factnet.node.References;
import io.factnet.node.exec.KernelFeatures;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.InterfaceName;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.sim.SimIp;
import io.factnet.node.sim.SimulatedHost;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class BridgingReconcilerTest {
    static final BridgingConfig TAGGED = new BridgingConfig(BridgingConfig.VlanMode.TAGGED, Map.of("physnet1", InterfaceName.of("eth1")));
    static final BridgingConfig UNTAGGED = new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of());

    @TempDir
    Path folder;

    static SortedMap<String, BridgingEntry> sample() {
        SortedMap<String, BridgingEntry> desired = new TreeMap<>();
        desired.put("bridge/p1", bridge("p1", "br100", 100, "10.0.0.1/20"));
        desired.put("bridge/p2", bridge("p2", "br101", 101, "10.0.16.1/20"));
        return desired;
    }

    SimulatedHost node(boolean vlan) {
        SimulatedHost sim = new SimulatedHost(KernelFeatures.of(vlan, false));
        sim.ip().addLink("eth1", "veth");
        sim.ip().addLink("br999", "bridge"); // the operator's own bridge
        return sim;
    }

    static BridgingEntry bridgeOn(String physicalNetwork, String project, String bridge, int vlan, String gatewayCidr) {
        BridgingEntry entry = bridge(project, bridge, vlan, gatewayCidr);
        ((io.factnet.model.BridgeNetwork) entry.getEntry()).setPhysicalNetwork(physicalNetwork);
        return entry;
    }

    /** ADR 0046: the addressing node's bridge carries the DHCP server's own address, the routing node's the gateway, and moves follow. */
    @Test
    void theAddressingNodesBridgeCarriesTheDhcpServersAddressAndABadOneIsRejected() {
        SimulatedHost sim = node(false);
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, UNTAGGED);
        SortedMap<String, BridgingEntry> desired = new TreeMap<>();
        BridgingEntry entry = bridge("p1", "br100", 100, "10.0.0.1/20");
        BridgeNetwork network = (BridgeNetwork) entry.getEntry();
        network.setGatewayHere(false);
        network.setDhcpAddress("10.0.14.254");
        network.setDhcpHere(true);
        desired.put("bridge/p1", entry);
        assertThat(reconciler.sync(desired, true).rejected()).isEmpty();
        assertThat(sim.ip().links().get("br100").addresses).containsExactly("10.0.14.254/20");

        // the routing role comes here too: both addresses; then the addressing role leaves: the gateway alone
        network.setGatewayHere(true);
        reconciler.sync(desired, true);
        assertThat(sim.ip().links().get("br100").addresses).containsExactlyInAnyOrder("10.0.0.1/20", "10.0.14.254/20");
        network.setDhcpHere(false);
        reconciler.sync(desired, true);
        assertThat(sim.ip().links().get("br100").addresses).containsExactly("10.0.0.1/20");

        for (String bad : List.of("10.0.0.1", "10.0.16.2", "10.0.15.255", "nope")) {
            network.setDhcpAddress(bad);
            network.setDhcpHere(true);
            assertThat(reconciler.sync(desired, true).rejected()).as(bad).singleElement()
                    .satisfies(r -> assertThat(r.reason()).contains(bad));
        }
        network.setDhcpAddress(null);
        assertThat(reconciler.sync(desired, true).rejected()).as("dhcpHere without an address").singleElement()
                .satisfies(r -> assertThat(r.reason()).contains("dhcpHere"));
    }

    @Test
    void aBridgeThatFailsHoldsBackOnlyItsOwnEntryAndIsRetried() {
        SimulatedHost sim = node(true);
        BridgingConfig two = new BridgingConfig(BridgingConfig.VlanMode.TAGGED,
                Map.of("physnet1", InterfaceName.of("eth1"), "physnet2", InterfaceName.of("eth2")));
        SortedMap<String, BridgingEntry> desired = new TreeMap<>();
        desired.put("bridge/p1", bridgeOn("physnet2", "p1", "br200", 200, "10.0.0.1/20")); // eth2 is missing here
        desired.put("bridge/p2", bridgeOn("physnet1", "p2", "br100", 100, "10.0.16.1/20"));
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, two);

        SyncReport report = reconciler.sync(desired, true);
        assertThat(report.failed()).singleElement().satisfies(f -> {
            assertThat(f.resource()).isEqualTo("bridge/p1");
            assertThat(f.reason()).startsWith("ip -batch failed: Cannot find device \"eth2\"");
        });
        assertThat(report.notApplied()).containsExactly("bridge/p1");
        assertThat(sim.ip().links().get("vlan100").master).as("the other bridge is made all the same").isEqualTo("br100");
        assertThat(sim.ip().links().get("br100").addresses).containsExactly("10.0.16.1/20");

        sim.ip().addLink("eth2", "veth");
        SyncReport retry = reconciler.sync(desired, true);
        assertThat(retry.failed()).isEmpty();
        assertThat(sim.ip().links().get("vlan200").master).isEqualTo("br200");
        assertThat(retry.counts()).containsEntry("bridges", 2L);
    }

    @Test
    void theSameVlanOfTwoPhysicalNetworksIsOneLinkNameAndTheSecondIsRejected() {
        BridgingConfig two = new BridgingConfig(BridgingConfig.VlanMode.TAGGED,
                Map.of("physnet1", InterfaceName.of("eth1"), "physnet2", InterfaceName.of("eth2")));
        SortedMap<String, BridgingEntry> desired = new TreeMap<>();
        desired.put("bridge/p1", bridgeOn("physnet1", "p1", "br100", 100, "10.0.0.1/20"));
        desired.put("bridge/p2", bridgeOn("physnet2", "p2", "br101", 100, "10.0.16.1/20"));
        assertThat(BridgeModel.build(desired, two).rejected()).singleElement().satisfies(r -> {
            assertThat(r.resource()).isEqualTo("bridge/p2");
            assertThat(r.reason()).contains("its link vlan100");
        });
    }

    @Test
    void makesBridgesWithGatewaysAndVlanLinksInOneBatchAsReviewed() {
        SimulatedHost sim = node(true);
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, TAGGED);
        reconciler.preflight();
        assertThat(reconciler.sync(sample(), true).changed()).isTrue();

        References.assertMatches("bridging.batch", StateFiles.read(folder.resolve("links.batch")).orElseThrow());
        SimIp.Link br100 = sim.ip().links().get("br100");
        assertThat(br100.addresses).containsExactly("10.0.0.1/20");
        assertThat(br100.up).isTrue();
        SimIp.Link vlan100 = sim.ip().links().get("vlan100");
        assertThat(vlan100.parent).isEqualTo("eth1");
        assertThat(vlan100.vlanId).isEqualTo(100);
        assertThat(vlan100.master).isEqualTo("br100");
        assertThat(sim.commands()).filteredOn(c -> c.program().equals("ip") && c.argv().contains("-batch")).hasSize(1);
    }

    @Test
    void theGatewayAnswersArpForTheBlocksAddressesBehindTheNodesTunnelsOnOurBridgesOnly() {
        SimulatedHost sim = node(true);
        sim.ip().addLink("br101", "bridge").addresses.add("172.16.0.1/24"); // not ours
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, TAGGED);
        reconciler.sync(sample(), true);
        assertThat(sim.ip().links().get("br100").conf).containsEntry("proxy_arp", "1");
        assertThat(sim.ip().links().get("br101").conf).doesNotContainKey("proxy_arp");
        assertThat(sim.ip().links().get("br999").conf).doesNotContainKey("proxy_arp");

        sim.ip().links().get("br100").conf.put("proxy_arp", "0");
        assertThat(reconciler.sync(sample(), false).changed()).as("trusts its memory between resyncs").isFalse();
        assertThat(reconciler.sync(sample(), true).changed()).as("a resync repairs the drift").isTrue();
        assertThat(sim.ip().links().get("br100").conf).containsEntry("proxy_arp", "1");

        // The routing role moves to another node: this bridge stays (addressing, instances) and answers for nothing.
        SortedMap<String, BridgingEntry> movedAway = sample();
        BridgingEntry p1 = movedAway.get("bridge/p1");
        ((BridgeNetwork) p1.getEntry()).setGatewayHere(false);
        movedAway.put("bridge/p1", p1);
        assertThat(reconciler.sync(movedAway, false).changed()).isTrue();
        assertThat(sim.ip().links().get("br100").conf).doesNotContainKey("proxy_arp");
    }

    @Test
    void syncsNothingTwiceRepairsDriftAndRemovesOnlyItsOwn() {
        SimulatedHost sim = node(true);
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, TAGGED);
        reconciler.sync(sample(), true);
        sim.clearCommands();
        assertThat(reconciler.sync(sample(), false).changed()).isFalse();
        assertThat(reconciler.sync(sample(), true).changed()).isFalse();
        assertThat(sim.commands()).noneMatch(c -> c.argv().contains("-batch"));

        sim.ip().links().get("br100").addresses.clear();
        sim.ip().links().get("br100").addresses.add("192.168.9.1/24");
        assertThat(reconciler.sync(sample(), true).changed()).isTrue();
        assertThat(sim.ip().links().get("br100").addresses).containsExactly("10.0.0.1/20");

        SortedMap<String, BridgingEntry> fewer = sample();
        fewer.remove("bridge/p2");
        reconciler.sync(fewer, false);
        assertThat(sim.ip().links()).containsKeys("br100", "vlan100", "eth1", "br999").doesNotContainKeys("br101", "vlan101");
    }

    @Test
    void leavesAForeignInterfaceOfTheSameNameAloneAndSaysSo() {
        SimulatedHost sim = node(true);
        sim.ip().addLink("br101", "bridge").addresses.add("172.16.0.1/24");
        SyncReport report = new BridgingReconciler(sim.host(), folder, TAGGED).sync(sample(), true);
        assertThat(report.rejected()).extracting(SyncReport.Rejection::resource).containsExactly("bridge/p2");
        assertThat(sim.ip().links().get("br101").addresses).containsExactly("172.16.0.1/24");
        assertThat(sim.ip().links()).doesNotContainKey("vlan101");
    }

    @Test
    void aKernelWithoutVlanSupportIsOneClearErrorUnlessUntagged() {
        SimulatedHost sim = node(false);
        assertThatThrownBy(() -> new BridgingReconciler(sim.host(), folder, TAGGED).preflight())
                .hasMessageContaining("no 802.1Q VLAN support").hasMessageContaining("--vlan-mode untagged");

        BridgingReconciler untagged = new BridgingReconciler(sim.host(), folder, UNTAGGED);
        untagged.preflight();
        assertThat(untagged.sync(sample(), true).rejected()).isEmpty();
        assertThat(sim.ip().links()).containsKeys("br100", "br101").doesNotContainKeys("vlan100", "vlan101");
    }

    static final BridgingConfig VXLAN = new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of(), Duration.ofSeconds(60),
            Map.of("physnet1", BridgingConfig.L2.VXLAN), Optional.of(io.factnet.net.Ipv4Address.parse("192.0.2.1")), true);

    /** A compute host: p1's bridge without the gateway, VXLAN to two peers; web and db guarded, db's group opens 5432 to web. */
    public static SortedMap<String, BridgingEntry> computeHost() {
        SortedMap<String, BridgingEntry> desired = new TreeMap<>();
        desired.put("bridge/p1", Entries.bridge("p1", "br100", 100, "10.0.0.1/20", false, "192.0.2.3", "192.0.2.2"));
        desired.put("group/p1/web", Entries.groupFilter("p1", Entries.group("p1", "web", "10.0.1.0/24",
                Entries.added(Entries.tcp(22, 22, "0.0.0.0/0"), "r1", "req-web-r1"), Entries.added(Entries.icmp(8, null, "0.0.0.0/0"), "r2", "req-web-r2"))));
        desired.put("group/p1/db", Entries.groupFilter("p1", Entries.withEgress(Entries.group("p1", "db", "10.0.2.0/24",
                Entries.added(Entries.tcp(5432, 5432, "10.0.1.0/24"), "r1", "req-db-r1")),
                Entries.added(Entries.egressUdp(53, "0.0.0.0/0"), "r2", "req-db-r2"))));
        desired.put("port/p1/web1", Entries.guardedPort("p1", "web1", "fa:16:3e:00:01:05", "10.0.1.5", "web"));
        desired.put("port/p1/db1", Entries.guardedPort("p1", "db1", "fa:16:3e:00:02:05", "10.0.2.5", "db"));
        return desired;
    }

    @Test
    void aComputeHostsBridgeHasNoAddressAndAVxlanDeviceWithOneFdbEntryPerPeer() {
        SimulatedHost sim = node(false);
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, VXLAN);
        reconciler.preflight();
        SyncReport report = reconciler.sync(computeHost(), true);
        assertThat(report.rejected()).isEmpty();
        assertThat(report.failed()).isEmpty();

        References.assertMatches("bridging-vxlan.batch", StateFiles.read(folder.resolve("links.batch")).orElseThrow()
                + "# bridge -batch\n" + StateFiles.read(folder.resolve("fdb.batch")).orElseThrow());
        SimIp.Link vxlan = sim.ip().links().get("vxlan100");
        assertThat(vxlan.kind).isEqualTo("vxlan");
        assertThat(vxlan.vlanId).as("VNI = VLAN").isEqualTo(100);
        assertThat(vxlan.local).isEqualTo("192.0.2.1");
        assertThat(vxlan.master).isEqualTo("br100");
        assertThat(sim.ip().links().get("br100").addresses).as("the gateway is the network host's").isEmpty();
        assertThat(sim.ip().links().get("br100").conf).as("no proxy ARP without an address: it would answer for the block")
                .doesNotContainKey("proxy_arp");
        assertThat(peers(sim)).containsExactly("192.0.2.2", "192.0.2.3");
        assertThat(reconciler.sync(computeHost(), true).changed()).as("nothing to do twice").isFalse();
    }

    @Test
    void peersChangeByFdbEntriesAndTheBridgeStays() {
        SimulatedHost sim = node(false);
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, VXLAN);
        reconciler.sync(computeHost(), true);
        int bridgeIndex = sim.ip().links().get("br100").index;
        int vxlanIndex = sim.ip().links().get("vxlan100").index;
        sim.clearCommands();

        SortedMap<String, BridgingEntry> moved = computeHost();
        moved.put("bridge/p1", Entries.bridge("p1", "br100", 100, "10.0.0.1/20", false, "192.0.2.2", "192.0.2.4"));
        assertThat(reconciler.sync(moved, false).changed()).isTrue();

        assertThat(peers(sim)).containsExactly("192.0.2.2", "192.0.2.4");
        assertThat(StateFiles.read(folder.resolve("fdb.batch")).orElseThrow()).isEqualTo(
                "fdb del 00:00:00:00:00:00 dev vxlan100 dst 192.0.2.3\nfdb append 00:00:00:00:00:00 dev vxlan100 dst 192.0.2.4\n");
        assertThat(sim.ip().links().get("br100").index).as("the same bridge").isEqualTo(bridgeIndex);
        assertThat(sim.ip().links().get("vxlan100").index).as("the same VXLAN device").isEqualTo(vxlanIndex);
        assertThat(sim.commands()).noneMatch(c -> c.program().equals("ip") && c.argv().contains("-batch"));
    }

    @Test
    void theNetworkHostsBridgeKeepsItsGatewayAndAVxlanLinkToTheComputeHosts() {
        SimulatedHost sim = node(false);
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, VXLAN);
        SortedMap<String, BridgingEntry> desired = new TreeMap<>();
        desired.put("bridge/p1", Entries.bridge("p1", "br100", 100, "10.0.0.1/20", true, "192.0.2.2"));
        reconciler.sync(desired, true);
        assertThat(sim.ip().links().get("br100").addresses).containsExactly("10.0.0.1/20");
        assertThat(sim.ip().links().get("br100").conf).containsEntry("proxy_arp", "1");

        desired.put("bridge/p1", Entries.bridge("p1", "br100", 100, "10.0.0.1/20", false, "192.0.2.2"));
        reconciler.sync(desired, false);
        assertThat(sim.ip().links().get("br100").addresses).as("a host that stops being the network host drops the address").isEmpty();

        reconciler.sync(new TreeMap<>(), false);
        assertThat(sim.ip().links()).doesNotContainKeys("br100", "vxlan100");
        assertThat(peers(sim)).isEmpty();
    }

    @Test
    void aBadPeerRejectsItsNetworkWithAReasonAndTheOthersApply() {
        SimulatedHost sim = node(false);
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, VXLAN);
        SortedMap<String, BridgingEntry> desired = computeHost();
        desired.put("bridge/p2", Entries.bridge("p2", "br101", 101, "10.0.16.1/20", false, "192.0.2.2", "not-an-address"));
        desired.put("bridge/p3", Entries.bridge("p3", "br102", 102, "10.0.32.1/20", false, "192.0.2.1"));
        SyncReport report = reconciler.sync(desired, true);
        assertThat(report.rejected()).extracting(SyncReport.Rejection::resource).containsExactly("bridge/p2", "bridge/p3");
        assertThat(report.rejected().get(0).reason()).contains("peer").contains("not-an-address").contains("not an IPv4 address");
        assertThat(report.rejected().get(1).reason()).contains("this node's own underlay address");
        assertThat(sim.ip().links()).containsKeys("br100", "vxlan100").doesNotContainKeys("br101", "vxlan101", "br102");
        assertThat(peers(sim)).containsExactly("192.0.2.2", "192.0.2.3");
    }

    @Test
    void vxlanWithoutAnUnderlayAddressRefusesToStart() {
        assertThatThrownBy(() -> new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of(), Duration.ofSeconds(60),
                Map.of("physnet1", BridgingConfig.L2.VXLAN), Optional.empty(), true))
                .hasMessageContaining("physnet1=vxlan").hasMessageContaining("--underlay-address");
    }

    @Test
    void guardsThePortsAsTheReviewedScriptAndANewInstanceIsAnElementAdd() {
        SimulatedHost sim = node(false);
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, VXLAN);
        reconciler.sync(computeHost(), true);
        References.assertMatches("ports.nft", StateFiles.read(folder.resolve("ports.nft")).orElseThrow());
        assertThat(sim.sysctl()).as("bridged IPv4 reaches the inet hooks").containsEntry("net.bridge.bridge-nf-call-iptables", "1");
        assertThat(sim.nft().table("bridge", "factnet-ports").sets.get("ports").elements)
                .containsExactlyInAnyOrder("\"tap3e000105\" . fa:16:3e:00:01:05 . 10.0.1.5", "\"tap3e000205\" . fa:16:3e:00:02:05 . 10.0.2.5");

        SortedMap<String, BridgingEntry> more = computeHost();
        more.put("port/p1/web2", Entries.guardedPort("p1", "web2", "fa:16:3e:00:01:06", "10.0.1.6", "web"));
        sim.clearCommands();
        assertThat(reconciler.sync(more, false).changed()).isTrue();
        References.assertMatches("ports-delta.nft", StateFiles.read(folder.resolve("ports-delta.nft")).orElseThrow());
        assertThat(sim.nft().table("inet", "factnet-groups").sets.get("ingress").elements).contains("10.0.1.6 : jump group_"
                + io.factnet.node.routing.RoutingModelBuilder.chainId("p1", "web"));

        // Drift: a rule changed behind the agent's back is repaired on a resync, not before.
        sim.nft().table("inet", "factnet-groups").chains.get("forward").rules.clear();
        assertThat(reconciler.sync(more, false).changed()).isFalse();
        assertThat(reconciler.sync(more, true).changed()).isTrue();
        assertThat(sim.nft().table("inet", "factnet-groups").chains.get("forward").rules).contains("ip daddr vmap @ingress");

        reconciler.sync(new TreeMap<>(), false);
        assertThat(sim.nft().tables()).as("no port to guard: no tables").doesNotContainKeys("bridge factnet-ports", "inet factnet-groups");
    }

    @Test
    void aGroupOrRuleChangeIsAChainDeltaThatEndsWhereAFullRenderDoes(@TempDir Path fresh) {
        SimulatedHost sim = node(false);
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, VXLAN);
        reconciler.sync(computeHost(), true);

        // web's rules change, db leaves with its only instance, a new group comes with its first.
        SortedMap<String, BridgingEntry> changed = computeHost();
        changed.put("group/p1/web", Entries.groupFilter("p1", Entries.group("p1", "web", "10.0.1.0/24", Entries.tcp(22, 22, "0.0.0.0/0"),
                Entries.tcp(80, 80, "0.0.0.0/0"))));
        changed.remove("group/p1/db");
        changed.remove("port/p1/db1");
        changed.put("group/p1/cache", Entries.groupFilter("p1", Entries.group("p1", "cache", "10.0.3.0/24", Entries.tcp(6379, 6379, "10.0.1.0/24"))));
        changed.put("port/p1/cache1", Entries.guardedPort("p1", "cache1", "fa:16:3e:00:03:05", "10.0.3.5", "cache"));
        sim.clearCommands();
        assertThat(reconciler.sync(changed, false).changed()).isTrue();

        String web = "group_" + io.factnet.node.routing.RoutingModelBuilder.chainId("p1", "web");
        String db = io.factnet.node.routing.RoutingModelBuilder.chainId("p1", "db");
        String delta = StateFiles.read(folder.resolve("ports-delta.nft")).orElseThrow();
        assertThat(delta).contains("flush chain inet factnet-groups " + web, "tcp dport 80 accept",
                "delete chain inet factnet-groups group_" + db, "delete chain inet factnet-groups egress_" + db,
                "chain group_" + io.factnet.node.routing.RoutingModelBuilder.chainId("p1", "cache"))
                .doesNotContain("delete table", "tap3e000105");
        assertThat(sim.commands()).filteredOn(c -> c.program().equals("nft") && c.argv().contains("-f")).hasSize(1);

        // The same desired state rendered whole on a fresh kernel: the same tables, the same elements.
        SimulatedHost whole = node(false);
        new BridgingReconciler(whole.host(), fresh, VXLAN).sync(changed, true);
        assertThat(nftOf(sim.snapshot(folder.toString()))).isEqualTo(nftOf(whole.snapshot(fresh.toString())));

        // A resync after deltas replaces the tables once, then finds nothing to do.
        assertThat(reconciler.sync(changed, true).changed()).isTrue();
        assertThat(reconciler.sync(changed, true).changed()).isFalse();
    }

    private static String nftOf(String snapshot) {
        return snapshot.substring(0, snapshot.indexOf("# iptables"));
    }

    @Test
    void aBadPortNameOrAddressIsRejectedWithAReasonAndTheOtherPortsAreGuarded() {
        SimulatedHost sim = node(false);
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, VXLAN);
        SortedMap<String, BridgingEntry> desired = computeHost();
        BridgingEntry badName = Entries.guardedPort("p1", "evil", "fa:16:3e:00:03:05", "10.0.3.5", "web");
        ((InstancePort) badName.getEntry()).setPort("tap\"; flush ruleset");
        desired.put("port/p1/evil", badName);
        desired.put("port/p1/far", Entries.guardedPort("p1", "far", "fa:16:3e:00:03:06", "10.9.0.6", "web"));
        desired.put("port/p1/zz-twin", Entries.guardedPort("p1", "twin", "fa:16:3e:00:03:07", "10.0.1.5", "web"));
        SyncReport report = reconciler.sync(desired, true);
        assertThat(report.rejected()).extracting(SyncReport.Rejection::resource).containsExactly("port/p1/evil", "port/p1/far", "port/p1/zz-twin");
        assertThat(report.rejected().get(0).reason()).contains("interface name");
        assertThat(report.rejected().get(1).reason()).contains("outside its network 10.0.0.0/20");
        assertThat(report.rejected().get(2).reason()).contains("another guarded port's");
        assertThat(report.failed()).isEmpty();
        assertThat(sim.nft().table("bridge", "factnet-ports").sets.get("guarded").elements)
                .containsExactlyInAnyOrder("\"tap3e000105\"", "\"tap3e000205\"");
    }

    @Test
    void aPortWhoseGroupFilterIsNotHereYetGetsNothingNew() {
        SimulatedHost sim = node(false);
        BridgingReconciler reconciler = new BridgingReconciler(sim.host(), folder, VXLAN);
        SortedMap<String, BridgingEntry> desired = computeHost();
        desired.remove("group/p1/db");
        reconciler.sync(desired, true);
        assertThat(sim.nft().table("inet", "factnet-groups").sets.get("ingress").elements).contains("10.0.2.5 : drop");
    }

    private static List<String> peers(SimulatedHost sim) {
        return VxlanPeers.present(sim.host()).getOrDefault("vxlan100", java.util.Set.of()).stream().sorted().toList();
    }
}
