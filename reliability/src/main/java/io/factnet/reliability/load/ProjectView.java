package io.factnet.reliability.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What the load generator believes one project has: optimistic (a request is assumed to succeed when
 * it is sent) and corrected by results when the caller feeds them back. Insertion-ordered collections
 * only, so that picking "a random one" depends on the seed and nothing else.
 */
final class ProjectView {
    final String name;
    boolean network;
    boolean vpn;
    /** group name -> rule ids learned from results */
    final Map<String, List<String>> groups = new LinkedHashMap<>();
    /** instance -> its group */
    final Map<String, String> instances = new LinkedHashMap<>();
    /** instance -> {address, mac}, learned from results: what lease events need */
    final Map<String, String[]> fixedAddresses = new LinkedHashMap<>();
    /** floating addresses learned from results, in allocation order */
    final LinkedHashSet<String> floating = new LinkedHashSet<>();
    /** floating address -> instance it was associated with */
    final Map<String, String> associations = new LinkedHashMap<>();
    final LinkedHashSet<String> peers = new LinkedHashSet<>();
    /** Reserved address -> its group (ReserveFixedAddress sent). */
    final Map<String, String> reserved = new LinkedHashMap<>();
    /** The network's bridging node, learned from results (it reports the project's instances gone). */
    String bridgingNode;
    int nextInstance;
    int nextGroup;
    int nextRule;

    ProjectView(String name) {
        this.name = name;
    }

    void networkCreated() {
        network = true;
        groups.putIfAbsent("default", new ArrayList<>());
    }

    void networkDeleted() {
        network = false;
        vpn = false;
        groups.clear();
        instances.clear();
        fixedAddresses.clear();
        associations.clear();
        peers.clear();
        reserved.clear();
    }

    void instanceGone(String instance) {
        instances.remove(instance);
        fixedAddresses.remove(instance);
        associations.values().removeIf(instance::equals);
    }

    static <T> T pick(SplittableRandom random, java.util.Collection<T> from) {
        int index = random.nextInt(from.size());
        for (T item : from) {
            if (index-- == 0) {
                return item;
            }
        }
        throw new IllegalStateException("empty");
    }
}
