package io.factnet.node.runtime;

import java.util.List;
import java.util.Map;

/**
 * What one sync did.
 *
 * @param changed  true when something on the node was created, changed or removed
 * @param counts   what the node holds now, by kind (for the ack and the logs)
 * @param rejected entries left out because a value in them is invalid or conflicts; the rest is applied
 */
public record SyncReport(boolean changed, Map<String, Long> counts, List<Rejection> rejected,
                         long renderMillis, long applyMillis) {

    public SyncReport {
        counts = Map.copyOf(counts);
        rejected = List.copyOf(rejected);
    }

    /** An entry of the desired state that was not applied, and why. */
    public record Rejection(String resource, String reason) {
        @Override
        public String toString() {
            return io.factnet.node.net.Printable.quote(resource) + ": " + reason;
        }
    }
}
