package io.factnet.node.bridging;

import static io.factnet.node.Entries.bridge;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.BridgingEntry;
import io.factnet.node.References;
import io.factnet.node.exec.KernelFeatures;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.net.InterfaceName;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.sim.SimIp;
import io.factnet.node.sim.SimulatedHost;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BridgingReconcilerTest {
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
}
