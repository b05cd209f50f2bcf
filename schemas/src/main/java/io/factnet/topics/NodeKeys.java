package io.factnet.topics;

/**
 * Keys of the node desired-state topics: {@code <node-id>/<resource>}. The partition depends on the
 * node id only, so that one node reads one partition from the beginning to rebuild its state.
 */
public final class NodeKeys {
    private NodeKeys() {
    }

    /**
     * Header on every node desired-state record, tombstones too: the request that wrote it (a tombstone
     * has no value to carry the request id, and --wait-applied must find the record of its request).
     */
    public static final String REQUEST_ID_HEADER = "factnet.request-id";

    public static String key(String nodeId, String resource) {
        return nodeId + "/" + resource;
    }

    public static String nodeIdOf(String key) {
        int slash = key.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("not a node key (node-id/resource): " + key);
        }
        return key.substring(0, slash);
    }

    public static String resourceOf(String key) {
        return key.substring(key.indexOf('/') + 1);
    }

    /** The partition of every key of this node: murmur2 of the node id, as Kafka's default partitioner would place it. */
    public static int partition(String nodeId, int partitions) {
        return RequestRoutes.partitionOf(nodeId, partitions);
    }
}
