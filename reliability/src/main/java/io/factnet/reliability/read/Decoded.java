package io.factnet.reliability.read;

/**
 * One record of a topic as a checker sees it: where it is, its key, and its value (null for a
 * tombstone), or the error that kept it from being read.
 */
public record Decoded<V>(String topic, int partition, long offset, String key, V value, String error) {

    public boolean readable() {
        return error == null;
    }

    public String where() {
        return topic + "-" + partition + "@" + offset;
    }
}
