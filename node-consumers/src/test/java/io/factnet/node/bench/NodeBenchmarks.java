package io.factnet.node.bench;

import static io.factnet.node.NodeTopicsWriter.change;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AddressingEntry;
import io.factnet.model.AppliedAck;
import io.factnet.model.BridgingEntry;
import io.factnet.model.NodeRole;
import io.factnet.model.RoutingEntry;
import io.factnet.node.Entries;
import io.factnet.node.NodeConfig;
import io.factnet.node.NodeEventsReader;
import io.factnet.node.NodeReplay;
import io.factnet.node.NodeTopicsWriter;
import io.factnet.node.addressing.AddressingReconciler;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.bridging.BridgingReconciler;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.linux.LinuxLab;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.routing.IptablesRenderer;
import io.factnet.node.routing.NftRenderer;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.routing.RoutingModel;
import io.factnet.node.routing.RoutingModelBuilder;
import io.factnet.node.routing.RoutingReconciler;
import io.factnet.node.runtime.AgentSettings;
import io.factnet.node.runtime.AgentStatus;
import io.factnet.node.runtime.KafkaAgents;
import io.factnet.node.runtime.KafkaNodeEvents;
import io.factnet.node.runtime.NodeAgent;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.tunneling.TunnelingConfig;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Benchmarks of the node agents (not tests: they measure and print, they assert nothing about
 * time). Run as root:
 * {@code ./mvnw -B -q verify -pl node-consumers -am -Dtest=NodeBenchmarks -Dfactnet.bench=true -Dsurefire.failIfNoSpecifiedTests=false}
 * Figures go to stdout and to node-consumers/target/node-benchmarks.md.
 */
@EnabledIfSystemProperty(named = "factnet.bench", matches = "true")
class NodeBenchmarks {
    static final int FLOATING = Integer.getInteger("factnet.bench.floating", 100_000);
    static final RoutingConfig CONFIG = new RoutingConfig(Ipv4Address.parse("198.51.100.1"), InterfaceName.of("pub0"),
            RoutingConfig.DEFAULT_METADATA_HOST, List.of(), RoutingConfig.Firewall.NFTABLES);
    static final Map<String, String> FIGURES = new LinkedHashMap<>();

    static LinuxLab lab;
    static Path work;

    @BeforeAll
    static void lab() throws Exception {
        assumeTrue(LinuxLab.unavailable().isEmpty(), () -> "benchmarks need root and the tools: " + LinuxLab.unavailable().orElse(""));
        lab = new LinuxLab();
        work = Files.createTempDirectory("factnet-bench-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
    }

    @AfterAll
    static void report() throws Exception {
        if (lab != null) {
            lab.close();
        }
        if (work != null) {
            try (java.util.stream.Stream<Path> walk = Files.walk(work)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(StateFiles::delete);
            }
        }
        StringBuilder out = new StringBuilder("| benchmark | figure |\n| --- | --- |\n");
        FIGURES.forEach((name, value) -> out.append("| ").append(name).append(" | ").append(value).append(" |\n"));
        System.out.println(out);
        Files.writeString(Path.of("target/node-benchmarks.md"), out.toString(), StandardCharsets.UTF_8);
    }

    /** 100k associations of one project (block 10.0.0.0/15), floating addresses from 100.64.0.1 on. */
    static SortedMap<String, RoutingEntry> associations(int count) {
        SortedMap<String, RoutingEntry> desired = new TreeMap<>();
        desired.put("snat/p1", Entries.snat("p1", "10.0.0.0/15"));
        Ipv4Address floating = Ipv4Address.parse("100.64.0.0");
        Ipv4Address fixed = Ipv4Address.parse("10.0.0.0");
        for (int i = 1; i <= count; i++) {
            desired.put("floating/" + i, Entries.floating("p1", floating.plus(i).toString(), fixed.plus(i).toString()));
        }
        return desired;
    }

    String routerNamespace(String role) {
        String ns = lab.namespace(role);
        String peer = lab.namespace(role + "x");
        lab.veth(ns, "pub0", peer, "eth0");
        lab.run(ns, "ip", "address", "add", "198.51.100.1/24", "dev", "pub0");
        lab.run(ns, "ip", "link", "set", "pub0", "up");
        return ns;
    }

    @Test
    void rebuildOfOneRoutingNodeFromKafka() throws Exception {
        String ns = routerNamespace("rb");
        SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope("bench-" + lab.id);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            TopicAdmin.ensureAll(kafka.bootstrapServers(), 4);
            long last = -1;
            long producing = System.nanoTime();
            try (NodeTopicsWriter writer = new NodeTopicsWriter(kafka.bootstrapServers(), registry, 4, "bench")) {
                List<NodeTopicsWriter.Change<RoutingEntry>> batch = new ArrayList<>();
                for (Map.Entry<String, RoutingEntry> entry : associations(FLOATING).entrySet()) {
                    batch.add(change(Topics.NODE_ROUTING, "bench", entry.getKey(), entry.getValue()));
                    if (batch.size() == 10_000) {
                        last = writer.write(batch);
                        batch.clear();
                    }
                }
                last = Math.max(last, writer.write(batch));
            }
            FIGURES.put("produce " + FLOATING + " associations (not part of the rebuild)", millis(producing) + " ms");

            Map<String, Object> clients = Map.of("bootstrap.servers", kafka.bootstrapServers());
            try (NodeEventsReader events = new NodeEventsReader(kafka.bootstrapServers(), registry);
                 KafkaNodeEvents sink = new KafkaNodeEvents(clients, registry, "bench")) {
                RoutingReconciler reconciler = new RoutingReconciler(Host.linux(java.util.Optional.of(ns)), work.resolve("rb"), CONFIG);
                LongSupplier clock = System::currentTimeMillis;
                long started = System.nanoTime();
                NodeAgent<RoutingEntry> agent = KafkaAgents.build(AgentSettings.defaults("bench", NodeRole.ROUTING),
                        Topics.NODE_ROUTING, clients, registry, reconciler, sink, clock).start();
                events.awaitAck("bench", NodeRole.ROUTING, last, Duration.ofMinutes(5));
                long rebuild = millis(started);
                AgentStatus status = agent.status();
                SyncReport first = status.syncs().last();
                FIGURES.put("rebuild " + FLOATING + " associations: agent start to rules live (ack)", rebuild + " ms");
                FIGURES.put("  of which replay (read and decode the partition)", status.replay().millis() + " ms");
                FIGURES.put("  of which model and render", first.renderMillis() + " ms");
                FIGURES.put("  of which apply (nft -f, terse check, local routes)", first.applyMillis() + " ms");

                // One more association through Kafka, with 100k loaded: produce to ack.
                long changing = System.nanoTime();
                long offset;
                try (NodeTopicsWriter writer = new NodeTopicsWriter(kafka.bootstrapServers(), registry, 4, "bench-2")) {
                    offset = writer.write(List.of(change(Topics.NODE_ROUTING, "bench", "floating/extra",
                            Entries.floating("p1", "100.66.0.1", "10.1.255.1"))));
                }
                AppliedAck ack = events.awaitAck("bench", NodeRole.ROUTING, offset, Duration.ofMinutes(1));
                FIGURES.put("one association with " + FLOATING + " loaded: produce to ack (debounce 100 ms included)",
                        millis(changing) + " ms (sync " + ack.getApplyMillis() + " ms)");
                agent.close();
            }

            // factnet replay of the same node: read, model and render to files with the render driver (no kernel).
            NodeConfig replayed = new NodeConfig("bench", List.of(NodeRole.ROUTING), List.of(NodeRole.ROUTING),
                    NodeConfig.Driver.RENDER, java.util.Optional.empty(), work.resolve("replay"), CONFIG,
                    new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of()),
                    new TunnelingConfig("", TunnelingConfig.Implementation.AUTO), 51820, 52819, Duration.ZERO, Duration.ZERO);
            long replaying = System.nanoTime();
            try (org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> consumer = KafkaAgents.replayConsumer(clients,
                    "bench-replay")) {
                NodeReplay.Summary summary = NodeReplay.run(replayed, consumer, registry, new NodeReplay.Listener() {
                    @Override
                    public void progress(org.apache.kafka.common.TopicPartition partition, long done, long total) {
                    }

                    @Override
                    public void badRecord(String key, String reason) {
                        throw new AssertionError(key + ": " + reason);
                    }
                }, Duration.ofMinutes(5)).get(0);
                FIGURES.put("factnet replay of that node: read " + summary.records() + " records, model, render to files",
                        millis(replaying) + " ms (" + summary.keys() + " keys)");
            }
        }
    }

    @Test
    void nftablesAndIptablesAtScale() throws Exception {
        SortedMap<String, RoutingEntry> desired = associations(FLOATING);
        long building = System.nanoTime();
        RoutingModel model = RoutingModelBuilder.build(desired, CONFIG).model();
        FIGURES.put("model of " + FLOATING + " associations (validate, check, sort)", millis(building) + " ms");

        String ns = routerNamespace("nf");
        long rendering = System.nanoTime();
        String script = NftRenderer.render(model, CONFIG);
        FIGURES.put("nft script render (" + FLOATING + " floating, " + 2 * FLOATING + " map elements)", millis(rendering) + " ms");
        Path file = work.resolve("full.nft");
        Files.writeString(file, script);
        FIGURES.put("nft -f full load into an empty namespace", time(() -> lab.run(ns, "nft", "-f", file.toString())) + " ms");
        FIGURES.put("nft -f full replace (table present)", median(3, () -> lab.run(ns, "nft", "-f", file.toString())) + " ms");
        FIGURES.put("nft -t list ruleset (structure check)", median(3, () -> lab.run(ns, "nft", "-t", "list", "ruleset")) + " ms");
        FIGURES.put("nft list table (element check on resync)", median(3, () -> lab.run(ns, "nft", "list", "table", "ip", "factnet")) + " ms");
        FIGURES.put("nft add element, one, with " + FLOATING + " loaded (plain tool)",
                median(5, () -> lab.run(ns, "nft", "add", "element", "ip", "factnet", "floating_dnat", "{ 100.70.0.1 : 10.1.0.1 }")) + " ms");

        Path routes = work.resolve("routes.batch");
        StringBuilder batch = new StringBuilder();
        model.floating().forEach(f -> batch.append("route add local ").append(f.floating()).append("/32 dev pub0 table local proto 99\n"));
        Files.writeString(routes, batch);
        String plain = routerNamespace("rt");
        FIGURES.put("ip -batch: " + FLOATING + " local routes (how floating addresses are answered)",
                time(() -> lab.run(plain, "ip", "-batch", routes.toString())) + " ms");
        // What the agent adds instead (ADR 0047): the fewest blocks that cover the same addresses exactly.
        java.util.Set<Ipv4Cidr> blocks = io.factnet.node.routing.AddressRuns.of(
                model.floating().stream().map(RoutingModel.FloatingMapping::floating).toList()).blocks();
        Path blockRoutes = work.resolve("blocks.batch");
        StringBuilder blockBatch = new StringBuilder();
        blocks.forEach(b -> blockBatch.append("route add local ").append(b).append(" dev pub0 table local proto 99\n"));
        Files.writeString(blockRoutes, blockBatch);
        String plainBlocks = routerNamespace("cover");
        FIGURES.put("ip -batch: the same " + FLOATING + " addresses as " + blocks.size() + " covering blocks (what the agent adds)",
                time(() -> lab.run(plainBlocks, "ip", "-batch", blockRoutes.toString())) + " ms");

        // The agent's own paths on the same kernel: full sync, idle resync, one change.
        RoutingReconciler reconciler = new RoutingReconciler(Host.linux(java.util.Optional.of(ns)), work.resolve("nf"), CONFIG);
        FIGURES.put("agent full sync, " + FLOATING + " (replace table, add local routes)", time(() -> reconciler.sync(desired, true)) + " ms");
        FIGURES.put("agent resync without drift, " + FLOATING + " loaded", median(3, () -> reconciler.sync(desired, true)) + " ms");
        SortedMap<String, RoutingEntry> changed = new TreeMap<>(desired);
        List<Long> one = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            changed.put("floating/extra", Entries.floating("p1", "100.66.0.1", "10.1.255." + (i + 1)));
            SortedMap<String, RoutingEntry> snapshot = new TreeMap<>(changed);
            one.add(time(() -> reconciler.sync(snapshot, false)));
        }
        FIGURES.put("agent whole sync after one changed association, " + FLOATING + " loaded (model + nft delta + route)",
                median(one) + " ms " + range(one));
        // What a request costs the node now (ADR 0026): the changed entry applied to the kept model, one element
        // delta in nft, the route of that address only. Five changes of the fixed address, five new associations.
        List<Long> moved = new ArrayList<>();
        List<Long> added = new ArrayList<>();
        reconciler.sync(new TreeMap<>(changed), false);
        SortedMap<String, RoutingEntry> whole = new TreeMap<>(changed);
        FIGURES.put("agent first change after a whole sync, " + FLOATING + " loaded (makes the kept model, once)",
                time(() -> reconciler.apply(Map.of(), () -> whole)) + " ms");
        for (int i = 0; i < 5; i++) {
            RoutingEntry entry = Entries.floating("p1", "100.66.0.1", "10.1.253." + (i + 1));
            moved.add(time(() -> reconciler.apply(Map.of("floating/extra", entry), NodeBenchmarks::noWholeState)));
            RoutingEntry fresh = Entries.floating("p1", "100.66.1." + (i + 1), "10.1.252." + (i + 1));
            String resource = "floating/new-" + i;
            added.add(time(() -> reconciler.apply(Map.of(resource, fresh), NodeBenchmarks::noWholeState)));
        }
        FIGURES.put("agent incremental apply of one changed association, " + FLOATING + " loaded (nft element delta)",
                median(moved) + " ms " + range(moved));
        FIGURES.put("agent incremental apply of one new association, " + FLOATING + " loaded (nft element delta + one route)",
                median(added) + " ms " + range(added));

        String ipt = routerNamespace("ip");
        Path restore = work.resolve("full.iptables");
        long iptRender = System.nanoTime();
        Files.writeString(restore, IptablesRenderer.restoreInput(IptablesRenderer.chains(model, CONFIG), Map.of(), Map.of()));
        FIGURES.put("iptables-restore input render (" + 3 * FLOATING + " rules)", millis(iptRender) + " ms");
        FIGURES.put("iptables-restore --noflush full load (iptables-nft)", time(() -> lab.run(ipt, "iptables-restore", "--noflush", restore.toString())) + " ms");
        RoutingReconciler iptables = new RoutingReconciler(Host.linux(java.util.Optional.of(ipt)), work.resolve("ipt"),
                CONFIG.withFirewall(RoutingConfig.Firewall.IPTABLES));
        FIGURES.put("agent full sync, iptables mode, " + FLOATING, time(() -> iptables.sync(desired, true)) + " ms");
        changed.put("floating/extra", Entries.floating("p1", "100.66.0.1", "10.1.254.1"));
        FIGURES.put("agent sync of one changed association, iptables mode, " + FLOATING + " loaded",
                time(() -> iptables.sync(new TreeMap<>(changed), false)) + " ms");
    }

    /**
     * The render driver (the demo's node, no root needed: the simulated kernel) at the same scale: a whole sync,
     * then one changed association applied incrementally, which the simulated nft now takes as an element delta.
     */
    @Test
    void renderDriverAtScale() {
        SortedMap<String, RoutingEntry> desired = associations(FLOATING);
        io.factnet.node.sim.SimulatedHost sim = new io.factnet.node.sim.SimulatedHost();
        sim.ip().addLink("pub0", "veth").addresses.add("198.51.100.1/24");
        RoutingReconciler reconciler = new RoutingReconciler(sim.host(), work.resolve("render"), CONFIG);
        FIGURES.put("render driver: whole sync of " + FLOATING + " associations (simulated kernel)",
                time(() -> reconciler.sync(desired, true)) + " ms");
        reconciler.apply(Map.of(), () -> desired); // makes the kept model
        List<Long> one = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            RoutingEntry entry = Entries.floating("p1", "100.66.0.1", "10.1.255." + (i + 1));
            one.add(time(() -> reconciler.apply(Map.of("floating/extra", entry), NodeBenchmarks::noWholeState)));
        }
        FIGURES.put("render driver: incremental apply of one association, " + FLOATING + " loaded", median(one) + " ms " + range(one));
    }

    /**
     * A compute host's port guard (ADR 0035) with one group of {@code factnet.bench.members} (1,000) instances hosted
     * here, on the real kernel: the first sync, one more member (an element delta of the sets and maps), and a rule
     * change on that group (a new chain: both tables replaced in one transaction, the members' elements with them).
     */
    @Test
    void portGuardOfAGroupAtScale() throws Exception {
        int members = Integer.getInteger("factnet.bench.members", 1_000);
        String ns = lab.namespace("pg");
        lab.veth(ns, "underlay0", lab.namespace("pgx"), "eth0"); // no dummy links in this kernel
        lab.addressUp(ns, "underlay0", "192.0.2.1/24");
        BridgingConfig config = new BridgingConfig(BridgingConfig.VlanMode.UNTAGGED, Map.of(), Duration.ofSeconds(60),
                Map.of("physnet1", BridgingConfig.L2.VXLAN), java.util.Optional.of(Ipv4Address.parse("192.0.2.1")), true);
        BridgingReconciler reconciler = new BridgingReconciler(Host.linux(java.util.Optional.of(ns)), work.resolve("pg"), config);
        reconciler.preflight();
        SortedMap<String, BridgingEntry> desired = new TreeMap<>();
        desired.put("bridge/p1", Entries.bridge("p1", "br100", 100, "10.0.0.1/20", false, "192.0.2.2"));
        desired.put("group/p1/web", Entries.groupFilter("p1", Entries.group("p1", "web", "10.0.4.0/22", Entries.tcp(22, 22, "0.0.0.0/0"))));
        Ipv4Address base = Ipv4Address.parse("10.0.4.1");
        for (int i = 0; i < members; i++) {
            desired.put("port/p1/web" + i, member(i, base.plus(i)));
        }
        FIGURES.put("port guard: first sync of a compute host, one group of " + members + " members here",
                time(() -> reconciler.sync(new TreeMap<>(desired), true)) + " ms");
        String lastPort = Entries.portByMac(mac(members - 1));
        if (!lab.run(ns, "nft", "list", "set", "bridge", "factnet-ports", "guarded").stdout().contains(lastPort)) {
            throw new IllegalStateException("the guard does not hold the members: nothing would be measured");
        }
        List<Long> joined = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            desired.put("port/p1/extra" + i, member(members + i, base.plus(members + i)));
            SortedMap<String, BridgingEntry> snapshot = new TreeMap<>(desired);
            joined.add(time(() -> reconciler.sync(snapshot, false)));
        }
        FIGURES.put("port guard: one more member, " + members + " in the group (element delta)", median(joined) + " ms " + range(joined));
        List<Long> ruled = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            desired.put("group/p1/web", Entries.groupFilter("p1", Entries.group("p1", "web", "10.0.4.0/22",
                    Entries.tcp(22, 22, "0.0.0.0/0"), Entries.tcp(8000 + i, 8000 + i, "0.0.0.0/0"))));
            SortedMap<String, BridgingEntry> snapshot = new TreeMap<>(desired);
            ruled.add(time(() -> reconciler.sync(snapshot, false)));
        }
        FIGURES.put("port guard: a rule change on a group of " + members + " members (that group's chain replaced)",
                median(ruled) + " ms " + range(ruled));
    }

    private static String mac(int i) {
        return String.format("fa:16:3e:%02x:%02x:%02x", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    }

    private static BridgingEntry member(int i, Ipv4Address address) {
        return Entries.guardedPort("p1", "web" + i, mac(i), address.toString(), "web");
    }

    static <T> T noWholeState() {
        throw new AssertionError("an incremental apply asked for the whole state");
    }

    static String range(List<Long> times) {
        return "(" + times.stream().mapToLong(Long::longValue).min().orElse(0) + " to "
                + times.stream().mapToLong(Long::longValue).max().orElse(0) + ")";
    }

    @Test
    void dnsmasqHostsReload() throws Exception {
        String ns = lab.namespace("dh");
        lab.run(ns, "ip", "link", "add", "br100", "type", "bridge");
        lab.run(ns, "ip", "address", "add", "10.0.0.1/15", "dev", "br100");
        lab.run(ns, "ip", "link", "set", "br100", "up");
        AddressingReconciler reconciler = new AddressingReconciler(Host.linux(java.util.Optional.of(ns)), work.resolve("dh"), "bench", true);
        reconciler.preflight();
        for (int hosts : new int[] {1_000, 10_000}) {
            SortedMap<String, AddressingEntry> desired = new TreeMap<>();
            desired.put("net", Entries.dhcpNetwork("p1", "br100", "10.0.0.0/15", "10.0.0.1", List.of(), "novalocal", 3600));
            Ipv4Address base = Ipv4Address.parse("10.0.1.0");
            for (int i = 0; i < hosts; i++) {
                String mac = String.format("fa:16:3e:%02x:%02x:%02x", (i >> 16) & 255, (i >> 8) & 255, i & 255);
                desired.put("host/" + i, Entries.dhcpHost("p1", mac, "vm" + i, base.plus(i).toString()));
            }
            long sync = time(() -> reconciler.sync(desired, true));
            // The reload itself: SIGHUP to dnsmasq until it logged "read <hosts file>" (dnsmasq's own log).
            Path folder = work.resolve("dh/br100");
            long pid = Long.parseLong(StateFiles.read(folder.resolve("pid")).orElseThrow().strip());
            Path log = folder.resolve("dnsmasq.log");
            long reload = median(3, () -> {
                long before = countReads(log);
                lab.run(ns, "kill", "-HUP", Long.toString(pid));
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (countReads(log) == before && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // millisecond resolution: the reload itself is what is measured
                }
            });
            FIGURES.put("dnsmasq hosts reload (SIGHUP to 'read'), " + hosts + " hosts in one network", reload + " ms");
            FIGURES.put("  agent sync that wrote the " + hosts + " hosts (start or SIGHUP)", sync + " ms");
            // one host more, applied incrementally: that network's hosts file rewritten, one SIGHUP
            List<Long> one = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                AddressingEntry host = Entries.dhcpHost("p1", String.format("fa:16:3e:ff:00:%02x", i), "extra" + i,
                        base.plus(hosts + 10 + i).toString());
                String resource = "host/extra" + i;
                one.add(time(() -> reconciler.apply(Map.of(resource, host), NodeBenchmarks::noWholeState)));
            }
            FIGURES.put("  agent incremental apply of one more host, " + hosts + " in the network", median(one) + " ms " + range(one));
        }
    }

    /** Lines "read .../hosts" in dnsmasq's log (syslog when no log file: then the reload time is not measured). */
    private static long countReads(Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.contains(" read ") && l.endsWith("/hosts")).count() : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    interface Step {
        void run() throws Exception;
    }

    static long time(Step step) {
        long began = System.nanoTime();
        try {
            step.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return millis(began);
    }

    static long median(int runs, Step step) {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            times.add(time(step));
        }
        return median(times);
    }

    static long median(List<Long> times) {
        Long[] sorted = times.toArray(Long[]::new);
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static long millis(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
