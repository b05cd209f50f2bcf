package io.factnet.client;

import io.factnet.model.AppliedAck;
import java.util.Collection;
import java.util.List;

/** The one rule for what an AppliedAck at or past a request's offset says about that request (ADR 0022). */
public final class AppliedAcks {
    private AppliedAcks() {
    }

    /**
     * Whether the ack leaves unapplied a request that wrote {@code resources} (keys without the node id) on
     * the node: an ack that names what it did not apply holds back only those resources, whatever its error
     * says about the others; one that does not (an older agent, a sync that failed as a whole, an agent not
     * ready) holds back everything when it has an error.
     */
    public static boolean holdsBack(AppliedAck ack, Collection<String> resources) {
        List<String> notApplied = ack.getNotApplied();
        return notApplied == null ? ack.getError() != null : notApplied.stream().anyMatch(resources::contains);
    }
}
