package io.factnet.node.runtime;

import io.factnet.model.Request;

/**
 * Where agents publish what happened on the node (registrations, leases, applied acks), all on
 * factnet.node-events, keyed as {@link io.factnet.topics.RequestRoutes#keyOf} says: by project,
 * acks by {@code <node-id>/<role>}.
 */
public interface NodeEventSink {
    void publish(Request event);
}
