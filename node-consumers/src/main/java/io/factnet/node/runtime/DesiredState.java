package io.factnet.node.runtime;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/** The node's desired state of one role: the latest entry per resource, as the compacted topic holds it. */
public final class DesiredState<V> {
    private final TreeMap<String, V> entries = new TreeMap<>();

    /** Sets (or with null removes) an entry; true when that changed the state. */
    public boolean put(String resource, V entry) {
        V before = entry == null ? entries.remove(resource) : entries.put(resource, entry);
        return !Objects.equals(before, entry);
    }

    public int size() {
        return entries.size();
    }

    /** A copy the reconciler may keep: later records do not change it. */
    public SortedMap<String, V> snapshot() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    }
}
