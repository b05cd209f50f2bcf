package io.factnet.node.runtime;

import io.factnet.registry.SchemaRegistryException;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.serde.WireFormat;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One node's records of its role topic turned into its desired state: keys of other nodes (they share
 * the partition) are passed over, a value is decoded and kept as the resource's latest entry, a
 * tombstone deletes it. Used by the agents and by {@code factnet replay}, so that both see the same state.
 * <p>
 * A record that cannot be read (unknown schema, registry down, corrupt bytes) leaves its resource at
 * its last good entry, because an unreadable record must not delete a network; but the state is then
 * not {@link #complete()}, and an agent must not apply it (ADR 0022). The record is kept (the latest
 * per resource) and {@link #retryUnreadable() read again} later; a later record of the same resource,
 * value or tombstone, supersedes it. Once a schema id failed on the registry, the other records of that
 * id are not sent to it again until the next retry: 100 000 records of a lost schema are one failed call.
 */
public final class NodeRecords<V extends SpecificRecord> {
    private final String keyPrefix;
    private final RecordDecoder<V> decoder;
    private final BiConsumer<String, BadRecordException> onBadRecord;
    private final DesiredState<V> desired = new DesiredState<>();
    private final Map<String, Unreadable> unreadable = new HashMap<>();
    /** Schema ids the registry failed on since the last retry, with that failure. */
    private final Map<Integer, BadRecordException> failedIds = new HashMap<>();
    private long read;
    private long ours;
    private long bad;
    private long lastOffset = -1;

    /** A resource's latest record, which could not be read, and why. */
    public record Unreadable(String resource, ConsumerRecord<String, byte[]> record, BadRecordException error) {
    }

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
            unreadable.remove(resource);
            desired.put(resource, null);
            return true;
        }
        try {
            desired.put(resource, decode(record));
            unreadable.remove(resource);
        } catch (BadRecordException e) {
            bad++;
            unreadable.put(resource, new Unreadable(resource, record, e));
            onBadRecord.accept(key, e);
        }
        return true;
    }

    /**
     * Reads the unreadable records again, oldest first, and stops at the first that still fails (the
     * state stays incomplete until every one reads: the others wait for the next retry). Returns how
     * many could be read now.
     */
    public int retryUnreadable() {
        failedIds.clear();
        List<Unreadable> pending = new ArrayList<>(unreadable.values());
        pending.sort(Comparator.comparingLong(u -> u.record().offset()));
        int recovered = 0;
        for (Unreadable u : pending) {
            try {
                desired.put(u.resource(), decode(u.record()));
                unreadable.remove(u.resource());
                recovered++;
            } catch (BadRecordException e) {
                unreadable.put(u.resource(), new Unreadable(u.resource(), u.record(), e));
                break;
            }
        }
        return recovered;
    }

    private V decode(ConsumerRecord<String, byte[]> record) {
        Integer id = schemaId(record.value());
        BadRecordException failed = id == null ? null : failedIds.get(id);
        if (failed != null) {
            throw new BadRecordException(record.topic(), record.partition(), record.offset(), failed.getCause());
        }
        try {
            return decoder.value(record);
        } catch (BadRecordException e) {
            if (id != null && causedByRegistry(e)) {
                failedIds.put(id, e);
            }
            throw e;
        }
    }

    private static Integer schemaId(byte[] value) {
        try {
            return WireFormat.schemaId(value);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean causedByRegistry(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException) {
                return true;
            }
        }
        return false;
    }

    /** True when every record of this node read so far could be read: the desired state is whole. */
    public boolean complete() {
        return unreadable.isEmpty();
    }

    /** How many resources' latest record cannot be read (now). */
    public int unreadableCount() {
        return unreadable.size();
    }

    /** The resources whose latest record cannot be read (now), oldest record first. */
    public List<Unreadable> unreadable() {
        return unreadable.values().stream().sorted(Comparator.comparingLong(u -> u.record().offset())).toList();
    }

    /** The oldest record that cannot be read, if any. */
    public Optional<Unreadable> firstUnreadable() {
        return unreadable.values().stream().min(Comparator.comparingLong(u -> u.record().offset()));
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

    /** This node's records that could not be read when they arrived (a retry that reads them does not lower it). */
    public long bad() {
        return bad;
    }

    /** The offset of the last record read, -1 before the first. */
    public long lastOffset() {
        return lastOffset;
    }
}
