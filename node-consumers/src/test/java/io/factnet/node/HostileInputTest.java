package io.factnet.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.node.addressing.AddressingReconciler;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.bridging.BridgingReconciler;
import io.factnet.node.exec.Command;
import io.factnet.net.InterfaceName;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.routing.RoutingReconciler;
import io.factnet.node.routing.RoutingReconcilerTest;
import io.factnet.node.runtime.RoleReconciler;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.sim.SimulatedHost;
import io.factnet.node.tunneling.TunnelingConfig;
import io.factnet.node.tunneling.TunnelingReconciler;
import io.factnet.node.tunneling.WireGuardKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every string field of every desired-state entry, one at a time, replaced by a hostile string: the
 * sync must go on (rejecting what it cannot use), and nothing of the hostile text may reach a file
 * or a command argument. Each hostile string carries the marker EVIL, which no valid value can
 * (interface names are case-checked elsewhere, host names are folded to lower case).
 */
class HostileInputTest {
    static final String MARKER = "EVIL";
    static final List<String> HOSTILE = List.of(
            "10.0.0.5\nflush ruleset EVIL",
            "EVIL\"; drop",
            "'; rm -rf / #EVIL",
            "br100;EVIL",
            "a".repeat(5000) + "EVIL",
            "\u00e9vil-\u00fcn\u00efc\u00f8d\u00e9-EVIL\u202e",
            "EVIL\u0000",
            "../../etc/EVIL",
            "$(EVIL)",
            "`EVIL`",
            "-EVIL",
            "EVIL}\ntable ip factnet {",
            "10.0.0.1/20 EVIL");

    @TempDir
    Path dir;

    @Test
    void routing() throws Exception {
        feed("routing", RoutingReconcilerTest.sample(), (sim, folder) -> {
            sim.ip().addLink("pub0", "veth");
            return new RoutingReconciler(sim.host(), folder, RoutingReconcilerTest.CONFIG);
        });
        feed("iptables", RoutingReconcilerTest.sample(), (sim, folder) -> {
            sim.ip().addLink("pub0", "veth");
            return new RoutingReconciler(sim.host(), folder, RoutingReconcilerTest.CONFIG.withFirewall(RoutingConfig.Firewall.IPTABLES));
        });
    }

    @Test
    void addressing() throws Exception {
        SortedMap<String, io.factnet.model.AddressingEntry> desired = new TreeMap<>();
        desired.put("net", Entries.dhcpNetwork("p1", "br100", "10.0.0.0/20", "10.0.0.1", List.of("8.8.8.8"), "novalocal", 3600));
        desired.put("vm1", Entries.dhcpHost("p1", "fa:16:3e:00:00:05", "vm1", "10.0.1.5"));
        feed("addressing", desired, (sim, folder) -> {
            sim.ip().addLink("br100", "bridge").addresses.add("10.0.0.1/20");
            return new AddressingReconciler(sim.host(), folder, "n1", false);
        });
    }

    @Test
    void bridging() throws Exception {
        SortedMap<String, io.factnet.model.BridgingEntry> desired = new TreeMap<>();
        desired.put("br", Entries.bridge("p1", "br100", 100, "10.0.0.1/20"));
        feed("bridging", desired, (sim, folder) -> {
            sim.ip().addLink("eth1", "veth");
            return new BridgingReconciler(sim.host(), folder,
                    new BridgingConfig(BridgingConfig.VlanMode.TAGGED, Map.of("physnet1", InterfaceName.of("eth1"))));
        });
    }

    @Test
    void tunneling() throws Exception {
        SortedMap<String, io.factnet.model.TunnelingEntry> desired = new TreeMap<>();
        desired.put("vpn", Entries.tunnel("p1", "vpn100", 51820, "172.16.100.1/24", "10.0.0.0/20",
                Entries.peer(WireGuardKeys.publicOf(WireGuardKeys.generatePrivate()).base64(), "172.16.100.2/32")));
        // No prefix: "-EVIL" must then be refused as an interface name (it would read as an option).
        feed("tunneling", desired, (sim, folder) ->
                new TunnelingReconciler(sim.host(), folder, new TunnelingConfig("", TunnelingConfig.Implementation.AUTO)));
    }

    private <V extends SpecificRecord> void feed(String role, SortedMap<String, V> sample,
                                                 BiFunction<SimulatedHost, Path, RoleReconciler<V>> reconciler) throws Exception {
        int runs = 0;
        for (String hostile : HOSTILE) {
            for (Map.Entry<String, V> entry : sample.entrySet()) {
                for (V mutant : mutants(entry.getValue(), hostile)) {
                    SortedMap<String, V> desired = new TreeMap<>(sample);
                    desired.put(entry.getKey(), mutant);
                    Path folder = dir.resolve(role + "-" + runs++);
                    SimulatedHost sim = new SimulatedHost();
                    SyncReport report = reconciler.apply(sim, folder).sync(desired, true);
                    String what = role + ": " + entry.getKey() + " with " + io.factnet.net.Printable.quote(hostile);
                    for (Command command : sim.commands()) {
                        assertThat(command.argv()).as(what).noneMatch(arg -> arg.contains(MARKER));
                    }
                    for (Path file : files(folder)) {
                        assertThat(Files.readString(file, StandardCharsets.UTF_8)).as(what + " in " + file).doesNotContain(MARKER);
                    }
                    assertThat(report.rejected()).as(what).allSatisfy(r ->
                            assertThat(r.reason()).doesNotContainPattern("[\\x00-\\x1f\\u202e]"));
                }
            }
        }
        assertThat(runs).as("mutants fed to " + role).isGreaterThan(HOSTILE.size());
    }

    /** Copies of {@code record}, each with one of its strings (nested records and lists too) replaced by {@code hostile}. */
    @SuppressWarnings("unchecked")
    static <R> List<R> mutants(R record, String hostile) {
        List<R> out = new ArrayList<>();
        SpecificRecord specific = (SpecificRecord) record;
        Schema schema = specific.getSchema();
        for (Schema.Field field : schema.getFields()) {
            Object value = specific.get(field.pos());
            List<Object> replacements = new ArrayList<>();
            if (value instanceof CharSequence) {
                replacements.add(hostile);
            } else if (value instanceof SpecificRecord nested) {
                replacements.addAll(mutants(nested, hostile));
            } else if (value instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) {
                    Object element = list.get(i);
                    List<Object> elementMutants = element instanceof CharSequence ? List.of(hostile)
                            : element instanceof SpecificRecord r ? List.copyOf(mutants(r, hostile)) : List.of();
                    for (Object m : elementMutants) {
                        List<Object> copy = new ArrayList<>(list);
                        copy.set(i, m);
                        replacements.add(copy);
                    }
                }
            }
            for (Object replacement : replacements) {
                SpecificRecord copy = (SpecificRecord) SpecificData.get().deepCopy(schema, specific);
                copy.put(field.pos(), replacement);
                out.add((R) copy);
            }
        }
        return out;
    }

    private static List<Path> files(Path folder) throws Exception {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }
}
