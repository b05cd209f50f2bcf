package io.factnet.node.routing;

import static io.factnet.node.Entries.floating;
import static io.factnet.node.Entries.forward;
import static io.factnet.node.Entries.egressAny;
import static io.factnet.node.Entries.egressTcp;
import static io.factnet.node.Entries.group;
import static io.factnet.node.Entries.withEgress;
import static io.factnet.node.Entries.icmp;
import static io.factnet.node.Entries.snat;
import static io.factnet.node.Entries.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.RoutingEntry;
import io.factnet.net.Ipv4Address;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.sim.SimulatedHost;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OVN's rule for incremental processing: whatever sequence of changes the routing node applies one by one,
 * it must end in the state a full recompute of the same entries gives. Random sequences (seeded: a failure
 * names its seed and step) with the conflicts that make the order matter: one floating address associated
 * twice, two floating addresses of one fixed address (which one does the SNAT), a public port forwarded twice,
 * invalid values, entries of another project, and now and then a change of the structure (a block, a group).
 */
class RoutingIncrementalTest {
    static final RoutingConfig CONFIG = RoutingReconcilerTest.CONFIG;

    @TempDir
    Path folder;

    /** Random changes to a routing node's entries, from small pools so that they collide. */
    static final class Changes {
        final Random random;
        final SortedMap<String, RoutingEntry> entries = new TreeMap<>();

        Changes(long seed) {
            random = new Random(seed);
            entries.put("snat/p1", snat("p1", "10.0.0.0/20"));
            entries.put("snat/p2", snat("p2", "10.0.16.0/20"));
            entries.put("group/p1/web", group("p1", "web", "10.0.1.0/24", tcp(22, 22, "0.0.0.0/0")));
        }

        /** One batch of 1 to 5 changes (resource -> entry, null: deleted), applied to {@link #entries} too. */
        Map<String, RoutingEntry> next(boolean structure) {
            Map<String, RoutingEntry> batch = new HashMap<>();
            int size = 1 + random.nextInt(5);
            for (int i = 0; i < size; i++) {
                String resource;
                RoutingEntry entry;
                int kind = random.nextInt(100);
                if (structure && kind < 4) {
                    resource = pick("snat/p3", "snat/p2", "snat/p4");
                    entry = random.nextInt(3) == 0 ? null : snat(resource.substring(5),
                            pick("10.0.32.0/20", "10.0.16.0/20", "10.0.0.0/16", "10.0.48.0/20"));
                } else if (structure && kind < 8) {
                    resource = pick("group/p1/db", "group/p2/web", "group/p1/web");
                    entry = random.nextInt(3) == 0 ? null : group(resource.split("/")[1], resource.split("/")[2],
                            pick("10.0.2.0/24", "10.0.17.0/24", "10.0.1.0/24"), icmp(8, null, "0.0.0.0/0"));
                    // egress: none (sends anywhere), none allowed, some, or a bad one (left out, the rest stays)
                    int egress = entry == null ? 0 : random.nextInt(4);
                    if (egress == 1) {
                        entry = withEgress(entry);
                    } else if (egress == 2) {
                        entry = withEgress(entry, egressTcp(80, 80, pick("192.0.2.10/32", "0.0.0.0/0")), egressAny("10.0.2.0/24"));
                    } else if (egress == 3) {
                        entry = withEgress(entry, egressTcp(443, 443, "198.51.100.0/24"), egressTcp(90, 80, "0.0.0.0/0"));
                    }
                } else if (kind < 20) {
                    resource = "vpn/" + random.nextInt(6);
                    entry = random.nextInt(4) == 0 ? null
                            : forward("p" + (1 + random.nextInt(2)), pick(51001, 51002, 51003, 70000), "10.0.0." + (1 + random.nextInt(3)), 51820);
                } else {
                    resource = "floating/" + random.nextInt(30);
                    if (random.nextInt(5) == 0) {
                        entry = null;
                    } else {
                        boolean p1 = random.nextBoolean();
                        String project = random.nextInt(20) == 0 ? (p1 ? "p2" : "p1") : p1 ? "p1" : "p2";
                        String fixed = p1 ? "10.0.1." + (1 + random.nextInt(6)) : "10.0.17." + (1 + random.nextInt(4));
                        String address = random.nextInt(15) == 0 ? pick("10.0.1.99", "198.51.100.1", "bad", "10.0.33.5")
                                : random.nextBoolean() ? "198.51.100." + (10 + random.nextInt(12)) : "203.0.113." + (1 + random.nextInt(8));
                        entry = floating(project, address, fixed);
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

    @Test
    void theKeptModelEqualsAFullRebuildAfterEveryRandomChange() {
        for (long seed = 1; seed <= 25; seed++) {
            Changes changes = new Changes(seed);
            RoutingState state = RoutingState.of(changes.entries, CONFIG);
            Map<String, Map<Comparable<?>, Object>> kernel = copy(NftRenderer.deltaMaps(state.model()));
            Map<Ipv4Address, Ipv4Address> routes = routes(state.model());
            for (int step = 0; step < 300; step++) {
                RoutingState.Update update = state.apply(changes.next(true));
                RoutingModelBuilder.Built full = RoutingModelBuilder.build(changes.entries, CONFIG);
                String where = "seed " + seed + ", step " + step;
                assertThat(state.model()).as(where).isEqualTo(full.model());
                assertThat(state.rejected()).as(where).isEqualTo(full.rejected());
                assertThat(state.counts()).as(where).isEqualTo(RoutingModelBuilder.counts(full.model(), full.rejected().size()));
                if (update.structural()) {
                    kernel = copy(NftRenderer.deltaMaps(full.model()));
                    routes = routes(full.model());
                } else {
                    // What the update says changed, applied to the elements of before, gives those of the full rebuild.
                    applyTo(kernel, update.elements());
                    for (Map.Entry<Ipv4Address, Ipv4Address> route : update.floating().entrySet()) {
                        put(routesAsObjects(routes), route.getKey(), route.getValue());
                    }
                    assertThat(NftRenderer.elements(kernel)).as(where).isEqualTo(NftRenderer.deltaElements(full.model()));
                    assertThat(routes).as(where).isEqualTo(routes(full.model()));
                }
            }
        }
    }

    @Test
    void incrementalAppliesLeaveTheKernelAFullSyncOfTheSameEntriesMakes() {
        for (long seed = 100; seed < 104; seed++) {
            Changes changes = new Changes(seed);
            SimulatedHost sim = node();
            RoutingReconciler reconciler = new RoutingReconciler(sim.host(), folder.resolve("inc-" + seed), CONFIG);
            reconciler.sync(new TreeMap<>(changes.entries), true);
            for (int step = 1; step <= 120; step++) {
                Map<String, RoutingEntry> batch = changes.next(step % 10 == 0);
                SortedMap<String, RoutingEntry> now = new TreeMap<>(changes.entries);
                SyncReport report = reconciler.apply(batch, () -> now);
                RoutingModelBuilder.Built full = RoutingModelBuilder.build(now, CONFIG);
                String where = "seed " + seed + ", step " + step;
                assertThat(report.rejected()).as(where).isEqualTo(full.rejected());
                if (step % 15 == 0 || step == 120) {
                    SimulatedHost fresh = node();
                    Path freshFolder = folder.resolve("full-" + seed + "-" + step);
                    new RoutingReconciler(fresh.host(), freshFolder, CONFIG).sync(now, true);
                    assertThat(sim.snapshot(folder.resolve("inc-" + seed).toString()))
                            .as(where).isEqualTo(fresh.snapshot(freshFolder.toString()));
                    // and a whole verify sync of the incremental node finds nothing to repair
                    SimulatedHost before = sim;
                    assertThat(reconciler.sync(now, true).changed()).as(where + ": resync after increments").isFalse();
                    assertThat(before.snapshot(folder.resolve("inc-" + seed).toString()))
                            .isEqualTo(fresh.snapshot(freshFolder.toString()));
                }
            }
        }
    }

    @Test
    void aChangeOfOneAssociationAmongManyIsOneElementDeltaAndOneRoute() throws Exception {
        SimulatedHost sim = node();
        RoutingReconciler reconciler = new RoutingReconciler(sim.host(), folder.resolve("one"), CONFIG);
        SortedMap<String, RoutingEntry> desired = new TreeMap<>();
        desired.put("snat/p1", snat("p1", "10.0.0.0/16"));
        Ipv4Address base = Ipv4Address.parse("100.64.0.0");
        Ipv4Address fixed = Ipv4Address.parse("10.0.0.0");
        for (int i = 1; i <= 2_000; i++) {
            desired.put("floating/" + i, floating("p1", base.plus(i).toString(), fixed.plus(i).toString()));
        }
        reconciler.sync(desired, true);
        // the first change after a whole sync makes the kept model from the whole state (and changes nothing here)
        assertThat(reconciler.apply(Map.of(), () -> desired).changed()).isFalse();
        sim.clearCommands();

        RoutingEntry moved = floating("p1", base.plus(7).toString(), "10.0.200.7");
        SortedMap<String, RoutingEntry> now = new TreeMap<>(desired);
        now.put("floating/7", moved);
        SyncReport report = reconciler.apply(Map.of("floating/7", moved), () -> {
            throw new AssertionError("an incremental apply must not ask for the whole state");
        });

        assertThat(report.changed()).isTrue();
        assertThat(report.counts()).containsEntry("floatingIps", 2_000L);
        String delta = java.nio.file.Files.readString(folder.resolve("one/factnet-delta.nft"));
        assertThat(delta).contains("delete element ip factnet floating_dnat { 100.64.0.7 }")
                .contains("add element ip factnet floating_dnat { 100.64.0.7 : 10.0.200.7 }")
                .contains("delete element ip factnet floating_snat { 10.0.0.7 }")
                .contains("add element ip factnet floating_snat { 10.0.200.7 : 100.64.0.7 }");
        assertThat(delta.lines().filter(l -> l.contains("element"))).hasSize(4);
        // the route stays (the floating address is still ours); the old fixed address's connections are flushed
        assertThat(sim.commands().stream().map(c -> String.join(" ", c.argv())))
                .noneMatch(c -> c.startsWith("ip -batch"))
                .contains("conntrack -D --orig-dst 100.64.0.7");
        SimulatedHost fresh = node();
        new RoutingReconciler(fresh.host(), folder.resolve("one-full"), CONFIG).sync(now, true);
        assertThat(sim.snapshot(folder.resolve("one").toString())).isEqualTo(fresh.snapshot(folder.resolve("one-full").toString()));
    }

    @Test
    void aRestartedReconcilerKnowsTheAssociationsTheIncrementsRecorded() {
        SimulatedHost sim = node();
        Path state = folder.resolve("restart");
        RoutingReconciler first = new RoutingReconciler(sim.host(), state, CONFIG);
        SortedMap<String, RoutingEntry> desired = new TreeMap<>(Map.of("snat/p1", snat("p1", "10.0.0.0/20"),
                "floating/a", floating("p1", "198.51.100.10", "10.0.1.5"),
                "floating/b", floating("p1", "198.51.100.11", "10.0.1.6")));
        first.sync(desired, true);
        SortedMap<String, RoutingEntry> now = new TreeMap<>(desired);
        now.remove("floating/a");
        first.apply(java.util.Collections.singletonMap("floating/a", null), () -> now); // the whole state after the change
        now.put("floating/c", floating("p1", "198.51.100.12", "10.0.1.7"));
        first.apply(Map.of("floating/c", now.get("floating/c")), () -> now);

        // A new agent on the same node: floating/b ends, and its connections must go although this one never saw it.
        desired.remove("floating/a");
        desired.remove("floating/b");
        desired.put("floating/c", floating("p1", "198.51.100.12", "10.0.1.7"));
        sim.clearCommands();
        new RoutingReconciler(sim.host(), state, CONFIG).sync(desired, true);
        List<String> commands = sim.commands().stream().map(c -> String.join(" ", c.argv())).toList();
        assertThat(commands).contains("conntrack -D --orig-dst 198.51.100.11").doesNotContain("conntrack -D --orig-dst 198.51.100.10")
                .doesNotContain("conntrack -D --orig-dst 198.51.100.12");
    }

    private static SimulatedHost node() {
        SimulatedHost sim = new SimulatedHost();
        sim.ip().addLink("pub0", "veth").addresses.add("198.51.100.1/24");
        return sim;
    }

    private static Map<String, Map<Comparable<?>, Object>> copy(Map<String, Map<Comparable<?>, Object>> maps) {
        Map<String, Map<Comparable<?>, Object>> out = new HashMap<>();
        maps.forEach((k, v) -> out.put(k, new HashMap<>(v)));
        return out;
    }

    private static void applyTo(Map<String, Map<Comparable<?>, Object>> kernel, Map<String, Map<Comparable<?>, Object>> touched) {
        touched.forEach((map, elements) -> elements.forEach((key, value) -> put(kernel.get(map), key, value)));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<Object, Object> routesAsObjects(Map<Ipv4Address, Ipv4Address> routes) {
        return (Map) routes;
    }

    private static <K> void put(Map<K, Object> map, K key, Object value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    private static Map<Ipv4Address, Ipv4Address> routes(RoutingModel model) {
        Map<Ipv4Address, Ipv4Address> routes = new HashMap<>();
        model.floating().forEach(f -> routes.put(f.floating(), f.fixed()));
        return routes;
    }
}
