package io.factnet.controller.stage;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A store seen through a {@link Tx}: reads see the transaction's own writes, writes stay in a buffer
 * until the transaction commits. Values handed out and taken in are copies, so a caller that keeps
 * mutating a record after {@link #put} cannot change what was written (or what a rollback restores).
 */
public final class TxStore<V> {
    private static final Object DELETED = new Object();
    private static final Object ABSENT = new Object();
    private static final StringSerializer KEYS = new StringSerializer();

    private final Tx tx;
    private final KeyValueStore<String, V> store;
    private final TreeMap<String, Object> buffer = new TreeMap<>();

    TxStore(Tx tx, KeyValueStore<String, V> store) {
        this.tx = tx;
        this.store = store;
    }

    /** Puts back what the buffer held for a key before one write. */
    record Undo(TxStore<?> store, String key, Object previous) {
        void undo() {
            if (previous == ABSENT) {
                store.buffer.remove(key);
            } else {
                store.buffer.put(key, previous);
            }
        }
    }

    public V get(String key) {
        Object buffered = buffer.get(key);
        if (buffered == null) {
            return store.get(key);
        }
        return buffered == DELETED ? null : copy(cast(buffered));
    }

    /** Writes a value; null deletes. */
    public void put(String key, V value) {
        tx.journal.add(new Undo(this, key, buffer.containsKey(key) ? buffer.get(key) : ABSENT));
        buffer.put(key, value == null ? DELETED : copy(value));
    }

    public void delete(String key) {
        put(key, null);
    }

    /** Every entry whose key starts with the prefix ("" for all), in key order, with this transaction's writes applied. */
    public NavigableMap<String, V> scan(String prefix) {
        TreeMap<String, V> result = new TreeMap<>();
        try (KeyValueIterator<String, V> it = prefix.isEmpty() ? store.all() : store.prefixScan(prefix, KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, V> entry = it.next();
                result.put(entry.key, entry.value);
            }
        }
        for (Map.Entry<String, Object> entry : buffer.subMap(prefix, true, prefix + Character.MAX_VALUE, false).entrySet()) {
            if (entry.getValue() == DELETED) {
                result.remove(entry.getKey());
            } else {
                result.put(entry.getKey(), copy(cast(entry.getValue())));
            }
        }
        return result;
    }

    void flush() {
        for (Map.Entry<String, Object> entry : buffer.entrySet()) {
            if (entry.getValue() == DELETED) {
                store.delete(entry.getKey());
            } else {
                store.put(entry.getKey(), cast(entry.getValue()));
            }
        }
        buffer.clear();
    }

    void clearBuffer() {
        buffer.clear();
    }

    @SuppressWarnings("unchecked")
    private V cast(Object value) {
        return (V) value;
    }

    @SuppressWarnings("unchecked")
    private static <T> T copy(T value) {
        if (value instanceof SpecificRecord record) {
            return (T) SpecificData.getForSchema(record.getSchema()).deepCopy(record.getSchema(), record);
        }
        return value; // strings: immutable
    }
}
