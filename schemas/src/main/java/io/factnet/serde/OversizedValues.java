package io.factnet.serde;

import io.factnet.model.AppliedAck;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Requests in Confluent wire format that declare far more than they hold: the poison pills of issue 16,
 * which made Avro allocate 2 GiB from a few bytes. {@link DeclaredSizes} refuses them; they are built
 * here once, for the tests and for the reliability corpus, which sends them to a running controller.
 */
public final class OversizedValues {
    /** 2^31-9: the largest array a JVM will allocate, and Avro's default limit. */
    public static final long HUGE = Integer.MAX_VALUE - 8;

    private OversizedValues() {
    }

    private interface Body {
        void write(BinaryEncoder out) throws IOException;
    }

    /** The 13 bytes: the header, then a requestId that declares {@link #HUGE} bytes, then three of them. */
    public static byte[] string(int requestSchemaId) {
        return frame(requestSchemaId, out -> {
            out.writeLong(HUGE);
            out.writeFixed(new byte[] {'a', 'b', 'c'});
        });
    }

    /** A DefineFloatingPool whose cidrs declare {@link #HUGE} items. */
    public static byte[] array(int requestSchemaId) {
        return frame(requestSchemaId, out -> {
            envelope(out, DefineFloatingPool.getClassSchema());
            out.writeString("pool");
            out.writeLong(HUGE);
        });
    }

    /** An AppliedAck whose counts declare {@link #HUGE} entries. */
    public static byte[] map(int requestSchemaId) {
        return frame(requestSchemaId, out -> {
            envelope(out, AppliedAck.getClassSchema());
            out.writeString("node");
            out.writeEnum(0);
            out.writeInt(0);
            out.writeLong(0);
            out.writeLong(HUGE);
        });
    }

    /** A DefineFloatingPool whose cidrs hold one item, a string that declares {@link #HUGE} bytes. */
    public static byte[] nestedString(int requestSchemaId) {
        return frame(requestSchemaId, out -> {
            envelope(out, DefineFloatingPool.getClassSchema());
            out.writeString("pool");
            out.writeLong(1);
            out.writeLong(HUGE);
        });
    }

    /** A DefineFloatingPool whose cidrs come in a block of negative count (sized), declaring {@link #HUGE} bytes. */
    public static byte[] sizedBlock(int requestSchemaId) {
        return frame(requestSchemaId, out -> {
            envelope(out, DefineFloatingPool.getClassSchema());
            out.writeString("pool");
            out.writeLong(-1);
            out.writeLong(HUGE);
        });
    }

    /** Request's fields up to its command, and the union index of the command's record. */
    private static void envelope(BinaryEncoder out, Schema command) throws IOException {
        out.writeString("poison");
        out.writeString("poison-project");
        out.writeLong(0);
        out.writeIndex(Request.getClassSchema().getField("command").schema().getIndexNamed(command.getFullName()));
    }

    private static byte[] frame(int schemaId, Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(WireFormat.header(schemaId));
        BinaryEncoder out = EncoderFactory.get().directBinaryEncoder(bytes, null);
        try {
            body.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
