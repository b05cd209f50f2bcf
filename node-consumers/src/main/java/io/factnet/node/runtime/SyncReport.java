package io.factnet.node.runtime;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What one sync did.
 *
 * @param changed  true when something on the node was created, changed or removed
 * @param counts   what the node holds now, by kind (for the ack and the logs)
 * @param rejected entries left out because a value in them is invalid or conflicts; the rest is applied
 * @param failed   entries that could not be applied this time (a tool failed for them, something they need is
 *                 not there yet): retried; the rest is applied, so one network's failure holds back only its own
 */
public record SyncReport(boolean changed, Map<String, Long> counts, List<Rejection> rejected,
                         long renderMillis, long applyMillis, List<Rejection> failed) {

    public SyncReport {
        counts = Map.copyOf(counts);
        rejected = List.copyOf(rejected);
        failed = List.copyOf(failed);
    }

    /** A sync where every entry it did not reject was applied. */
    public SyncReport(boolean changed, Map<String, Long> counts, List<Rejection> rejected, long renderMillis,
                      long applyMillis) {
        this(changed, counts, rejected, renderMillis, applyMillis, List.of());
    }

    /** The resources whose current entry is not on the node (or not all of it): rejected, then failed. */
    public List<String> notApplied() {
        return Stream.concat(rejected.stream(), failed.stream()).map(Rejection::entry).distinct().toList();
    }

    /**
     * An entry of the desired state that was not applied, and why. {@code resource} names the entry, or a
     * part of it after a '#' ({@code vpn/p1#peer2}: one peer left out, the tunnel applied with the others).
     */
    public record Rejection(String resource, String reason) {
        /** The entry's resource name, without the part. */
        public String entry() {
            int part = resource.indexOf('#');
            return part < 0 ? resource : resource.substring(0, part);
        }

        @Override
        public String toString() {
            return io.factnet.net.Printable.quote(resource) + ": " + reason;
        }
    }
}
