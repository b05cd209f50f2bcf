package io.factnet.node.runtime;

import io.factnet.model.Request;

/** Where agents publish what happened on the node: registrations, leases, applied acks. */
public interface NodeEventSink {
    void publish(String key, Request event);
}
