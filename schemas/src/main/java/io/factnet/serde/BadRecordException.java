package io.factnet.serde;

import io.factnet.registry.SchemaRegistryException;

/**
 * A record that could not be read, with where it is: topic, partition and offset. {@link #retriable()}: it was
 * not read because the schema registry gave no answer, which says nothing about the record; read it again later.
 */
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

    /** True when the registry could not be asked: the record is not at fault and must not go to the dead letters. */
    public boolean retriable() {
        return SchemaRegistryException.unavailableIn(getCause());
    }
}
