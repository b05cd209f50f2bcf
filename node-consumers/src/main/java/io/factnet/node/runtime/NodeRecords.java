package io.factnet.node.runtime;

import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import java.util.function.BiConsumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One node's records of its role topic turned into its desired state: keys of other nodes (they share
 * the partition) are passed over, a value is decoded and kept as the resource's latest entry, a
 * tombstone deletes it. A record that cannot be read is reported and skipped; the resource keeps its
 * last good entry, because an unreadable record must not delete a network. Used by the agents and by
 * {@code factnet replay}, so that both see the same state.
 */
public final class NodeRecords<V extends SpecificRecord> {
    private final String keyPrefix;
    private final RecordDecoder<V> decoder;
    private final BiConsumer<String, BadRecordException> onBadRecord;
    private final DesiredState<V> desired = new DesiredState<>();
    private long read;
    private long ours;
    private long bad;
    private long lastOffset = -1;

    /** @param onBadRecord told the record's key and why it could not be read */
    public NodeRecords(String nodeId, RecordDecoder<V> decoder, BiConsumer<String, BadRecordException> onBadRecord) {
        this.keyPrefix = nodeId + "/";
        this.decoder = decoder;
        this.onBadRecord = onBadRecord;
    }

    /** Takes one record of the partition; true when it is this node's (its writer waits for an ack). */
    public boolean accept(ConsumerRecord<String, byte[]> record) {
        read++;
        lastOffset = record.offset();
        String key = record.key();
        if (key == null || !key.startsWith(keyPrefix)) {
            return false;
        }
        ours++;
        String resource = key.substring(keyPrefix.length());
        if (record.value() == null) {
            desired.put(resource, null);
            return true;
        }
        try {
            desired.put(resource, decoder.value(record));
        } catch (BadRecordException e) {
            bad++;
            onBadRecord.accept(key, e);
        }
        return true;
    }

    public DesiredState<V> desired() {
        return desired;
    }

    /** Records of the partition read so far, of any node. */
    public long read() {
        return read;
    }

    /** This node's records read so far, tombstones and unreadable ones included. */
    public long ours() {
        return ours;
    }

    /** This node's records that could not be read. */
    public long bad() {
        return bad;
    }

    /** The offset of the last record read, -1 before the first. */
    public long lastOffset() {
        return lastOffset;
    }
}
