package io.factnet.cli.history;

import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * Whether a record names a thing: any string field, at any depth (nested records, arrays, maps), equal to it. How
 * {@code factnet why} finds the requests, results and node entries about an address, an instance or a rule id without a
 * table of which field of which command holds what (a new command is covered as soon as it exists).
 */
final class Mentions {
    private Mentions() {
    }

    static boolean of(Object value, String thing) {
        if (value == null) {
            return false;
        }
        if (value instanceof CharSequence text) {
            return thing.contentEquals(text);
        }
        if (value instanceof IndexedRecord record) {
            for (Schema.Field field : record.getSchema().getFields()) {
                if (of(record.get(field.pos()), thing)) {
                    return true;
                }
            }
            return false;
        }
        if (value instanceof Collection<?> items) {
            return items.stream().anyMatch(item -> of(item, thing));
        }
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().anyMatch(e -> of(e.getKey(), thing) || of(e.getValue(), thing));
        }
        return false;
    }

    /** True when one of the key's "/"-separated segments is the thing (node entry keys: {@code r1/fip/203.0.113.5}). */
    static boolean inKey(String key, String thing) {
        for (String segment : key.split("/")) {
            if (segment.equals(thing)) {
                return true;
            }
        }
        return false;
    }
}
