package io.factnet.reliability.corpus;

import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.serde.AvroSerializer;
import io.factnet.serde.OversizedValues;
import io.factnet.serde.WireFormat;
import io.factnet.topics.Topics;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Records that cannot be read as a request, made from a valid one so that only the named defect is
 * wrong. The controller must send each to the dead-letter topic, with its bytes and the error.
 */
public enum RawKind {
    /** Random bytes whose first byte is not the magic byte. */
    GARBAGE,
    /** A valid request with magic byte 1. */
    WRONG_MAGIC,
    /** A valid request whose header names a schema id the registry never gave. */
    UNKNOWN_SCHEMA_ID,
    /** The first half of a valid request. */
    TRUNCATED,
    /** The 5-byte header and no Avro at all. */
    HEADER_ONLY,
    /** A valid request with bytes after it. */
    TRAILING_BYTES,
    /** A Result (a registered schema of another type) on a request topic. */
    OTHER_RECORD_TYPE,
    /** A null value: a tombstone where only requests belong. */
    TOMBSTONE,
    /** A valid request under a key that is not UTF-8. */
    KEY_NOT_UTF8,
    /** Issue 16's 13 bytes: the header, then a requestId declaring 2^31-9 bytes (Avro allocated 2 GiB for it). */
    OVERSIZED_STRING,
    /** A request whose array (DefineFloatingPool.cidrs) declares 2^31-9 items. */
    OVERSIZED_ARRAY,
    /** A request whose map (AppliedAck.counts) declares 2^31-9 entries. */
    OVERSIZED_MAP,
    /** A request whose array holds one string declaring 2^31-9 bytes. */
    OVERSIZED_NESTED_STRING,
    /** A request whose array comes in a sized block (negative count) declaring 2^31-9 bytes. */
    OVERSIZED_BLOCK;

    /** An id no registry gave (Apicurio and the in-memory registry count up from 1). */
    static final int UNKNOWN_ID = Integer.MAX_VALUE - 7;

    public static RawKind of(String yamlName) {
        return valueOf(yamlName.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /** The value bytes of this defect (null for a tombstone); the request gives the bytes it starts from. */
    byte[] value(Request base, String topic, AvroSerializer<Request> requests, AvroSerializer<Result> results,
                 SplittableRandom random) {
        byte[] valid = requests.serialize(topic, base);
        return switch (this) {
            case GARBAGE -> {
                byte[] garbage = new byte[16 + random.nextInt(185)];
                random.nextBytes(garbage);
                garbage[0] = (byte) (1 + random.nextInt(255));
                yield garbage;
            }
            case WRONG_MAGIC -> {
                byte[] copy = valid.clone();
                copy[0] = 1;
                yield copy;
            }
            case UNKNOWN_SCHEMA_ID -> {
                byte[] copy = valid.clone();
                ByteBuffer.wrap(copy, 1, 4).putInt(UNKNOWN_ID);
                yield copy;
            }
            case TRUNCATED -> Arrays.copyOf(valid, Math.max(WireFormat.HEADER_SIZE + 1, valid.length / 2));
            case HEADER_ONLY -> Arrays.copyOf(valid, WireFormat.HEADER_SIZE);
            case TRAILING_BYTES -> {
                byte[] longer = Arrays.copyOf(valid, valid.length + 3);
                longer[valid.length] = 1;
                longer[valid.length + 1] = 2;
                longer[valid.length + 2] = 3;
                yield longer;
            }
            case OTHER_RECORD_TYPE -> results.serialize(Topics.RESULTS.name(), Result.newBuilder()
                    .setRequestId(base.getRequestId()).setProject(base.getProject()).setCommand("CreateSecurityGroup")
                    .setStatus(Status.ACCEPTED).setReason(Reason.OK).setMessage("not a request")
                    .setCompletedAt(Instant.EPOCH).build());
            case TOMBSTONE -> null;
            case KEY_NOT_UTF8 -> valid;
            case OVERSIZED_STRING -> OversizedValues.string(WireFormat.schemaId(valid));
            case OVERSIZED_ARRAY -> OversizedValues.array(WireFormat.schemaId(valid));
            case OVERSIZED_MAP -> OversizedValues.map(WireFormat.schemaId(valid));
            case OVERSIZED_NESTED_STRING -> OversizedValues.nestedString(WireFormat.schemaId(valid));
            case OVERSIZED_BLOCK -> OversizedValues.sizedBlock(WireFormat.schemaId(valid));
        };
    }

    /** The key bytes: the project, except for the key that is not UTF-8. */
    byte[] key(String project) {
        return this == KEY_NOT_UTF8 ? new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xfd}
                : project.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The valid request the defect is made from. */
    static Request base(String requestId, String project) {
        return Request.newBuilder().setRequestId(requestId).setProject(project).setSubmittedAt(Instant.EPOCH)
                .setCommand(CreateSecurityGroup.newBuilder().setName("raw-base").build()).build();
    }
}
