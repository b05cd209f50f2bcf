package io.factnet.reliability.scenario;

import static io.factnet.node.Entries.dhcpHost;
import static io.factnet.node.Entries.dhcpNetwork;
import static io.factnet.node.Entries.floating;
import static io.factnet.node.Entries.group;
import static io.factnet.node.Entries.snat;
import static io.factnet.node.Entries.tcp;
import static io.factnet.node.NodeTopicsWriter.change;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.NodeRole;
import io.factnet.node.Entries;
import io.factnet.node.NodeTopicsWriter;
import io.factnet.node.linux.LinuxLab;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.reliability.ChaosSettings;
import io.factnet.reliability.Figures;
import io.factnet.reliability.SharedRegistry;
import io.factnet.reliability.check.NodeCatchUp;
import io.factnet.cli.process.ChildJvm;
import io.factnet.reliability.process.Children;
import io.factnet.reliability.read.NodeEventsFollower;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node side under chaos on a real network stack: {@code factnet node --driver linux} as its own process,
 * in a network namespace of its own, with the routing, addressing and bridging roles. Someone else's nftables
 * table and iptables chain are there before the agent starts, and stay exactly as they were through every
 * apply and resync. Someone deletes the {@code factnet} table, and later kills dnsmasq: the agent repairs
 * each within one resync period. The agent killed with -9 and started again finds the kernel as it left it.
 * Needs root (network namespaces); skipped with the reason otherwise.
 */
class LinuxNodeRepairTest {
    static final String NODE = "lnx1";
    static final String PUBLIC = "198.51.100.1";
    static final Duration RESYNC = Duration.ofSeconds(3);
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Pattern STARTED = Pattern.compile("factnet node \\S+: .*Ctrl-C stops");
    static final List<NodeRole> ROLES = List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);

    final Children children = new Children();
    LinuxLab lab;
    Path work;
    EmbeddedKafka kafka;
    String ns;

    @BeforeEach
    void lab() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "node repair test on a real network stack skipped: " + unavailable.orElse(""));
        lab = new LinuxLab();
        // dnsmasq drops to an unprivileged user and must still reach its hosts file: o+x on the path.
        work = Files.createTempDirectory("factnet-chaos-node-" + lab.id + "-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        ns = lab.namespace("chaos");
        // The public interface: one end of a veth pair whose other end is in a namespace of its own (no dummy module here).
        lab.veth(ns, "pub0", lab.namespace("chaos-pub"), "peer0");
        lab.run(ns, "ip", "address", "add", PUBLIC + "/24", "dev", "pub0");
        lab.run(ns, "ip", "link", "set", "pub0", "up");
        kafka = EmbeddedKafka.start(work.resolve("kafka"));
        TopicAdmin.ensureAll(kafka.bootstrapServers(), ChaosCluster.PARTITIONS);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (lab == null) {
            return;
        }
        try {
            children.close();
            if (kafka != null) {
                kafka.close();
            }
        } finally {
            lab.close();
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Somebody else's rules in the namespace: an nftables table and an iptables chain with a jump to it. */
    void foreignRules() throws Exception {
        Path foreign = work.resolve("foreign.nft");
        Files.writeString(foreign, "table inet foreign {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n"
                + "\t\ttcp dport 9999 drop\n\t}\n}\n");
        lab.run(ns, "nft", "-f", foreign.toString());
        lab.run(ns, "iptables", "-t", "nat", "-N", "operator-chain");
        lab.run(ns, "iptables", "-t", "nat", "-A", "operator-chain", "-d", "192.0.2.7", "-j", "RETURN");
        lab.run(ns, "iptables", "-t", "nat", "-A", "POSTROUTING", "-j", "operator-chain");
    }

    String foreignState() {
        return lab.run(ns, "nft", "list", "table", "inet", "foreign").stdout()
                + lab.run(ns, "iptables", "-t", "nat", "-S").stdout().lines().filter(l -> l.contains("operator-chain"))
                .reduce("", (a, b) -> a + b + "\n");
    }

    @Test
    void foreignRulesSurviveEveryApplyAndDriftIsRepairedWithinOneResyncPeriod() throws Exception {
        foreignRules();
        String foreign = foreignState();
        SchemaRegistryClient registry = SharedRegistry.client();
        try (NodeTopicsWriter writer = new NodeTopicsWriter(kafka.bootstrapServers(), registry, ChaosCluster.PARTITIONS, "chaos-node");
             NodeEventsFollower events = new NodeEventsFollower(kafka.bootstrapServers(), registry)) {
            writer.write(List.of(
                    change(Topics.NODE_BRIDGING, NODE, "bridge/p1", Entries.bridge("p1", "br100", 100, "10.0.0.1/20")),
                    change(Topics.NODE_ADDRESSING, NODE, "dhcp/p1", dhcpNetwork("p1", "br100", "10.0.0.0/20", "10.0.0.1",
                            List.of(), "novalocal", 3600)),
                    change(Topics.NODE_ADDRESSING, NODE, "host/p1/10.0.1.5", dhcpHost("p1", "fa:16:3e:00:00:05", "vm1", "10.0.1.5")),
                    change(Topics.NODE_ROUTING, NODE, "snat/p1", snat("p1", "10.0.0.0/20")),
                    change(Topics.NODE_ROUTING, NODE, "floating/198.51.100.10", floating("p1", "198.51.100.10", "10.0.1.5")),
                    change(Topics.NODE_ROUTING, NODE, "group/p1/default", group("p1", "default", "10.0.1.0/24",
                            tcp(22, 22, "0.0.0.0/0")))));
            ChildJvm agent = children.start(new ChildJvm.Spec("agent-" + NODE, List.of("node",
                    "--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", SharedRegistry.url(),
                    "--driver", "linux", "--netns", ns, "--node-id", NODE, "--role", "routing,addressing,bridging",
                    "--public-address", PUBLIC, "--public-interface", "pub0", "--vlan-mode", "untagged",
                    "--resync", RESYNC.toMillis() + "ms", "--state-dir", work.resolve("state").toString()),
                    work.resolve(NODE + ".log")));
            long started = System.currentTimeMillis();
            agent.awaitLine(STARTED, WAIT);
            awaitApplied(events, agent, started);
            String table = factnetTable().orElseThrow();
            long dnsmasq = dnsmasqPid().orElseThrow();
            assertThat(table).contains("198.51.100.10").contains("10.0.0.0/20");
            assertThat(foreignState()).as("someone else's rules after the first apply").isEqualTo(foreign);
            Figures figures = new Figures("node repair on a real network stack (linux driver, namespace)")
                    .put("resync period", RESYNC);

            long deleted = System.nanoTime();
            lab.run(ns, "nft", "delete", "table", "ip", "factnet");
            assertThat(eventually(() -> factnetTable().filter(table::equals).isPresent()))
                    .as("the factnet table is back as it was; log:\n" + agent.tail(20)).isTrue();
            Duration tableBack = Duration.ofNanos(System.nanoTime() - deleted);
            figures.put("factnet table deleted -> repaired", tableBack);

            long killed = System.nanoTime();
            lab.run(ns, "kill", "-9", Long.toString(dnsmasq));
            assertThat(eventually(() -> dnsmasqPid().filter(pid -> pid != dnsmasq).isPresent()))
                    .as("a new dnsmasq serves the network; log:\n" + agent.tail(20)).isTrue();
            Duration dnsmasqBack = Duration.ofNanos(System.nanoTime() - killed);
            figures.put("dnsmasq killed -> running again", dnsmasqBack);
            assertThat(foreignState()).as("someone else's rules after the repairs").isEqualTo(foreign);

            // Within one resync period: the next resync after the fault repairs it, however long its apply takes.
            Duration repairBound = RESYNC.plus(lastApplyTime(events)).plusSeconds(2);
            assertThat(tableBack).as("table repaired within one resync period").isLessThanOrEqualTo(repairBound);
            assertThat(dnsmasqBack).as("dnsmasq restarted within one resync period").isLessThanOrEqualTo(repairBound);

            long runningDnsmasq = dnsmasqPid().orElseThrow();
            agent.kill();
            long restarted = System.currentTimeMillis();
            agent.restart();
            agent.awaitLine(STARTED, WAIT);
            awaitApplied(events, agent, restarted);
            assertThat(factnetTable()).as("the restarted agent finds its table as it left it").contains(table);
            assertThat(dnsmasqPid()).as("and keeps the running dnsmasq").contains(runningDnsmasq);
            assertThat(foreignState()).as("someone else's rules after the restart").isEqualTo(foreign);
            figures.writeTo(ChaosSettings.fromSystemProperties().runDir("node-repair"));
            System.out.println(figures);
        }
    }

    /** Every role acked, since {@code startedAtMillis}, an apply of all its desired state without error. */
    void awaitApplied(NodeEventsFollower events, ChildJvm agent, long startedAtMillis) {
        Map<NodeCatchUp.Agent, Long> last = NodeCatchUp.lastOffsets(kafka.bootstrapServers(),
                ROLES.stream().map(r -> new NodeCatchUp.Agent(NODE, r)).toList(), WAIT);
        boolean applied = eventually(() -> {
            events.catchUp(WAIT);
            List<NodeEventsFollower.Ack> recent = events.acks().stream().filter(a -> a.sentAtMillis() >= startedAtMillis).toList();
            return NodeCatchUp.status(last, recent).stream().allMatch(NodeCatchUp.Status::caughtUp);
        });
        assertThat(applied).as("the agent applied its desired state; log:\n" + agent.tail(30)).isTrue();
    }

    Duration lastApplyTime(NodeEventsFollower events) {
        events.catchUp(WAIT);
        return Duration.ofMillis(events.acks().stream().mapToLong(NodeEventsFollower.Ack::applyMillis).max().orElse(0));
    }

    Optional<String> factnetTable() {
        var listed = lab.tryRun(ns, "nft", "list", "table", "ip", "factnet");
        return listed.ok() ? Optional.of(listed.stdout()) : Optional.empty();
    }

    /** The pid of the dnsmasq of br100, if it runs (its pid file names a live process in the namespace). */
    Optional<Long> dnsmasqPid() {
        Path pidFile = work.resolve("state").resolve("addressing").resolve("br100").resolve("pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            return lab.pidsIn(ns).contains(pid) ? Optional.of(pid) : Optional.empty();
        } catch (java.io.IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static boolean eventually(BooleanSupplier condition) {
        return LinuxLab.eventually(WAIT, condition);
    }
}
