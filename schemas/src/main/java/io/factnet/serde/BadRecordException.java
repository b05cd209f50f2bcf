package io.factnet.serde;

/** A record that could not be read, with where it is: topic, partition and offset. */
public final class BadRecordException extends RuntimeException {
    private final String topic;
    private final int partition;
    private final long offset;

    public BadRecordException(String topic, int partition, long offset, Throwable cause) {
        super("bad record at " + topic + "-" + partition + " offset " + offset + ": " + cause.getMessage(), cause);
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }
}
