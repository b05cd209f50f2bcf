package io.factnet.controller.stage;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last offset of each input partition that a stage has processed, kept in the stage's own logged state so that
 * it commits in the same transaction as everything that record changed. Exactly-once says an input record is
 * processed once: the consumer group's committed offset and the stage's state move together. The chaos long form
 * saw the broker's group coordinator hand back committed offsets ten minutes old after a broker kill -9 (docs/adr/0024):
 * the controllers read ~35 000 requests again, answered them twice and, where the idempotency window had forgotten
 * a request, allocated again. The state's own position is the second witness: a record at or below it was processed
 * already, whatever the group says, and is skipped without effect.
 * <p>
 * Offsets only go back that way, or when an input topic is deleted and made again; the latter needs the application
 * reset that any Kafka Streams application needs then (the stage would otherwise skip the new topic's records up to
 * the old position, and says so in its log).
 */
public final class InputPositions {
    private static final Logger log = LoggerFactory.getLogger(InputPositions.class);

    /** Counts the records skipped as already processed, over the controller's threads (for /metrics). */
    public static final class Replays {
        private final LongAdder skipped = new LongAdder();

        public long skippedCount() {
            return skipped.sum();
        }
    }

    private final KeyValueStore<String, Long> store;
    private final Replays replays;
    /** Per partition, the position that the records being skipped now lie below (one log line per episode). */
    private final Map<String, Long> skippingBelow = new HashMap<>();

    public InputPositions(KeyValueStore<String, Long> store, Replays replays) {
        this.store = store;
        this.replays = replays;
    }

    /**
     * True if this record's offset is at or below the position the stage's state holds for its partition (it was
     * processed; skip it). Otherwise records the record's offset as the new position and returns false.
     */
    public boolean alreadyProcessed(RecordMetadata meta) {
        String partition = meta.topic() + "-" + meta.partition();
        Long position = store.get(partition);
        if (position != null && meta.offset() <= position) {
            replays.skipped.increment();
            if (!position.equals(skippingBelow.put(partition, position))) {
                log.warn("{} offset {} was processed already (this stage's state is at offset {}): the consumer group's "
                        + "committed offset went back; skipping the records up to {} without effect",
                        partition, meta.offset(), position, position);
            }
            return true;
        }
        if (skippingBelow.remove(partition) != null) {
            log.info("{}: caught up with this stage's state at offset {}; processing again", partition, meta.offset());
        }
        store.put(partition, meta.offset());
        return false;
    }
}
