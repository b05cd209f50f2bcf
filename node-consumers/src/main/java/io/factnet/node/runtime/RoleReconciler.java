package io.factnet.node.runtime;

import io.factnet.model.NodeRole;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;

/**
 * Realizes one role's desired state on the node, kube-proxy style: render the whole state, compare,
 * apply atomically, touch only what is ours. Called from the agent's one thread.
 */
public interface RoleReconciler<V extends SpecificRecord> {

    NodeRole role();

    /** Checks the node can do this role at all (tools, kernel features); throws with one clear message. */
    default void preflight() {
    }

    /**
     * Brings the node to exactly {@code desired} (resource name -> entry). With {@code verify} it
     * also reads the node's actual state and repairs drift; without, it trusts its memory of the
     * last successful apply and applies only when the desired state differs from it.
     * A failure leaves the last good state in place and throws.
     */
    SyncReport sync(SortedMap<String, V> desired, boolean verify) throws Exception;

    /**
     * Applies the entries that changed since the last sync or apply (resource -> entry now, null: deleted)
     * to the model this reconciler kept from it, and changes on the node only what they change (ADR 0026).
     * Called only after a sync or apply that succeeded in full; the result must be exactly what
     * {@link #sync sync(desired, false)} of the whole state would do. A reconciler without a kept model
     * does a whole sync of {@code desired} (made only when asked for: it is a copy of the whole state).
     * A failure throws, as {@link #sync} does; the agent's next sync is then a whole one.
     */
    default SyncReport apply(Map<String, V> changes, Supplier<SortedMap<String, V>> desired) throws Exception {
        return sync(desired.get(), false);
    }

    /** Tunneling: the node's WireGuard public key, for the ack. */
    default Optional<String> publicKey() {
        return Optional.empty();
    }

    /** Called on every turn of the agent's loop: events the role observed on the node (leases). */
    default void pollEvents(NodeEventSink sink) {
    }
}
