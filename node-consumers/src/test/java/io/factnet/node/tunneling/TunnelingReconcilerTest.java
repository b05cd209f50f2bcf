package io.factnet.node.tunneling;

import static io.factnet.node.Entries.peer;
import static io.factnet.node.Entries.tunnel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.factnet.model.TunnelingEntry;
import io.factnet.node.References;
import io.factnet.node.exec.KernelFeatures;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.WireGuardKey;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.sim.SimWireGuard;
import io.factnet.node.sim.SimulatedHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TunnelingReconcilerTest {
    static final TunnelingConfig CONFIG = new TunnelingConfig("t1", TunnelingConfig.Implementation.AUTO);
    static final String NODE_KEY = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
    static final String PEER_A = WireGuardKeys.publicOf(WireGuardKeys.generatePrivate()).base64();
    static final String PEER_B = WireGuardKeys.publicOf(WireGuardKeys.generatePrivate()).base64();

    @TempDir
    Path folder;

    static SortedMap<String, TunnelingEntry> sample(String... peers) {
        SortedMap<String, TunnelingEntry> desired = new TreeMap<>();
        io.factnet.model.TunnelPeer[] list = new io.factnet.model.TunnelPeer[peers.length];
        for (int i = 0; i < peers.length; i++) {
            list[i] = peer(peers[i], "172.16.100." + (i + 2) + "/32");
        }
        desired.put("vpn/p1", tunnel("p1", "vpn100", 51820, "172.16.100.1/24", "10.0.0.0/20", list));
        return desired;
    }

    @Test
    void makesTheInterfaceWithPortAddressAndPeersAndKeepsTheKeyPrivate() throws Exception {
        SimulatedHost sim = new SimulatedHost();
        TunnelingReconciler reconciler = new TunnelingReconciler(sim.host(), folder, CONFIG);
        reconciler.preflight();
        assertThat(reconciler.sync(sample(PEER_A), true).changed()).isTrue();

        SimWireGuard.Device device = sim.wireguard().device("t1vpn100");
        assertThat(device.listenPort).isEqualTo(51820);
        assertThat(device.peers).containsExactly(java.util.Map.entry(PEER_A, "172.16.100.2/32"));
        assertThat(sim.ip().links().get("t1vpn100").addresses).containsExactly("172.16.100.1/24");
        assertThat(sim.ip().links().get("t1vpn100").kind).isEqualTo("wireguard");
        Path key = folder.resolve("private.key");
        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(folder.resolve("t1vpn100.conf"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(reconciler.publicKey()).contains(WireGuardKeys.publicOf(new WireGuardKey(Files.readString(key).strip())).base64());
        assertThat(reconciler.publicKey().orElseThrow()).isNotEqualTo(Files.readString(key).strip());
    }

    @Test
    void anInterfaceThatIsNotOursIsLeftAloneAndItsEntryNamedByItsResource() {
        SimulatedHost sim = new SimulatedHost();
        sim.ip().addLink("t1vpn100", "dummy"); // the operator's
        TunnelingReconciler reconciler = new TunnelingReconciler(sim.host(), folder, CONFIG);
        SyncReport report = reconciler.sync(sample(PEER_A), true);
        assertThat(report.rejected()).singleElement().satisfies(r -> {
            assertThat(r.resource()).as("what --wait-applied matches").isEqualTo("vpn/p1");
            assertThat(r.reason()).startsWith("interface t1vpn100 exists and is not factnet's");
        });
        assertThat(report.notApplied()).containsExactly("vpn/p1");
        assertThat(sim.ip().links().get("t1vpn100").kind).isEqualTo("dummy");
    }

    @Test
    void theConfigurationIsTheReviewedText() throws Exception {
        StateFiles.write(folder.resolve("private.key"), NODE_KEY + "\n", StateFiles.PRIVATE);
        TunnelingReconciler reconciler = new TunnelingReconciler(new SimulatedHost().host(), folder, CONFIG);
        TunnelModel model = TunnelModel.build(sample("xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
                "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="), CONFIG).model();
        References.assertMatches("tunneling.conf", reconciler.config(model.tunnels().get(0)));
    }

    @Test
    void changesOnlyWhatDiffersAndRemovesItsOwnInterfaces() {
        SimulatedHost sim = new SimulatedHost(KernelFeatures.of(false, false));
        sim.ip().addLink("wg-other", "wireguard");
        TunnelingReconciler reconciler = new TunnelingReconciler(sim.host(), folder, CONFIG);
        reconciler.preflight();
        reconciler.sync(sample(PEER_A), true);
        assertThat(sim.ip().links().get("t1vpn100").kind).as("no kernel module: wireguard-go").isEqualTo("tun");

        sim.clearCommands();
        assertThat(reconciler.sync(sample(PEER_A), true).changed()).isFalse();
        assertThat(sim.commands()).noneMatch(c -> c.program().equals("wireguard-go") || c.argv().contains("syncconf"));

        assertThat(reconciler.sync(sample(PEER_A, PEER_B), false).changed()).isTrue();
        assertThat(sim.commands()).filteredOn(c -> c.argv().contains("syncconf")).hasSize(1);
        assertThat(sim.wireguard().device("t1vpn100").peers).hasSize(2);

        assertThat(reconciler.sync(new TreeMap<>(), false).changed()).isTrue();
        assertThat(sim.ip().links()).doesNotContainKey("t1vpn100").containsKey("wg-other");
        assertThat(folder.resolve("t1vpn100.conf")).doesNotExist();
    }

    @Test
    void aTunnelThatWentWhileTheNodeWasDownLeavesNoConfiguration() throws Exception {
        SortedMap<String, TunnelingEntry> two = sample(PEER_A);
        two.put("vpn/p2", tunnel("p2", "vpn101", 51821, "172.16.101.1/24", "10.0.16.0/20"));
        TunnelingReconciler reconciler = new TunnelingReconciler(new SimulatedHost().host(), folder, CONFIG);
        reconciler.preflight();
        reconciler.sync(two, true);
        assertThat(folder.resolve("t1vpn101.conf")).exists();
        Files.writeString(folder.resolve("notes.conf"), "not ours\n");

        // the node comes back (its kernel empty, its folder kept) and p2's VPN went meanwhile
        SimulatedHost rebooted = new SimulatedHost();
        TunnelingReconciler again = new TunnelingReconciler(rebooted.host(), folder, CONFIG);
        again.preflight();
        assertThat(again.sync(sample(PEER_A), true).changed()).isTrue();
        assertThat(folder.resolve("t1vpn100.conf")).exists();
        assertThat(folder.resolve("t1vpn101.conf")).doesNotExist();
        assertThat(folder.resolve("notes.conf")).as("only our interfaces' files").exists();
        assertThat(folder.resolve("private.key")).exists();
        assertThat(again.sync(sample(PEER_A), true).changed()).isFalse();
    }

    @Test
    void aPeerClaimingMoreThanItsAddressIsLeftOut() {
        SortedMap<String, TunnelingEntry> desired = new TreeMap<>();
        desired.put("vpn/p1", tunnel("p1", "vpn100", 51820, "172.16.100.1/24", "10.0.0.0/20",
                peer(PEER_A, "0.0.0.0/0"), peer(PEER_B, "10.0.0.5/32"), peer("not a key", "172.16.100.9/32"),
                peer(PEER_A, "172.16.100.2/32")));
        desired.put("vpn/p2", tunnel("p2", "a-very-long-name", 51821, "172.16.101.1/24", "10.0.16.0/20"));
        TunnelModel.Built built = TunnelModel.build(desired, CONFIG);
        assertThat(built.rejected()).extracting(SyncReport.Rejection::resource)
                .containsExactlyInAnyOrder("vpn/p1#peer0", "vpn/p1#peer1", "vpn/p1#peer2", "vpn/p2");
        assertThat(built.model().tunnels()).singleElement().satisfies(t -> assertThat(t.peers()).hasSize(1));
    }

    @Test
    void publicKeysAreTheOnesWgComputes() throws Exception {
        ProcessBuilder wg = new ProcessBuilder("wg", "pubkey");
        Process process;
        try {
            process = wg.start();
        } catch (java.io.IOException e) {
            assumeThat(false).as("wg is not installed: " + e.getMessage()).isTrue();
            return;
        }
        WireGuardKey secret = WireGuardKeys.generatePrivate();
        process.getOutputStream().write((secret.base64() + "\n").getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().close();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String expected = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertThat(WireGuardKeys.publicOf(secret).base64()).isEqualTo(expected);
    }
}
