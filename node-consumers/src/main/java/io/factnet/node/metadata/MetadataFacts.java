package io.factnet.node.metadata;

import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.InstanceMetadata;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the metadata server knows, from three state topics, all keyed by address: fixed IPs (key: the fixed address),
 * floating IPs (key: the floating address; {@code fixedAddress} when associated) and instances' metadata (key: the fixed
 * address). Latest value per key, null deletes, as the compacted topics say. Thread-safe: the feed writes, HTTP threads read.
 * <p>
 * Fail closed (ADR 0022, ADR 0033): an address whose latest record could not be read is <em>unreadable</em> until a
 * readable record of its key comes; the server answers it 503, never with what it knew before (a release it could not
 * read must not leave the old instance's keys to the address's next holder).
 */
public final class MetadataFacts {
    private final Map<String, FixedIp> fixedIps = new HashMap<>();
    private final Map<String, InstanceMetadata> metadata = new HashMap<>();
    private final Map<String, FloatingIp> floatingIps = new HashMap<>();
    /** fixed address -> the floating addresses associated with it (usually one). */
    private final Map<String, Set<String>> floatingByFixed = new HashMap<>();
    private final Set<String> unreadable = new HashSet<>();

    /** An instance as the server answers it: its fixed IP, its first floating address if any, its metadata if any. */
    public record Instance(FixedIp fixed, Optional<String> floating, Optional<InstanceMetadata> metadata) {
    }

    /** What the server finds at an address. */
    public sealed interface Lookup {
        record Found(Instance instance) implements Lookup {
        }

        record Unknown() implements Lookup {
        }

        record Unreadable() implements Lookup {
        }
    }

    public synchronized void fixedIp(String address, FixedIp value) {
        unreadable.remove(Kind.FIXED_IP + "/" + address);
        if (value == null) {
            fixedIps.remove(address);
        } else {
            fixedIps.put(address, value);
        }
    }

    public synchronized void metadata(String address, InstanceMetadata value) {
        unreadable.remove(Kind.METADATA + "/" + address);
        if (value == null) {
            metadata.remove(address);
        } else {
            metadata.put(address, value);
        }
    }

    public synchronized void floatingIp(String floating, FloatingIp value) {
        FloatingIp before = floatingIps.remove(floating);
        if (before != null && before.getFixedAddress() != null) {
            Set<String> set = floatingByFixed.get(before.getFixedAddress());
            if (set != null) {
                set.remove(floating);
                if (set.isEmpty()) {
                    floatingByFixed.remove(before.getFixedAddress());
                }
            }
        }
        if (value != null) {
            floatingIps.put(floating, value);
            if (value.getFixedAddress() != null) {
                floatingByFixed.computeIfAbsent(value.getFixedAddress(), k -> new java.util.TreeSet<>()).add(floating);
            }
        }
    }

    /**
     * A record of fixed IPs or metadata (key: the fixed address) could not be read: the address is unreadable until a
     * readable record of its key comes. An unreadable floating IP is dropped: the instance is served without it (a public
     * address is no secret, and not answering it is all that can go wrong).
     */
    public synchronized void unreadable(Kind kind, String key) {
        switch (kind) {
            case FIXED_IP, METADATA -> unreadable.add(kind + "/" + key);
            case FLOATING_IP -> floatingIp(key, null);
        }
    }

    public enum Kind { FIXED_IP, METADATA, FLOATING_IP }

    /** The instance whose fixed address this is, looked up by that address only. */
    public synchronized Lookup at(String address) {
        if (unreadable.contains(Kind.FIXED_IP + "/" + address) || unreadable.contains(Kind.METADATA + "/" + address)) {
            return new Lookup.Unreadable();
        }
        FixedIp fixed = fixedIps.get(address);
        if (fixed == null) {
            return new Lookup.Unknown();
        }
        InstanceMetadata md = metadata.get(address);
        // Served only while it is the metadata of the instance that holds the address now.
        Optional<InstanceMetadata> mine = Optional.ofNullable(md).filter(m -> m.getProject().equals(fixed.getProject())
                && m.getInstance().equals(fixed.getInstance()));
        Optional<String> floating = Optional.ofNullable(floatingByFixed.get(address)).flatMap(s -> s.stream().findFirst());
        return new Lookup.Found(new Instance(fixed, floating, mine));
    }

    public synchronized int size() {
        return fixedIps.size();
    }
}
