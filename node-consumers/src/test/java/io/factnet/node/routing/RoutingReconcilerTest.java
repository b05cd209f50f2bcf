package io.factnet.node.routing;

import static io.factnet.node.Entries.any;
import static io.factnet.node.Entries.added;
import static io.factnet.node.Entries.egressAny;
import static io.factnet.node.Entries.egressIcmp;
import static io.factnet.node.Entries.egressTcp;
import static io.factnet.node.Entries.egressUdp;
import static io.factnet.node.Entries.withEgress;
import static io.factnet.node.Entries.floating;
import static io.factnet.node.Entries.forward;
import static io.factnet.node.Entries.group;
import static io.factnet.node.Entries.icmp;
import static io.factnet.node.Entries.snat;
import static io.factnet.node.Entries.tcp;
import static io.factnet.node.Entries.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.RoutingEntry;
import io.factnet.node.References;
import io.factnet.node.exec.Command;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.sim.SimConntrack;
import io.factnet.node.sim.SimIp;
import io.factnet.node.sim.SimulatedHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class RoutingReconcilerTest {
    public static final RoutingConfig CONFIG = new RoutingConfig(Ipv4Address.parse("198.51.100.1"), InterfaceName.of("pub0"),
            RoutingConfig.DEFAULT_METADATA_HOST, List.of(Ipv4Cidr.parseNetwork("192.0.2.0/24")),
            RoutingConfig.Firewall.NFTABLES);
    /** The reference renders' node: it also DNATs the instances' metadata requests to a metadata server (ADR 0033). */
    public static final RoutingConfig WITH_METADATA = CONFIG.withMetadataServer(RoutingConfig.MetadataServer.parse("198.51.100.1:8775"));

    @TempDir
    Path folder;
    SimulatedHost sim;

    @BeforeEach
    void node() throws IOException {
        sim = new SimulatedHost();
        sim.ip().addLink("pub0", "veth").addresses.add("198.51.100.1/24");
        // Somebody else's rules: they must survive every apply and resync.
        Path foreign = folder.resolve("foreign.nft");
        Files.writeString(foreign, "table inet foreign {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n"
                + "\t\ttcp dport 9999 drop\n\t}\n}\n");
        assertThat(sim.run(Command.of("nft", "-f", foreign.toString())).ok()).isTrue();
        assertThat(sim.run(Command.of("iptables", "-t", "nat", "-N", "operator-chain")).ok()).isTrue();
        assertThat(sim.run(Command.of("iptables", "-t", "nat", "-A", "POSTROUTING", "-j", "operator-chain")).ok()).isTrue();
    }

    public static SortedMap<String, RoutingEntry> sample() {
        SortedMap<String, RoutingEntry> desired = new TreeMap<>();
        desired.put("snat/p1", snat("p1", "10.0.0.0/20"));
        desired.put("snat/p2", snat("p2", "10.0.16.0/20"));
        desired.put("floating/198.51.100.10", floating("p1", "198.51.100.10", "10.0.1.5"));
        desired.put("floating/198.51.100.11", floating("p2", "198.51.100.11", "10.0.17.9"));
        desired.put("vpn/p1", forward("p1", 51001, "10.0.0.1", 51820));
        // web's rules carry their ids and AddRule requests (rendered as comments); db's are as in entries older than
        // those fields (no comments); sealed's rule has an id but no request.
        desired.put("group/p1/web", withEgress(group("p1", "web", "10.0.1.0/24", added(tcp(22, 22, "0.0.0.0/0"), "r1", "req-web-r1"),
                added(tcp(8000, 8080, "10.0.2.0/24"), "r2", "req-web-r2"), added(icmp(8, null, "0.0.0.0/0"), "r3", "req-web-r3"),
                added(udp(53, "10.0.0.0/20"), "r4", "req-web-r4")),
                added(egressTcp(80, 80, "192.0.2.10/32"), "r5", "req-web-r5"), added(egressUdp(53, "0.0.0.0/0"), "r6", "req-web-r6"),
                added(egressAny("10.0.2.0/24"), "r7", "req-web-r7"), added(egressIcmp(8, "0.0.0.0/0"), "r8", "req-web-r8")));
        desired.put("group/p1/db", group("p1", "db", "10.0.2.0/24", any("10.0.1.0/24"), icmp(3, 4, "0.0.0.0/0")));
        desired.put("group/p2/sealed", withEgress(group("p2", "sealed", "10.0.17.0/24", added(tcp(443, 443, "0.0.0.0/0"), "r1", null))));
        return desired;
    }

    RoutingReconciler reconciler(RoutingConfig config) {
        return new RoutingReconciler(sim.host(), folder.resolve("routing"), config);
    }

    @Test
    void rendersTheWholeStateAsTheReviewedNftScript() {
        RoutingModel model = RoutingModelBuilder.build(sample(), CONFIG).model();
        References.assertMatches("routing.nft", NftRenderer.render(model, WITH_METADATA));
    }

    @Test
    void rendersTheSameStateAsTheReviewedIptablesChains() {
        RoutingModel model = RoutingModelBuilder.build(sample(), CONFIG).model();
        String input = IptablesRenderer.restoreInput(IptablesRenderer.chains(model, WITH_METADATA), Map.of(), Map.of());
        References.assertMatches("routing.iptables", input);
    }

    @Test
    void aMetadataServerGetsEachBlocksMetadataRequestsOnBothBackendsAndIsNoDrift() {
        for (RoutingConfig.Firewall firewall : RoutingConfig.Firewall.values()) {
            RoutingConfig config = WITH_METADATA.withFirewall(firewall);
            RoutingReconciler reconciler = reconciler(config);
            assertThat(reconciler.sync(sample(), true).changed()).isTrue();
            if (firewall == RoutingConfig.Firewall.NFTABLES) {
                assertThat(sim.nft().table("ip", "factnet").chains.get("prerouting").rules).contains(
                        "ip saddr { 10.0.0.0/20, 10.0.16.0/20 } ip daddr 169.254.169.254 tcp dport 80 dnat to 198.51.100.1:8775");
                assertThat(sim.nft().table("ip", "factnet").chains.get("postrouting").rules).contains(
                        "ip saddr { 10.0.0.0/20, 10.0.16.0/20 } ip daddr { 169.254.169.254, 198.51.100.1, 192.0.2.0/24 } accept");
            } else {
                assertThat(sim.iptables().table("nat").get("factnet-PREROUTING")).contains(
                        "-s 10.0.0.0/20 -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 198.51.100.1:8775",
                        "-s 10.0.16.0/20 -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 198.51.100.1:8775");
                assertThat(sim.iptables().table("nat").get("factnet-POSTROUTING"))
                        .contains("-s 10.0.0.0/20 -d 198.51.100.1/32 -j ACCEPT");
            }
            assertThat(reconciler.sync(sample(), true).changed()).as(firewall + ": the kernel's listing is no drift").isFalse();
            // Without a server (the default) nothing is DNATed to one.
            RoutingModel model = RoutingModelBuilder.build(sample(), CONFIG).model();
            assertThat(NftRenderer.render(model, CONFIG)).doesNotContain("tcp dport 80 dnat");
            assertThat(IptablesRenderer.chains(model, CONFIG).get("nat").get("factnet-PREROUTING").toString()).doesNotContain("169.254.169.254");
            // a network's block is what is DNATed: a node with no networks has no rule
            assertThat(NftRenderer.render(RoutingModelBuilder.build(new TreeMap<>(), config).model(), config)).doesNotContain("169.254.169.254 tcp");
        }
    }

    @Test
    void metadataServerSettingsAreChecked() {
        assertThat(RoutingConfig.MetadataServer.parse("10.0.0.1:8775").toString()).isEqualTo("10.0.0.1:8775");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RoutingConfig.MetadataServer.parse("10.0.0.1"))
                .hasMessageContaining("address:port");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RoutingConfig.MetadataServer.parse("10.0.0.1:0"))
                .hasMessageContaining("1..65535");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RoutingConfig.MetadataServer.parse("169.254.169.254:80"))
                .hasMessageContaining("real address");
        RoutingConfig.MetadataServer local = RoutingConfig.MetadataServer.parse(":8775");
        assertThat(local.address()).isEmpty();
        assertThat(local.toString()).isEqualTo(":8775");
        RoutingConfig redirecting = CONFIG.withMetadataServer(local);
        assertThat(redirecting.snatExemptions()).containsExactly("169.254.169.254", "192.0.2.0/24");
        RoutingModel model = RoutingModelBuilder.build(sample(), redirecting).model();
        assertThat(NftRenderer.render(model, redirecting))
                .contains("ip saddr { 10.0.0.0/20, 10.0.16.0/20 } ip daddr 169.254.169.254 tcp dport 80 redirect to :8775");
        assertThat(IptablesRenderer.chains(model, redirecting).get("nat").get("factnet-PREROUTING"))
                .contains("-s 10.0.0.0/20 -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8775");
        for (RoutingConfig.Firewall firewall : RoutingConfig.Firewall.values()) {
            assertThat(reconciler(redirecting.withFirewall(firewall)).sync(sample(), true).failed()).as(firewall + " applies it").isEmpty();
        }
        // the server's address inside a DMZ CIDR or equal to the metadata host is not listed twice (one nft set)
        RoutingConfig inDmz = CONFIG.withMetadataServer(RoutingConfig.MetadataServer.parse("192.0.2.7:8775"));
        assertThat(inDmz.snatExemptions()).containsExactly("169.254.169.254", "192.0.2.0/24");
    }

    @Test
    void appliesOneTableAndTheFloatingAddressesAndLeavesOthersAlone() {
        SyncReport report = reconciler(CONFIG).sync(sample(), true);

        assertThat(report.changed()).isTrue();
        assertThat(report.rejected()).isEmpty();
        assertThat(report.counts()).containsEntry("floatingIps", 2L).containsEntry("groups", 3L).containsEntry("rules", 11L);
        assertThat(sim.nft().table("ip", "factnet").sets.get("floating_dnat").elements)
                .containsExactly("198.51.100.10 : 10.0.1.5", "198.51.100.11 : 10.0.17.9");
        assertThat(sim.nft().table("ip", "factnet").chains).containsKeys("prerouting", "postrouting", "forward");
        assertThat(sim.nft().table("inet", "foreign").chains.get("input").rules).containsExactly("tcp dport 9999 drop");
        assertThat(sim.iptables().table("nat")).containsKey("operator-chain");
        assertThat(sim.iptables().table("nat").get("POSTROUTING")).containsExactly("-j operator-chain");
        assertThat(floatingRoutes(sim)).as("one block covers both addresses (ADR 0047)").containsExactly("198.51.100.10/31");
        assertThat(sim.ip().links().get("pub0").addresses).containsExactly("198.51.100.1/24");
        assertThat(sim.sysctl()).containsEntry("net.ipv4.ip_forward", "1");
        assertThat(nftScripts()).isEqualTo(1);
    }

    @Test
    void aSecondSyncWithoutChangesAppliesNothingAndAResyncRepairsDrift() throws IOException {
        RoutingReconciler reconciler = reconciler(CONFIG);
        reconciler.sync(sample(), true);
        sim.clearCommands();

        assertThat(reconciler.sync(sample(), false).changed()).isFalse();
        assertThat(reconciler.sync(sample(), true).changed()).isFalse();
        assertThat(nftScripts()).isZero();

        // Somebody deletes our table and one floating address: the resync puts both back, and only them.
        Path drop = folder.resolve("drop.nft");
        Files.writeString(drop, "delete table ip factnet\n");
        sim.run(Command.of("nft", "-f", drop.toString()));
        sim.ip().routes().removeIf(r -> r.dst().equals("198.51.100.10/31"));
        assertThat(reconciler.sync(sample(), false).changed()).as("without verify the memory is trusted").isFalse();
        assertThat(reconciler.sync(sample(), true).changed()).isTrue();
        assertThat(sim.nft().table("ip", "factnet")).isNotNull();
        assertThat(sim.nft().table("inet", "foreign")).isNotNull();
        assertThat(floatingRoutes(sim)).contains("198.51.100.10/31");
    }

    @Test
    void incrementalChangesEndInTheStateOfAFullSyncFromScratch() {
        RoutingReconciler incremental = reconciler(CONFIG);
        SortedMap<String, RoutingEntry> desired = new TreeMap<>();
        incremental.sync(desired, true);
        for (Map.Entry<String, RoutingEntry> entry : sample().entrySet()) {
            desired.put(entry.getKey(), entry.getValue());
            incremental.sync(new TreeMap<>(desired), false);
        }
        desired.remove("floating/198.51.100.11");
        desired.put("floating/198.51.100.12", floating("p1", "198.51.100.12", "10.0.1.6"));
        incremental.sync(new TreeMap<>(desired), false);
        String listing = sim.run(Command.of("nft", "list", "table", "ip", "factnet")).stdout();
        List<String> routes = floatingRoutes(sim);

        SimulatedHost fresh = new SimulatedHost();
        fresh.ip().addLink("pub0", "veth").addresses.add("198.51.100.1/24");
        new RoutingReconciler(fresh.host(), folder.resolve("fresh"), CONFIG).sync(new TreeMap<>(desired), true);

        assertThat(fresh.run(Command.of("nft", "list", "table", "ip", "factnet")).stdout()).isEqualTo(listing);
        assertThat(floatingRoutes(fresh)).containsExactlyInAnyOrderElementsOf(routes);
        assertThat(routes).doesNotContain("198.51.100.11/32").contains("198.51.100.12/32");
    }

    @Test
    void aChangeOfAssociationsAloneIsOneSmallTransactionAndAMissingElementIsDrift() throws IOException {
        RoutingReconciler reconciler = reconciler(CONFIG);
        reconciler.sync(sample(), true);
        SortedMap<String, RoutingEntry> desired = new TreeMap<>(sample());
        desired.remove("floating/198.51.100.11");
        desired.put("floating/198.51.100.10", floating("p1", "198.51.100.10", "10.0.1.9"));
        desired.put("vpn/p1", forward("p1", 51002, "10.0.0.1", 51820));
        sim.clearCommands();

        assertThat(reconciler.sync(desired, false).changed()).isTrue();

        assertThat(nftScripts()).as("no full replace").isZero();
        References.assertMatches("routing-delta.nft",
                io.factnet.node.exec.StateFiles.read(folder.resolve("routing/factnet-delta.nft")).orElseThrow());
        assertThat(sim.nft().table("ip", "factnet").sets.get("floating_dnat").elements).containsExactly("198.51.100.10 : 10.0.1.9");

        Path drop = folder.resolve("drop.nft");
        Files.writeString(drop, "delete element ip factnet floating_snat { 10.0.1.9 }\n");
        sim.run(Command.of("nft", "-f", drop.toString()));
        assertThat(reconciler.sync(desired, true).changed()).as("an element somebody deleted is drift").isTrue();
        assertThat(sim.nft().table("ip", "factnet").sets.get("floating_snat").elements).containsExactly("10.0.1.9 : 198.51.100.10");
        assertThat(nftScripts()).isEqualTo(1);
    }

    @Test
    void disassociationRemovesTheAddressAndFlushesItsConnections() {
        RoutingReconciler reconciler = reconciler(CONFIG);
        reconciler.sync(sample(), true);
        sim.conntrack().connections().add(new SimConntrack.Connection("198.51.100.10", "10.0.1.5"));
        sim.conntrack().connections().add(new SimConntrack.Connection("203.0.113.7", "198.51.100.10"));
        sim.conntrack().connections().add(new SimConntrack.Connection("198.51.100.11", "10.0.17.9"));

        SortedMap<String, RoutingEntry> desired = new TreeMap<>(sample());
        desired.remove("floating/198.51.100.10");
        assertThat(reconciler.sync(desired, false).changed()).isTrue();

        assertThat(floatingRoutes(sim)).doesNotContain("198.51.100.10/32").contains("198.51.100.11/32");
        assertThat(sim.conntrack().connections()).containsExactly(new SimConntrack.Connection("198.51.100.11", "10.0.17.9"));
        assertThat(sim.nft().table("ip", "factnet").sets.get("floating_dnat").elements)
                .containsExactly("198.51.100.11 : 10.0.17.9");
    }

    @Test
    void aRouteOrAddressSomebodyElseMadeIsNeverRemovedAndARestartStillFindsOurs() {
        sim.ip().links().get("pub0").addresses.add("198.51.100.98/32");
        sim.run(Command.of("ip", "route", "add", "local", "198.51.100.99/32", "dev", "pub0", "table", "local"));
        reconciler(CONFIG).sync(sample(), true);

        SortedMap<String, RoutingEntry> desired = new TreeMap<>(sample());
        desired.remove("floating/198.51.100.11");
        reconciler(CONFIG).sync(desired, true); // a new agent process: the route protocol tells what is ours

        assertThat(floatingRoutes(sim)).containsExactly("198.51.100.10/32");
        assertThat(sim.ip().routes()).extracting(SimIp.Route::dst).containsExactlyInAnyOrder("198.51.100.10/32", "198.51.100.99/32");
        assertThat(sim.ip().links().get("pub0").addresses).containsExactlyInAnyOrder("198.51.100.1/24", "198.51.100.98/32");
    }

    /** How many addresses these blocks hold. */
    public static long addressesIn(List<String> blocks) {
        return blocks.stream().mapToLong(b -> io.factnet.net.Ipv4Cidr.parseNetwork(b).size()).sum();
    }

    /** The local routes that make the node answer for floating addresses (ours: protocol 211). */
    public static List<String> floatingRoutes(SimulatedHost sim) {
        return sim.ip().routes().stream().filter(r -> r.dev().equals("pub0") && r.type().equals("local")
                && r.proto().equals("211")).map(SimIp.Route::dst).sorted().toList();
    }

    @Test
    void iptablesModeKeepsOurChainsAndRemovesOnlyOurStaleOnes() {
        RoutingReconciler reconciler = reconciler(CONFIG.withFirewall(RoutingConfig.Firewall.IPTABLES));
        reconciler.sync(sample(), true);
        Map<String, List<String>> filter = sim.iptables().table("filter");
        assertThat(filter.keySet().stream().filter(c -> c.startsWith("factnet-g-"))).hasSize(3);
        assertThat(filter.keySet().stream().filter(c -> c.startsWith("factnet-e-"))).as("web's and sealed's egress").hasSize(2);
        assertThat(filter.get("factnet-e-" + RoutingModelBuilder.chainId("p2", "sealed"))).containsExactly("-j DROP");
        assertThat(filter.get("FORWARD")).containsExactly("-j factnet-FORWARD");
        assertThat(sim.iptables().table("nat").get("POSTROUTING")).containsExactly("-j factnet-POSTROUTING", "-j operator-chain");
        assertThat(sim.nft().table("ip", "factnet")).isNull();

        SortedMap<String, RoutingEntry> desired = new TreeMap<>(sample());
        desired.remove("group/p1/db");
        desired.put("group/p2/sealed", group("p2", "sealed", "10.0.17.0/24", tcp(443, 443, "0.0.0.0/0")));
        sim.clearCommands();
        assertThat(reconciler.sync(desired, true).changed()).isTrue();
        assertThat(filter = sim.iptables().table("filter")).doesNotContainKey(
                "factnet-g-" + RoutingModelBuilder.chainId("p1", "db"));
        assertThat(filter.keySet().stream().filter(c -> c.startsWith("factnet-g-"))).hasSize(2);
        assertThat(filter.keySet().stream().filter(c -> c.startsWith("factnet-e-"))).as("sealed's egress rules gone: its chain too")
                .containsExactly("factnet-e-" + RoutingModelBuilder.chainId("p1", "web"));
        assertThat(filter.get("factnet-FORWARD")).doesNotContain("-s 10.0.17.0/24 -j factnet-e-" + RoutingModelBuilder.chainId("p2", "sealed"));
        assertThat(filter.get("FORWARD")).containsExactly("-j factnet-FORWARD");
        assertThat(sim.iptables().table("nat")).containsKey("operator-chain");
        assertThat(sim.commands().stream().filter(c -> c.program().equals("iptables-restore"))).hasSize(1);

        sim.clearCommands();
        assertThat(reconciler.sync(desired, true).changed()).isFalse();
        sim.run(Command.of("iptables", "-t", "nat", "-D", "PREROUTING", "-j", "factnet-PREROUTING"));
        assertThat(reconciler.sync(desired, true).changed()).as("a removed jump is drift").isTrue();
        assertThat(sim.iptables().table("nat").get("PREROUTING")).containsExactly("-j factnet-PREROUTING");
    }

    @Test
    void keepsProjectsApartAndReportsWhatItLeftOut() {
        SortedMap<String, RoutingEntry> desired = sample();
        desired.put("floating/198.51.100.20", floating("p2", "198.51.100.20", "10.0.1.5")); // p1's instance
        desired.put("floating/198.51.100.21", floating("p1", "198.51.100.21", "10.9.9.9")); // outside p1's block
        desired.put("floating/198.51.100.10-again", floating("p1", "198.51.100.10", "10.0.1.7"));
        desired.put("group/p2/steal", group("p2", "steal", "10.0.1.0/24", any("0.0.0.0/0")));
        // of two overlapping groups the first by resource name stays
        desired.put("group/p1/zz-overlap", group("p1", "overlap", "10.0.1.128/25", any("0.0.0.0/0")));
        desired.put("group/p1/badrule", group("p1", "badrule", "10.0.3.0/24", tcp(90, 80, "0.0.0.0/0"), tcp(443, 443, "0.0.0.0/0")));
        desired.put("snat/p1-again", snat("p1", "10.0.0.0/20")); // the same block again: fine
        desired.put("snat/p3", snat("p3", "10.0.8.0/21")); // inside p1's block
        desired.put("snat/p4", snat("p4", "8.0.0.0/6")); // around both blocks, starting below them

        RoutingModelBuilder.Built built = RoutingModelBuilder.build(desired, CONFIG);

        assertThat(built.rejected()).extracting(SyncReport.Rejection::resource).containsExactlyInAnyOrder(
                "floating/198.51.100.20", "floating/198.51.100.21", "floating/198.51.100.10-again",
                "group/p2/steal", "group/p1/zz-overlap", "group/p1/badrule#rule0", "snat/p3", "snat/p4");
        assertThat(built.model().blocks()).extracting(Object::toString).containsExactly("10.0.0.0/20", "10.0.16.0/20");
        assertThat(built.model().floating()).hasSize(2);
        RoutingModel.GroupChain badrule = built.model().groups().stream()
                .filter(g -> g.subnet().toString().equals("10.0.3.0/24")).findFirst().orElseThrow();
        assertThat(badrule.rules()).hasSize(1);
    }

    @Test
    void aBadEgressRuleIsLeftOutAndTheGroupsEgressStillEndsInDrop() {
        SortedMap<String, RoutingEntry> desired = sample();
        RoutingEntry hostile = withEgress(group("p1", "badegress", "10.0.3.0/24", tcp(22, 22, "0.0.0.0/0")),
                egressTcp(443, 443, "10.0.0.0/8 accept"), egressTcp(90, 80, "0.0.0.0/0"), egressTcp(443, 443, "198.51.100.0/24"));
        desired.put("group/p1/badegress", hostile);

        RoutingModelBuilder.Built built = RoutingModelBuilder.build(desired, CONFIG);

        assertThat(built.rejected()).extracting(SyncReport.Rejection::resource)
                .containsExactly("group/p1/badegress#egress0", "group/p1/badegress#egress1");
        RoutingModel.GroupChain group = built.model().groups().stream()
                .filter(g -> g.subnet().toString().equals("10.0.3.0/24")).findFirst().orElseThrow();
        assertThat(group.rules()).hasSize(1);
        assertThat(group.egress()).hasValueSatisfying(rules -> assertThat(rules).singleElement()
                .satisfies(rule -> assertThat(rule.remote().toString()).isEqualTo("198.51.100.0/24")));
        String script = NftRenderer.render(built.model(), CONFIG);
        String chain = script.substring(script.indexOf("chain egress_" + group.id()));
        assertThat(chain.substring(0, chain.indexOf('}'))).contains("ip daddr 198.51.100.0/24 tcp dport 443 return", "drop")
                .doesNotContain("10.0.0.0/8");
        assertThat(reconciler(CONFIG).sync(desired, true).rejected()).hasSize(2);
        assertThat(sim.nft().table("ip", "factnet").chains.get("egress_" + group.id()).rules)
                .containsExactly("ip daddr 198.51.100.0/24 tcp dport 443 return", "drop");
    }

    /** A rule id becomes a comment in the rule file: one that is not r1, r2, ... leaves its rule out (fails closed). */
    @Test
    void aRuleWhoseIdIsNotARuleIdIsLeftOutAndNothingOfItReachesTheRuleFile() {
        SortedMap<String, RoutingEntry> desired = sample();
        desired.put("group/p1/badid", withEgress(group("p1", "badid", "10.0.3.0/24",
                added(tcp(22, 22, "0.0.0.0/0"), "r1\" accept comment \"x", "req-1"), added(tcp(443, 443, "0.0.0.0/0"), "r2", "req-2")),
                added(egressTcp(80, 80, "0.0.0.0/0"), "r" + "9".repeat(200), "req-3")));

        RoutingModelBuilder.Built built = RoutingModelBuilder.build(desired, CONFIG);

        assertThat(built.rejected()).extracting(SyncReport.Rejection::resource)
                .containsExactly("group/p1/badid#rule0", "group/p1/badid#egress0");
        RoutingModel.GroupChain group = built.model().groups().stream()
                .filter(g -> g.subnet().toString().equals("10.0.3.0/24")).findFirst().orElseThrow();
        reconciler(CONFIG).sync(desired, true);
        assertThat(sim.nft().table("ip", "factnet").chains.get("group_" + group.id()).rules)
                .containsExactly("tcp dport 443 accept comment \"rule r2\"", "drop");
        assertThat(sim.nft().table("ip", "factnet").chains.get("egress_" + group.id()).rules).containsExactly("drop");
    }

    private long nftScripts() {
        return sim.commands().stream().filter(c -> c.argv().equals(List.of("nft", "-f", folder.resolve("routing/factnet.nft").toString()))).count();
    }

}
