package io.factnet.controller.stage;

import io.factnet.topics.RequestRoutes;

/**
 * The partition counts of the two stages' inputs, read when the controller starts. A stage keeps each key's
 * state (a project, a pool) in the task of the partition Kafka's default partitioner gives the key; a record
 * of that key in another partition would start a second, separate state for it in another task (a project's
 * pool grant then finds no waiting request there, a pool gives an address twice). So a keyed input must be in
 * its key's partition, and the stages refuse one that is not. librdkafka's default partitioner
 * ({@code consistent_random}, CRC32) places keys elsewhere: such clients must set {@code murmur2_random}.
 *
 * @param projectStage partitions of factnet.requests, admin-requests, node-events and internal.grants (co-partitioned)
 * @param poolStage    partitions of factnet.internal.claims
 */
public record KeyPartitions(int projectStage, int poolStage) {
    /** A topology test driver's world: every input topic has one partition, so every key is where it belongs. */
    public static final KeyPartitions ONE = new KeyPartitions(1, 1);

    public KeyPartitions {
        if (projectStage < 1 || poolStage < 1) {
            throw new IllegalArgumentException("partition counts must be at least 1: " + projectStage + ", " + poolStage);
        }
    }

    /**
     * Null when a record of this key belongs in this partition of a topic with {@code count} partitions, else why
     * not (for a REJECTED result or a log line: the key is quoted, it may be hostile). A null key belongs nowhere.
     */
    public static String misplaced(String topic, String key, int partition, int count) {
        if (key == null) {
            return "a record of " + topic + " needs a key";
        }
        int expected = RequestRoutes.partitionOf(key, count);
        if (expected == partition) {
            return null;
        }
        return "the record is in partition " + partition + " of " + topic + ", but its key " + Check.quote(key)
                + " belongs in partition " + expected + " of " + count + ": produce with Kafka's default partitioner "
                + "(murmur2 of the UTF-8 key; librdkafka: partitioner=murmur2_random)";
    }
}
