package io.factnet.node.runtime;

import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reading one partition of a compacted node topic from its beginning up to the end offset taken at
 * the start: what a node needs to know its whole desired state (latest value per key, tombstones
 * delete). The agents replay this way before their first apply, and {@code factnet replay} too.
 */
public final class PartitionReplay {
    private final Consumer<?, ?> consumer;
    private final TopicPartition partition;
    private final long start;
    private final long end;

    private PartitionReplay(Consumer<?, ?> consumer, TopicPartition partition, long start, long end) {
        this.consumer = consumer;
        this.partition = partition;
        this.start = start;
        this.end = end;
    }

    /** Assigns the partition to the consumer (no group: nothing is committed) and seeks to its beginning. */
    public static PartitionReplay begin(Consumer<?, ?> consumer, TopicPartition partition) {
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        long start = consumer.beginningOffsets(List.of(partition)).get(partition);
        long end = consumer.endOffsets(List.of(partition)).get(partition);
        return new PartitionReplay(consumer, partition, start, end);
    }

    public TopicPartition partition() {
        return partition;
    }

    /** The first offset still in the log (compaction and retention remove older ones). */
    public long start() {
        return start;
    }

    /** The end offset when the replay began: the state to rebuild is below it. */
    public long end() {
        return end;
    }

    /** True once every record below {@link #end()} was read (for a transactional topic, markers included). */
    public boolean caughtUp() {
        return consumer.position(partition) >= end;
    }

    /** How far the replay is, 0 to 1, by offsets (a compacted log has gaps: it is an estimate, ending at 1). */
    public double progress() {
        return end <= start ? 1 : Math.min(1, (double) (consumer.position(partition) - start) / (end - start));
    }
}
