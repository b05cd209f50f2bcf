package io.factnet.controller.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro values as JSON, field by field in schema order: records as objects, enums by name, timestamps in
 * ISO-8601, nulls kept (so every object of a kind has the same keys). A field added to the schema shows
 * up here with no change.
 */
final class AvroJson {
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private AvroJson() {
    }

    static ObjectNode object(SpecificRecord record) {
        ObjectNode object = JSON.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            object.set(field.name(), value(record.get(field.pos())));
        }
        return object;
    }

    static JsonNode value(Object value) {
        if (value == null) {
            return JSON.nullNode();
        } else if (value instanceof SpecificRecord record) {
            return object(record);
        } else if (value instanceof CharSequence || value instanceof Enum<?>) {
            return JSON.textNode(value.toString());
        } else if (value instanceof Integer i) {
            return JSON.numberNode(i);
        } else if (value instanceof Long l) {
            return JSON.numberNode(l);
        } else if (value instanceof Boolean b) {
            return JSON.booleanNode(b);
        } else if (value instanceof Double d) {
            return JSON.numberNode(d);
        } else if (value instanceof Float f) {
            return JSON.numberNode(f);
        } else if (value instanceof Instant instant) {
            return JSON.textNode(instant.toString());
        } else if (value instanceof ByteBuffer bytes) {
            return JSON.textNode(Base64.getEncoder().encodeToString(toArray(bytes)));
        } else if (value instanceof Collection<?> items) {
            ArrayNode array = JSON.arrayNode();
            items.forEach(item -> array.add(value(item)));
            return array;
        } else if (value instanceof Map<?, ?> map) {
            ObjectNode object = JSON.objectNode();
            Map<String, Object> sorted = new TreeMap<>(); // Avro maps are hash maps: give them one order
            map.forEach((key, item) -> sorted.put(String.valueOf(key), item));
            sorted.forEach((key, item) -> object.set(key, value(item)));
            return object;
        }
        throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
    }

    private static byte[] toArray(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
