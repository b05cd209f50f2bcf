package io.factnet.node.linux;

import static io.factnet.node.Entries.bridge;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.model.BridgingEntry;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.bridging.BridgingReconciler;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.KernelFeatures;
import io.factnet.net.InterfaceName;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bridges with the real ip in a namespace; on this machine's kernel (no 802.1Q) tagged mode must refuse to start. */
class LinuxBridgingTest {
    @TempDir
    Path folder;
    LinuxLab lab;
    String node;

    @BeforeEach
    void namespace() {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux bridging test skipped: " + unavailable.orElse(""));
        lab = new LinuxLab();
        node = lab.namespace("br");
        lab.run(node, "ip", "link", "add", "br999", "type", "bridge"); // the operator's
    }

    @AfterEach
    void cleanUp() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void untaggedBridgesComeAndGoAndTheOperatorsStays() {
        BridgingReconciler reconciler = new BridgingReconciler(Host.linux(Optional.of(node)), folder,
                new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of()));
        reconciler.preflight();
        SortedMap<String, BridgingEntry> desired = new TreeMap<>();
        desired.put("bridge/p1", bridge("p1", "br100", 100, "10.0.0.1/20"));
        assertThat(reconciler.sync(desired, true).changed()).isTrue();
        String links = lab.run(node, "ip", "-d", "-o", "address", "show", "dev", "br100").stdout();
        assertThat(links).contains("inet 10.0.0.1/20");
        assertThat(lab.run(node, "ip", "-d", "link", "show", "dev", "br100").stdout()).contains("alias factnet-bridging", "UP");
        assertThat(lab.run(node, "sysctl", "-n", "net.ipv4.conf.br100.proxy_arp").stdout().strip()).as("proxy ARP").isEqualTo("1");
        assertThat(reconciler.sync(desired, true).changed()).isFalse();

        assertThat(reconciler.sync(new TreeMap<>(), false).changed()).isTrue();
        assertThat(lab.tryRun(node, "ip", "link", "show", "dev", "br100").ok()).isFalse();
        assertThat(lab.tryRun(node, "ip", "link", "show", "dev", "br999").ok()).isTrue();
    }

    @Test
    void taggedModeOnAKernelWithout8021qIsOneClearErrorAtStart() {
        assumeTrue(!KernelFeatures.linux().vlan(), "this kernel has 802.1Q: nothing to refuse");
        BridgingReconciler reconciler = new BridgingReconciler(Host.linux(Optional.of(node)), folder,
                new BridgingConfig(BridgingConfig.VlanMode.TAGGED, Map.of("physnet1", InterfaceName.of("eth1"))));
        assertThatThrownBy(reconciler::preflight).hasMessageContaining("no 802.1Q VLAN support")
                .hasMessageContaining("--vlan-mode untagged");
    }
}
