package io.factnet.serde;

import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Walks Avro binary data along its writer's schema before Avro decodes it, and refuses any string, bytes,
 * array or map that declares more than the bytes left can hold. Avro allocates what a length or an item
 * count declares before it reads a byte of it: five bytes declaring a string of 2^31-9 bytes made it
 * allocate 2 GiB (an OutOfMemoryError in the reader's thread, every time the record was read again).
 * Here a declared size is only compared with the bytes left, nothing is allocated, and the walk reads
 * each byte at most once, so a bad record costs microseconds.
 * <p>
 * An item of a collection counts as at least one byte, also where its schema encodes in none (null, an
 * empty record): such a collection with more items than bytes left is refused. factnet's schemas have none.
 */
final class DeclaredSizes {
    /** Deeper nesting than this (only a recursive schema could have it) is refused rather than recursed into. */
    static final int MAX_DEPTH = 64;
    private static final Schema MAP_KEY = Schema.create(Schema.Type.STRING);

    private final Schema writer;
    private final Map<Schema, Integer> minSizes = new IdentityHashMap<>();

    DeclaredSizes(Schema writer) {
        this.writer = writer;
    }

    /** Checks {@code data[from..]}: exactly one value of the writer's schema, every declared size within the bytes left. */
    void check(byte[] data, int from) {
        Walk walk = new Walk(data, from);
        walk.value(writer, 0);
        if (walk.left() > 0) {
            throw new WireFormat.BadWireFormatException("trailing bytes after the record: " + walk.left());
        }
    }

    /** The fewest bytes a value of the schema encodes in (a lower bound; 0 for a schema that recurses into itself). */
    private int minSize(Schema schema) {
        Integer known = minSizes.get(schema);
        if (known != null) {
            return known;
        }
        minSizes.put(schema, 0); // while in progress: a recursive reference counts as nothing
        int size = switch (schema.getType()) {
            case NULL -> 0;
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case FIXED -> schema.getFixedSize();
            case RECORD -> {
                long sum = 0;
                for (Schema.Field field : schema.getFields()) {
                    sum += minSize(field.schema());
                }
                yield (int) Math.min(sum, Integer.MAX_VALUE);
            }
            default -> 1; // a varint, a length, a block count or a union index: one byte at least
        };
        minSizes.put(schema, size);
        return size;
    }

    private final class Walk {
        private final byte[] data;
        private int pos;

        Walk(byte[] data, int from) {
            this.data = data;
            this.pos = from;
        }

        private int left() {
            return data.length - pos;
        }

        void value(Schema schema, int depth) {
            if (depth > MAX_DEPTH) {
                throw bad("values nested deeper than " + MAX_DEPTH + " levels");
            }
            switch (schema.getType()) {
                case NULL -> { }
                case BOOLEAN -> skip(1, "a boolean");
                case INT, LONG -> varint(schema.getType() == Schema.Type.INT ? 5 : 10);
                case FLOAT -> skip(4, "a float");
                case DOUBLE -> skip(8, "a double");
                case FIXED -> skip(schema.getFixedSize(), "a fixed of " + schema.getFixedSize() + " bytes");
                case STRING, BYTES -> {
                    String what = schema.getType() == Schema.Type.STRING ? "a string" : "a bytes value";
                    int at = pos;
                    long length = varint(10);
                    if (length < 0 || length > left()) {
                        throw bad(what + " at byte " + at + " declares " + length + " bytes; " + left() + " are left");
                    }
                    pos += (int) length;
                }
                case ENUM -> index(schema.getEnumSymbols().size(), "enum symbol");
                case UNION -> value(schema.getTypes().get(index(schema.getTypes().size(), "union branch")), depth + 1);
                case RECORD -> {
                    for (Schema.Field field : schema.getFields()) {
                        value(field.schema(), depth + 1);
                    }
                }
                case ARRAY -> blocks(schema.getElementType(), false, depth);
                case MAP -> blocks(schema.getValueType(), true, depth);
            }
        }

        /** Blocks of items until a block of count 0; a negative count is followed by the block's size in bytes. */
        private void blocks(Schema item, boolean map, int depth) {
            String what = map ? "a map" : "an array";
            long itemBytes = Math.max(1, minSize(item)) + (map ? 1 : 0); // a map entry's key is a string
            while (true) {
                int at = pos;
                long count = varint(10);
                if (count == 0) {
                    return;
                }
                if (count < 0) {
                    if (count == Long.MIN_VALUE) {
                        throw bad(what + " block at byte " + at + " declares an item count of " + count);
                    }
                    count = -count;
                    long size = varint(10);
                    if (size < 0 || size > left()) {
                        throw bad(what + " block at byte " + at + " declares " + size + " bytes; " + left() + " are left");
                    }
                }
                if (count > left() / itemBytes) {
                    throw bad(what + " block at byte " + at + " declares " + count + " items; the " + left()
                            + " bytes left hold at most " + left() / itemBytes);
                }
                for (long i = 0; i < count; i++) {
                    if (map) {
                        value(MAP_KEY, depth + 1);
                    }
                    value(item, depth + 1);
                }
            }
        }

        private int index(int size, String what) {
            int at = pos;
            long index = varint(5);
            if (index < 0 || index >= size) {
                throw bad(what + " at byte " + at + " is " + index + "; there are " + size);
            }
            return (int) index;
        }

        /** A zig-zag varint of at most {@code maxBytes} bytes (5 for an int, 10 for a long). */
        private long varint(int maxBytes) {
            int at = pos;
            long raw = 0;
            for (int shift = 0, n = 0; ; shift += 7, n++) {
                if (n == maxBytes) {
                    throw bad("the number at byte " + at + " runs over " + maxBytes + " bytes");
                }
                if (pos >= data.length) {
                    throw bad("the data ends inside the number at byte " + at);
                }
                int b = data[pos++] & 0xff;
                raw |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
        }

        private void skip(int bytes, String what) {
            if (bytes > left()) {
                throw bad("the data ends inside " + what + " at byte " + pos);
            }
            pos += bytes;
        }

        private WireFormat.BadWireFormatException bad(String message) {
            return new WireFormat.BadWireFormatException(message);
        }
    }
}
