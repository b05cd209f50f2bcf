package io.factnet.serde;

import java.nio.ByteBuffer;

/** Confluent's wire format: magic byte 0, the 4-byte big-endian schema id, then the Avro binary encoding. */
public final class WireFormat {
    public static final byte MAGIC = 0x0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** The schema id in the header, or a {@link BadWireFormatException} saying what is wrong with the bytes. */
    public static int schemaId(byte[] data) {
        if (data.length < HEADER_SIZE) {
            throw new BadWireFormatException("truncated record: " + data.length
                    + " bytes, shorter than the 5-byte header (magic byte and schema id)");
        }
        if (data[0] != MAGIC) {
            throw new BadWireFormatException(String.format(
                    "wrong magic byte 0x%02x (expected 0x00): not written by a schema-registry serializer", data[0]));
        }
        return ByteBuffer.wrap(data, 1, 4).getInt();
    }

    /** The header for a schema id. */
    public static byte[] header(int schemaId) {
        return ByteBuffer.allocate(HEADER_SIZE).put(MAGIC).putInt(schemaId).array();
    }

    /** Raised for bytes that are not a well-formed record; the message says what is wrong. */
    public static final class BadWireFormatException extends RuntimeException {
        public BadWireFormatException(String message) {
            super(message);
        }

        public BadWireFormatException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
