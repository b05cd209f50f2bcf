package io.factnet.controller.project;

import io.factnet.controller.stage.StoreNames;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.SeenRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The project stage's indexes: stores that only say again what another store holds (a fixed IP by address and by
 * MAC, a floating IP by the fixed address it points to, request ids by the time they were seen). They have no
 * changelog (ADR 0028): each costed a record per change, about a quarter of the stage's writes, and a restore
 * rebuilds them exactly from the stores they index. Written through the same transaction as their sources while
 * records are processed; rebuilt here when the task starts, after its logged stores are restored.
 */
public final class DerivedIndexes {
    private DerivedIndexes() {
    }

    /** The seen-by-time key of a request id first answered at {@code timestamp}: expiry order. */
    static String seenByTimeKey(long timestamp, String seenKey) {
        return String.format("%016d/%s", timestamp, seenKey);
    }

    /** Empties the indexes and fills them from the logged stores (the state the task was restored to). */
    static void rebuild(ProcessorContext<?, ?> context) {
        Map<String, SortedMap<String, String>> derived = derive(context.getStateStore(StoreNames.FIXED_IPS),
                context.getStateStore(StoreNames.FLOATING_IPS), context.getStateStore(StoreNames.REQUESTS_SEEN));
        derived.forEach((name, entries) -> {
            KeyValueStore<String, String> index = context.getStateStore(name);
            clear(index);
            entries.forEach(index::put);
        });
    }

    /** What each index holds for these stores, by index store name: the full recompute the running indexes must equal. */
    public static Map<String, SortedMap<String, String>> derive(KeyValueStore<String, FixedIp> fixedIps,
                                                                KeyValueStore<String, FloatingIp> floatingIps,
                                                                KeyValueStore<String, SeenRequest> seen) {
        SortedMap<String, String> byAddress = new TreeMap<>();
        SortedMap<String, String> macs = new TreeMap<>();
        SortedMap<String, String> floatingByFixed = new TreeMap<>();
        SortedMap<String, String> seenByTime = new TreeMap<>();
        try (KeyValueIterator<String, FixedIp> it = fixedIps.all()) {
            while (it.hasNext()) {
                KeyValue<String, FixedIp> entry = it.next();
                String project = projectPrefix(entry.key);
                byAddress.put(project + entry.value.getAddress(), entry.value.getInstance());
                macs.put(project + entry.value.getMac(), entry.value.getInstance());
            }
        }
        try (KeyValueIterator<String, FloatingIp> it = floatingIps.all()) {
            while (it.hasNext()) {
                KeyValue<String, FloatingIp> entry = it.next();
                if (entry.value.getFixedAddress() != null) {
                    floatingByFixed.put(projectPrefix(entry.key) + entry.value.getFixedAddress(), entry.value.getAddress());
                }
            }
        }
        try (KeyValueIterator<String, SeenRequest> it = seen.all()) {
            while (it.hasNext()) {
                KeyValue<String, SeenRequest> entry = it.next();
                seenByTime.put(seenByTimeKey(entry.value.getTimestamp(), entry.key), "");
            }
        }
        Map<String, SortedMap<String, String>> derived = new LinkedHashMap<>();
        derived.put(StoreNames.FIXED_IP_ADDRESSES, byAddress);
        derived.put(StoreNames.MACS, macs);
        derived.put(StoreNames.FLOATING_BY_FIXED, floatingByFixed);
        derived.put(StoreNames.REQUESTS_SEEN_BY_TIME, seenByTime);
        return derived;
    }

    /** "project/" of a store key "project/thing". */
    private static String projectPrefix(String key) {
        return key.substring(0, key.indexOf('/') + 1);
    }

    private static void clear(KeyValueStore<String, String> store) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        try (KeyValueIterator<String, String> it = store.all()) {
            it.forEachRemaining(entry -> keys.add(entry.key));
        }
        keys.forEach(store::delete);
    }
}
