package io.factnet.node.addressing;

import static io.factnet.node.Entries.dhcpHost;
import static io.factnet.node.Entries.dhcpNetwork;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AddressingEntry;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.sim.SimulatedHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OVN's rule for the addressing node: host changes applied one by one (each rebuilding its own network's
 * hosts) end in the model and the hosts files a full rebuild of the same entries gives. Random sequences with
 * the conflicts that make the order matter: a MAC or an address given twice in a network, host names that
 * sanitize to the same label, hosts of a project without a network here, invalid values, and now and then a
 * network changed or removed.
 */
class AddressingIncrementalTest {
    @TempDir
    Path folder;

    static final class Changes {
        final Random random;
        final SortedMap<String, AddressingEntry> entries = new TreeMap<>();

        Changes(long seed) {
            random = new Random(seed);
            entries.put("net/p1", dhcpNetwork("p1", "br100", "10.0.0.0/24", "10.0.0.1", List.of("8.8.8.8"), "novalocal", 3600));
            entries.put("net/p2", dhcpNetwork("p2", "br101", "10.0.16.0/24", "10.0.16.1", List.of(), "p2.cloud", 600));
        }

        Map<String, AddressingEntry> next(boolean networks) {
            Map<String, AddressingEntry> batch = new HashMap<>();
            int size = 1 + random.nextInt(4);
            for (int i = 0; i < size; i++) {
                String resource;
                AddressingEntry entry;
                if (networks && random.nextInt(10) == 0) {
                    resource = pick("net/p1", "net/p2", "net/p3");
                    String project = resource.substring(4);
                    entry = random.nextInt(3) == 0 ? null : project.equals("p2")
                            ? dhcpNetwork("p2", "br101", "10.0.16.0/24", "10.0.16.1", List.of(), "p2.cloud", pick(600, 1200))
                            : dhcpNetwork(project, pick("br100", "br102"), project.equals("p1") ? "10.0.0.0/24" : "10.0.32.0/24",
                                    project.equals("p1") ? "10.0.0.1" : "10.0.32.1", List.of(), "novalocal", 3600);
                } else {
                    resource = "host/" + random.nextInt(25);
                    if (random.nextInt(5) == 0) {
                        entry = null;
                    } else {
                        String project = pick("p1", "p1", "p2", "p3");
                        String prefix = project.equals("p1") ? "10.0.0." : project.equals("p2") ? "10.0.16." : "10.0.32.";
                        String address = random.nextInt(20) == 0 ? pick(prefix + "1", prefix + "255", "10.9.9.9", "bad")
                                : prefix + (2 + random.nextInt(8));
                        String mac = random.nextInt(20) == 0 ? "not-a-mac" : "fa:16:3e:00:00:0" + random.nextInt(8);
                        String name = pick("web", "WEB", "db", "vm " + random.nextInt(3), "", "-", "x".repeat(70));
                        entry = dhcpHost(project, mac, name, address);
                    }
                }
                batch.put(resource, entry);
                if (entry == null) {
                    entries.remove(resource);
                } else {
                    entries.put(resource, entry);
                }
            }
            return batch;
        }

        @SafeVarargs
        private <T> T pick(T... values) {
            return values[random.nextInt(values.length)];
        }
    }

    static SimulatedHost node() {
        SimulatedHost sim = new SimulatedHost();
        // the gateways the bridging agent would add (a network may move between br100 and br102)
        sim.ip().addLink("br100", "bridge").addresses.addAll(List.of("10.0.0.1/24", "10.0.32.1/24"));
        sim.ip().addLink("br101", "bridge").addresses.add("10.0.16.1/24");
        sim.ip().addLink("br102", "bridge").addresses.addAll(List.of("10.0.0.1/24", "10.0.32.1/24"));
        return sim;
    }

    @Test
    void hostChangesAppliedOneByOneEndInTheFullRebuildsModelAndHostsFiles() throws IOException {
        for (long seed = 1; seed <= 8; seed++) {
            Changes changes = new Changes(seed);
            SimulatedHost sim = node();
            Path mine = folder.resolve("inc-" + seed);
            AddressingReconciler reconciler = new AddressingReconciler(sim.host(), mine, "a1", false);
            reconciler.sync(new TreeMap<>(changes.entries), true);
            for (int step = 1; step <= 150; step++) {
                Map<String, AddressingEntry> batch = changes.next(step % 7 == 0);
                SortedMap<String, AddressingEntry> now = new TreeMap<>(changes.entries);
                SyncReport report = reconciler.apply(batch, () -> now);
                DhcpModelBuilder.Built full = DhcpModelBuilder.build(now);
                String where = "seed " + seed + ", step " + step;
                assertThat(reconciler.kept().orElseThrow().model()).as(where).isEqualTo(full.model());
                assertThat(report.rejected()).as(where).isEqualTo(full.rejected());
                assertThat(report.counts()).as(where).isEqualTo(DhcpModelBuilder.counts(full.model(), full.rejected().size()));
                if (step % 25 == 0) {
                    Path fresh = folder.resolve("full-" + seed + "-" + step);
                    new AddressingReconciler(node().host(), fresh, "a1", false).sync(now, true);
                    assertThat(hostsFiles(mine)).as(where).isEqualTo(hostsFiles(fresh));
                    // and every dnsmasq serves the file it was given: a whole verify sync has nothing to do
                    assertThat(reconciler.sync(now, true).changed()).as(where).isFalse();
                }
            }
        }
    }

    @Test
    void oneHostChangedRewritesOnlyItsNetworksHostsFile() throws IOException {
        SimulatedHost sim = node();
        Path mine = folder.resolve("one");
        AddressingReconciler reconciler = new AddressingReconciler(sim.host(), mine, "a1", false);
        Changes changes = new Changes(7);
        reconciler.sync(new TreeMap<>(changes.entries), true);
        long before = Files.getLastModifiedTime(mine.resolve("br101/hosts")).toMillis();
        String otherBefore = Files.readString(mine.resolve("br101/hosts"));
        sim.clearCommands();

        SyncReport report = reconciler.apply(Map.of("host/a", dhcpHost("p1", "fa:16:3e:00:00:01", "web", "10.0.0.5")), () -> {
            throw new AssertionError("a host change must not ask for the whole state");
        });

        assertThat(report.changed()).isTrue();
        assertThat(Files.readString(mine.resolve("br100/hosts"))).isEqualTo("fa:16:3e:00:00:01,web,10.0.0.5\n");
        assertThat(Files.readString(mine.resolve("br101/hosts"))).isEqualTo(otherBefore);
        assertThat(Files.getLastModifiedTime(mine.resolve("br101/hosts")).toMillis()).isEqualTo(before);
        // one SIGHUP, to br100's dnsmasq only
        assertThat(sim.commands().stream().map(c -> String.join(" ", c.argv())).filter(c -> c.startsWith("kill"))).hasSize(1);
    }

    private static Map<String, String> hostsFiles(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals("hosts")).toList()) {
                out.put(root.relativize(file).toString(), Files.readString(file));
            }
        }
        return out;
    }
}
