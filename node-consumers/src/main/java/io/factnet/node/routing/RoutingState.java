package io.factnet.node.routing;

import io.factnet.model.FloatingNat;
import io.factnet.model.RoutingEntry;
import io.factnet.model.VpnForward;
import io.factnet.net.Ipv4Address;
import io.factnet.node.runtime.SyncReport.Rejection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The routing node's validated model, kept between syncs and changed entry by entry (ADR 0026).
 * Associations and VPN ports change one by one: a change of them updates the model in O(log n) and
 * says which map elements changed. A change of the structure (a network block or a group filter)
 * rebuilds the whole model from the kept entries, with {@link RoutingModelBuilder}'s rules.
 * <p>
 * The result is always the one {@link RoutingModelBuilder#build} gives for the same entries (its model
 * and its rejections, in its order): the tests compare them after random sequences of changes. The
 * rules that make that work: of the valid associations of one floating address the one whose resource
 * name sorts first wins, the others are "associated twice"; of the winners with one fixed address the
 * first by resource name does the SNAT; the same first-wins rule for public ports.
 */
final class RoutingState {
    private final RoutingConfig config;
    private final TreeMap<String, RoutingEntry> entries = new TreeMap<>();

    /** Blocks and groups as built from the structural entries, and the checks of the others against them. */
    private RoutingModelBuilder checker;
    private RoutingModel structure;
    /** Rejections of the block pass (first in the builder's list), and of groups by resource (second pass). */
    private List<Rejection> blockRejections = List.of();
    private final TreeMap<String, List<Rejection>> groupRejections = new TreeMap<>();

    private record Candidate(Ipv4Address floating, Ipv4Address fixed) {
    }

    private final Map<String, Candidate> candidates = new HashMap<>();
    private final FirstWins<Ipv4Address> byFloating = new FirstWins<>();
    /** Per fixed address, the winners (of their floating address) pointing to it: the first does the SNAT. */
    private final FirstWins<Ipv4Address> winnersByFixed = new FirstWins<>();
    private final TreeMap<Ipv4Address, RoutingModel.FloatingMapping> mappings = new TreeMap<>();

    private final Map<String, RoutingModel.PortForward> forwardCandidates = new HashMap<>();
    private final FirstWins<Integer> byPort = new FirstWins<>();
    private final TreeMap<Integer, RoutingModel.PortForward> forwards = new TreeMap<>();

    /** Associations and forwards rejected, by resource (at most one reason each). */
    private final TreeMap<String, Rejection> entryRejections = new TreeMap<>();

    private RoutingState(RoutingConfig config) {
        this.config = config;
    }

    /** The whole build: what {@link RoutingModelBuilder#build} gives, kept to be changed later. */
    static RoutingState of(SortedMap<String, RoutingEntry> desired, RoutingConfig config) {
        RoutingState state = new RoutingState(config);
        state.entries.putAll(desired);
        state.rebuild();
        return state;
    }

    /**
     * What one {@link #apply} changed: a structure change (then everything may have), or the map elements it
     * touched, each with its value now (null: gone), by nft map name, and the floating addresses touched
     * with their fixed address now (null: gone).
     */
    record Update(boolean structural, Map<String, Map<Comparable<?>, Object>> elements,
                  Map<Ipv4Address, Ipv4Address> floating) {
        boolean empty() {
            return !structural && elements.values().stream().allMatch(Map::isEmpty);
        }
    }

    /** Applies changed entries (resource -> entry now, null: deleted). */
    Update apply(Map<String, RoutingEntry> changes) {
        boolean structural = false;
        for (Map.Entry<String, RoutingEntry> change : changes.entrySet()) {
            RoutingEntry before = entries.get(change.getKey());
            if ((before != null && RoutingModelBuilder.structural(before.getEntry()))
                    || (change.getValue() != null && RoutingModelBuilder.structural(change.getValue().getEntry()))) {
                structural = true;
            }
        }
        if (structural) {
            changes.forEach((resource, entry) -> {
                if (entry == null) {
                    entries.remove(resource);
                } else {
                    entries.put(resource, entry);
                }
            });
            rebuild();
            return new Update(true, Map.of(), Map.of());
        }
        Touched touched = new Touched();
        changes.forEach((resource, entry) -> {
            withdraw(resource, touched);
            if (entry == null) {
                entries.remove(resource);
            } else {
                entries.put(resource, entry);
                contribute(resource, entry, touched);
            }
        });
        return settle(touched);
    }

    private static final class Touched {
        final Set<Ipv4Address> floating = new HashSet<>();
        final Set<Ipv4Address> fixed = new HashSet<>();
        final Set<Integer> ports = new HashSet<>();
    }

    private void rebuild() {
        SortedMap<String, RoutingEntry> structural = new TreeMap<>();
        entries.forEach((resource, entry) -> {
            if (RoutingModelBuilder.structural(entry.getEntry())) {
                structural.put(resource, entry);
            }
        });
        List<RoutingModelBuilder.Built> built = new ArrayList<>(1);
        checker = RoutingModelBuilder.structureOf(structural, config, built);
        structure = built.get(0).model();
        List<Rejection> blocks = new ArrayList<>();
        groupRejections.clear();
        for (Rejection rejection : built.get(0).rejected()) {
            RoutingEntry entry = entries.get(rejection.entry());
            if (entry != null && entry.getEntry() instanceof io.factnet.model.GroupFilter) {
                groupRejections.computeIfAbsent(rejection.entry(), k -> new ArrayList<>()).add(rejection);
            } else {
                blocks.add(rejection);
            }
        }
        blockRejections = List.copyOf(blocks);
        candidates.clear();
        byFloating.clear();
        winnersByFixed.clear();
        mappings.clear();
        forwardCandidates.clear();
        byPort.clear();
        forwards.clear();
        entryRejections.clear();
        // Everything is new: no record of what was touched, no update to report (100k associations at start).
        entries.forEach((resource, entry) -> contribute(resource, entry, null));
        byFloating.keys().forEach(address -> settleFloating(address));
        byPort.keys().forEach(port -> settlePort(port));
    }

    /** Takes a resource's association or forward out (its entry is about to change or go). */
    private void withdraw(String resource, Touched touched) {
        entryRejections.remove(resource);
        Candidate candidate = candidates.remove(resource);
        if (candidate != null) {
            touched.floating.add(candidate.floating());
            String winner = byFloating.first(candidate.floating());
            byFloating.remove(candidate.floating(), resource);
            if (resource.equals(winner)) {
                winnersByFixed.remove(candidate.fixed(), resource);
                touched.fixed.add(candidate.fixed());
                String next = byFloating.first(candidate.floating());
                if (next != null) {
                    Ipv4Address fixed = candidates.get(next).fixed();
                    winnersByFixed.add(fixed, next);
                    touched.fixed.add(fixed);
                }
            }
        }
        RoutingModel.PortForward forward = forwardCandidates.remove(resource);
        if (forward != null) {
            byPort.remove(forward.publicPort(), resource);
            touched.ports.add(forward.publicPort());
        }
    }

    private void contribute(String resource, RoutingEntry entry, Touched touched) {
        Object value = entry.getEntry();
        try {
            if (value instanceof FloatingNat nat) {
                RoutingModel.FloatingMapping checked = checker.floatingCandidate(entry.getProject(), nat);
                Candidate candidate = new Candidate(checked.floating(), checked.fixed());
                candidates.put(resource, candidate);
                String winner = byFloating.first(candidate.floating());
                byFloating.add(candidate.floating(), resource);
                if (touched != null) {
                    touched.floating.add(candidate.floating());
                }
                if (resource.equals(byFloating.first(candidate.floating()))) {
                    if (winner != null) {
                        Ipv4Address fixed = candidates.get(winner).fixed();
                        winnersByFixed.remove(fixed, winner);
                        if (touched != null) {
                            touched.fixed.add(fixed);
                        }
                    }
                    winnersByFixed.add(candidate.fixed(), resource);
                    if (touched != null) {
                        touched.fixed.add(candidate.fixed());
                    }
                }
            } else if (value instanceof VpnForward vpn) {
                RoutingModel.PortForward forward = RoutingModelBuilder.forwardCandidate(vpn);
                forwardCandidates.put(resource, forward);
                byPort.add(forward.publicPort(), resource);
                if (touched != null) {
                    touched.ports.add(forward.publicPort());
                }
            }
        } catch (IllegalArgumentException e) {
            entryRejections.put(resource, new Rejection(resource, e.getMessage()));
        }
    }

    /** Recomputes the mappings and forwards touched, and says which elements changed to what. */
    private Update settle(Touched touched) {
        for (Ipv4Address fixed : touched.fixed) {
            for (String winner : winnersByFixed.all(fixed)) {
                touched.floating.add(candidates.get(winner).floating());
            }
        }
        Map<Comparable<?>, Object> dnat = new HashMap<>();
        Map<Comparable<?>, Object> snat = new HashMap<>();
        Map<Comparable<?>, Object> vpn = new HashMap<>();
        Map<Ipv4Address, Ipv4Address> floating = new HashMap<>();
        for (Ipv4Address address : touched.floating) {
            RoutingModel.FloatingMapping before = mappings.get(address);
            RoutingModel.FloatingMapping after = settleFloating(address);
            dnat.put(address, after == null ? null : after.fixed());
            floating.put(address, after == null ? null : after.fixed());
            if (before != null && before.snat()) {
                snat.putIfAbsent(before.fixed(), null);
            }
            if (after != null && after.snat()) {
                snat.put(after.fixed(), address);
            }
        }
        for (Integer port : touched.ports) {
            RoutingModel.PortForward after = settlePort(port);
            vpn.put(port, after == null ? null : after.target() + " . " + after.targetPort());
        }
        return new Update(false, Map.of("floating_dnat", dnat, "floating_snat", snat, "vpn_forward", vpn), floating);
    }

    /** The mapping of one floating address from its candidates now (null: none), and its doubles rejected. */
    private RoutingModel.FloatingMapping settleFloating(Ipv4Address address) {
        String winner = byFloating.first(address);
        if (winner == null) {
            mappings.remove(address);
            return null;
        }
        Ipv4Address fixed = candidates.get(winner).fixed();
        RoutingModel.FloatingMapping after = new RoutingModel.FloatingMapping(address, fixed, winner.equals(winnersByFixed.first(fixed)));
        mappings.put(address, after);
        if (!entryRejections.isEmpty()) {
            entryRejections.remove(winner); // it may have been a double of the one before it
        }
        if (byFloating.several(address)) {
            for (String other : byFloating.all(address)) {
                if (!other.equals(winner)) {
                    entryRejections.put(other, new Rejection(other, RoutingModelBuilder.associatedTwice(address)));
                }
            }
        }
        return after;
    }

    /** The forward of one public port from its candidates now (null: none), and its doubles rejected. */
    private RoutingModel.PortForward settlePort(Integer port) {
        String winner = byPort.first(port);
        if (winner == null) {
            forwards.remove(port);
            return null;
        }
        RoutingModel.PortForward after = forwardCandidates.get(winner);
        forwards.put(port, after);
        entryRejections.remove(winner);
        for (String other : byPort.all(port)) {
            if (!other.equals(winner)) {
                entryRejections.put(other, new Rejection(other, RoutingModelBuilder.forwardedTwice(port)));
            }
        }
        return after;
    }

    /** The entries the model is made of. */
    SortedMap<String, RoutingEntry> entries() {
        return java.util.Collections.unmodifiableSortedMap(entries);
    }

    /** The whole model (a copy: O(n), for whole syncs and tests). */
    RoutingModel model() {
        return new RoutingModel(new ArrayList<>(mappings.values()), structure.blocks(), new ArrayList<>(forwards.values()),
                structure.groups());
    }

    /** The model's structure: blocks and groups, no associations or forwards. */
    RoutingModel structure() {
        return NftRenderer.structure(structure);
    }

    /** What {@link RoutingModelBuilder#build} rejects for the same entries, in its order. */
    List<Rejection> rejected() {
        List<Rejection> out = new ArrayList<>(blockRejections);
        TreeMap<String, List<Rejection>> second = new TreeMap<>(groupRejections);
        entryRejections.forEach((resource, rejection) -> second.put(resource, List.of(rejection)));
        second.values().forEach(out::addAll);
        return out;
    }

    Map<String, Long> counts() {
        Map<String, Long> counts = new HashMap<>();
        counts.put("floatingIps", (long) mappings.size());
        counts.put("networks", (long) structure.blocks().size());
        counts.put("vpnForwards", (long) forwards.size());
        counts.put("groups", (long) structure.groups().size());
        counts.put("rules", structure.groups().stream().mapToLong(g -> g.rules().size() + g.egress().map(List::size).orElse(0)).sum());
        counts.put("rejected", (long) (blockRejections.size() + entryRejections.size()
                + groupRejections.values().stream().mapToInt(List::size).sum()));
        return counts;
    }

    /**
     * Resources by key, the first by name wins. Most keys have one resource: kept as the string itself,
     * a sorted set only for the few that have more (100k floating addresses, 100k fixed ones).
     */
    static final class FirstWins<K> {
        private final Map<K, Object> byKey = new HashMap<>();

        void clear() {
            byKey.clear();
        }

        /** The keys, a copy (settling may change the map). */
        List<K> keys() {
            return new ArrayList<>(byKey.keySet());
        }

        boolean several(K key) {
            return byKey.get(key) instanceof TreeSet;
        }

        boolean isEmpty() {
            return byKey.isEmpty();
        }

        void add(K key, String resource) {
            Object held = byKey.get(key);
            if (held == null) {
                byKey.put(key, resource);
            } else if (held instanceof String one) {
                if (!one.equals(resource)) {
                    TreeSet<String> set = new TreeSet<>();
                    set.add(one);
                    set.add(resource);
                    byKey.put(key, set);
                }
            } else {
                castSet(held).add(resource);
            }
        }

        void remove(K key, String resource) {
            Object held = byKey.get(key);
            if (held instanceof String one) {
                if (one.equals(resource)) {
                    byKey.remove(key);
                }
            } else if (held != null) {
                TreeSet<String> set = castSet(held);
                set.remove(resource);
                if (set.size() == 1) {
                    byKey.put(key, set.first());
                }
            }
        }

        String first(K key) {
            Object held = byKey.get(key);
            return held == null ? null : held instanceof String one ? one : castSet(held).first();
        }

        Set<String> all(K key) {
            Object held = byKey.get(key);
            return held == null ? Set.of() : held instanceof String one ? Set.of(one) : castSet(held);
        }

        @SuppressWarnings("unchecked")
        private static TreeSet<String> castSet(Object held) {
            return (TreeSet<String>) held;
        }
    }
}
