package io.factnet.node.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.model.RoutingEntry;
import io.factnet.node.exec.Host;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.routing.RoutingReconciler;
import io.factnet.node.routing.RoutingReconcilerTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routing role against the real nft, iptables, ip and conntrack in a namespace: only our objects change. */
class LinuxRoutingTest {
    @TempDir
    Path folder;
    LinuxLab lab;
    String router;

    @BeforeEach
    void namespace() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux routing test skipped: " + unavailable.orElse(""));
        lab = new LinuxLab();
        router = lab.namespace("rt");
        String outside = lab.namespace("ro");
        lab.veth(router, "pub0", outside, "eth0");
        lab.run(router, "ip", "address", "add", "198.51.100.1/24", "dev", "pub0");
        lab.run(router, "ip", "link", "set", "pub0", "up");
        // Somebody else's firewall in the same namespace.
        Path foreign = folder.resolve("foreign.nft");
        Files.writeString(foreign, "table inet operator {\n chain input {\n  type filter hook input priority 0; policy accept;\n"
                + "  tcp dport 9999 drop\n }\n}\n");
        lab.run(router, "nft", "-f", foreign.toString());
        lab.run(router, "iptables", "-t", "nat", "-N", "operator-chain");
        lab.run(router, "iptables", "-t", "nat", "-A", "POSTROUTING", "-j", "operator-chain");
        lab.run(router, "ip", "address", "add", "198.51.100.99/32", "dev", "pub0");
        lab.run(router, "ip", "route", "add", "local", "198.51.100.98/32", "dev", "pub0", "table", "local");
    }

    @AfterEach
    void cleanUp() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void nftablesAppliesResyncsAndRepairsOnlyItsOwnTable() {
        RoutingReconciler reconciler = new RoutingReconciler(Host.linux(Optional.of(router)), folder.resolve("state"),
                RoutingReconcilerTest.CONFIG);
        reconciler.preflight();
        assertThat(reconciler.sync(RoutingReconcilerTest.sample(), true).changed()).isTrue();

        String table = lab.run(router, "nft", "list", "table", "ip", "factnet").stdout();
        assertThat(table).contains("198.51.100.10 : 10.0.1.5", "snat to 198.51.100.1", "jump group_");
        // the group rules' ids as comments (ADR 0043): the kernel takes them and lists them where the renderer put them
        assertThat(table).contains("tcp dport 22 accept comment \"rule r1\"", "udp dport 53 return comment \"rule r6\"",
                "tcp dport 443 accept comment \"rule r1\"");
        assertThat(floatingRoutes()).as("one block covers both (ADR 0047)").containsExactly("198.51.100.10/31");
        assertThat(lab.run(router, "sysctl", "-n", "net.ipv4.ip_forward").stdout().strip()).isEqualTo("1");

        assertThat(reconciler.sync(RoutingReconcilerTest.sample(), true).changed()).as("no drift, nothing to do").isFalse();
        lab.run(router, "nft", "flush", "chain", "ip", "factnet", "postrouting");
        assertThat(reconciler.sync(RoutingReconcilerTest.sample(), true).changed()).as("drift repaired").isTrue();
        assertThat(lab.run(router, "nft", "list", "table", "ip", "factnet").stdout()).isEqualTo(table);

        SortedMap<String, RoutingEntry> fewer = new TreeMap<>(RoutingReconcilerTest.sample());
        fewer.remove("floating/198.51.100.10");
        assertThat(reconciler.sync(fewer, false).changed()).isTrue();
        assertThat(floatingRoutes()).containsExactly("198.51.100.11");
        assertThat(lab.run(router, "nft", "list", "map", "ip", "factnet", "floating_dnat").stdout())
                .doesNotContain("198.51.100.10 :").contains("198.51.100.11 : 10.0.17.9");
        assertThat(reconciler.sync(fewer, true).changed()).as("the kernel's listing of a delta is no drift").isFalse();
        lab.run(router, "nft", "delete", "element", "ip", "factnet", "floating_dnat", "{ 198.51.100.11 }");
        assertThat(reconciler.sync(fewer, true).changed()).as("a deleted element is drift").isTrue();
        assertThat(lab.run(router, "nft", "list", "map", "ip", "factnet", "floating_dnat").stdout()).contains("198.51.100.11 : 10.0.17.9");
        assertForeignRulesSurvived();
    }

    @Test
    void iptablesKeepsItsChainsBesideTheOperatorsAndRemovesOnlyItsStaleOnes() {
        RoutingReconciler reconciler = new RoutingReconciler(Host.linux(Optional.of(router)), folder.resolve("state"),
                RoutingReconcilerTest.CONFIG.withFirewall(RoutingConfig.Firewall.IPTABLES));
        reconciler.preflight();
        reconciler.sync(RoutingReconcilerTest.sample(), true);
        String filter = lab.run(router, "iptables-save", "-t", "filter").stdout();
        assertThat(filter).contains("-A FORWARD -j factnet-FORWARD", ":factnet-g-");
        assertThat(lab.run(router, "iptables-save", "-t", "nat").stdout())
                .contains("-A factnet-PREROUTING -d 198.51.100.10/32 -j DNAT --to-destination 10.0.1.5");
        assertThat(reconciler.sync(RoutingReconcilerTest.sample(), true).changed()).isFalse();

        SortedMap<String, RoutingEntry> fewer = new TreeMap<>(RoutingReconcilerTest.sample());
        fewer.remove("group/p1/db");
        assertThat(reconciler.sync(fewer, true).changed()).isTrue();
        String after = lab.run(router, "iptables-save", "-t", "filter").stdout();
        assertThat(after.lines().filter(l -> l.startsWith(":factnet-g-"))).hasSize(2);
        assertThat(after.lines().filter(l -> l.startsWith(":factnet-e-"))).as("web's and sealed's egress chains").hasSize(2);
        assertThat(after.lines().filter(l -> l.equals("-A FORWARD -j factnet-FORWARD"))).hasSize(1);
        assertForeignRulesSurvived();
        assertThat(lab.tryRun(router, "nft", "list", "table", "ip", "factnet").ok()).isFalse();
    }

    private java.util.List<String> floatingRoutes() {
        return lab.run(router, "ip", "route", "show", "table", "local", "proto", "211").stdout().lines()
                .map(l -> l.split(" ")[1]).toList();
    }

    private void assertForeignRulesSurvived() {
        assertThat(lab.run(router, "nft", "list", "table", "inet", "operator").stdout()).contains("tcp dport 9999 drop");
        assertThat(lab.run(router, "iptables-save", "-t", "nat").stdout())
                .contains(":operator-chain", "-A POSTROUTING -j operator-chain");
        assertThat(lab.run(router, "ip", "-o", "address", "show", "dev", "pub0").stdout()).contains("198.51.100.99/32");
        assertThat(lab.run(router, "ip", "route", "show", "table", "local").stdout()).contains("local 198.51.100.98 dev pub0");
    }
}
