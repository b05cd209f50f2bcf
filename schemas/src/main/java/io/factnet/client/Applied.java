package io.factnet.client;

import io.factnet.model.NodeRole;

/**
 * A node applied a request: the request's record at {@code offset} of its role topic's partition,
 * covered by an ack up to {@code appliedOffset}.
 *
 * @param publicKey the tunneling node's WireGuard public key from its ack (null for other roles)
 */
public record Applied(String nodeId, NodeRole role, String topic, int partition, long offset, long appliedOffset,
                      long applyMillis, String publicKey) {
}
