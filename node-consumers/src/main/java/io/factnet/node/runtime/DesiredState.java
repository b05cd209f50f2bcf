package io.factnet.node.runtime;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The node's desired state of one role: the latest entry per resource, as the compacted topic holds it.
 * It also remembers which resources changed since the last {@link #drainChanges()}, so that an agent
 * can hand its reconciler only what changed (ADR 0026).
 */
public final class DesiredState<V> {
    private final TreeMap<String, V> entries = new TreeMap<>();
    private final Set<String> changed = new HashSet<>();

    /** Sets (or with null removes) an entry; true when that changed the state. */
    public boolean put(String resource, V entry) {
        V before = entry == null ? entries.remove(resource) : entries.put(resource, entry);
        boolean differs = !Objects.equals(before, entry);
        if (differs) {
            changed.add(resource);
        }
        return differs;
    }

    public int size() {
        return entries.size();
    }

    /** A copy the reconciler may keep: later records do not change it. */
    public SortedMap<String, V> snapshot() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    }

    /**
     * The resources changed since the last call, each with its entry now (null: deleted), and forgets
     * them. A resource changed and changed back is still listed (with its entry, equal to the old one).
     */
    public Map<String, V> drainChanges() {
        Map<String, V> out = new HashMap<>(changed.size() * 2);
        changed.forEach(resource -> out.put(resource, entries.get(resource)));
        changed.clear();
        return out;
    }

    /** How many resources changed since the last {@link #drainChanges()}. */
    public int pendingChanges() {
        return changed.size();
    }
}
