package io.factnet.controller.stage;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.Allocation;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.Requester;
import io.factnet.model.Result;
import io.factnet.model.SeenRequest;
import io.factnet.model.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/** The request-seen record keeps what a repeat's answer needs, not a copy of the result (ADR 0045). */
class SeenRequestsTest {
    /** The store's schema before ADR 0045 (SeenRequest with the whole first result), as records on a changelog have it. */
    static Schema released() throws IOException {
        try (InputStream in = SeenRequestsTest.class.getResourceAsStream("/released/stores/io.factnet.model.SeenRequest.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    /** A fixed IP's result as the bench's request mix gets it: the common request. */
    static Result fixedIp() {
        Result result = Results.of("bench-00012345", "project-00042", "AllocateFixedIp", Reason.OK,
                "fixed IP 10.0.42.17 for vm-00042-015",
                Allocation.newBuilder().setAddress("10.0.42.17").setMac("fa:16:3e:00:2a:11").setHostname("vm-00042-015")
                        .setInstance("vm-00042-015").setCidr("10.0.42.0/24").setGateway("10.0.42.1").setVlan(142)
                        .setBridge("br142").build(),
                List.of(new NodeRef("n1", NodeRole.ADDRESSING), new NodeRef("n1", NodeRole.BRIDGING)),
                Instant.parse("2026-12-06T05:00:00.123Z"));
        result.setSequence(17L);
        return result;
    }

    @Test
    void theNewRecordReadsWhatTheOldOneWrote() throws IOException {
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(SeenRequest.getClassSchema(), released()).getType())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @Test
    void anOldRecordIsAnsweredWithItsWholeFirstResult() throws IOException {
        Result first = fixedIp();
        Schema old = released();
        GenericData data = new GenericData();
        data.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
        GenericRecord record = new GenericData.Record(old);
        record.put("timestamp", 1000L);
        record.put("firstResult", first);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(old, data).write(record, encoder);
        encoder.flush();

        SeenRequest seen = new SpecificDatumReader<SeenRequest>(old, SeenRequest.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(SeenRequests.answers(seen)).isTrue();
        assertThat(SeenRequests.answer("project-00042", "bench-00012345", seen)).isEqualTo(first);
    }

    @Test
    void aRepeatGetsTheDecisionTheAllocationAndTheNodesOfTheFirstAnswer() {
        Result first = fixedIp();
        first.setRequestedBy(new Requester("alice@p1", "gw-1"));
        Result again = SeenRequests.answer("project-00042", "bench-00012345", SeenRequests.of(1000L, first));
        assertThat(again).usingRecursiveComparison().ignoringFields("message").isEqualTo(first);
        assertThat(again.getStatus()).isEqualTo(Status.ACCEPTED);
        assertThat(again.getMessage()).contains("repeated request id").contains("sequence 17");
    }

    @Test
    void aRefusalKeepsItsMessage() {
        Result refused = Results.of("r1", "p1", "CreateSecurityGroup", Reason.QUOTA_EXCEEDED, "quota of 0 security groups reached",
                Instant.ofEpochMilli(5));
        refused.setSequence(3L);
        SeenRequest seen = SeenRequests.of(5L, refused);
        assertThat(SeenRequests.answer("p1", "r1", seen)).isEqualTo(refused);
        assertThat(SeenRequests.listed("p1/r1", seen)).isEqualTo(refused);
    }

    @Test
    void theRecordIsSmallerThanTheCopyOfTheResult() throws IOException {
        Result result = fixedIp();
        int copy = size(SeenRequest.newBuilder().setTimestamp(1000L).setFirstResult(result).build());
        int kept = size(SeenRequests.of(1000L, result));
        // measured: the copy 215 bytes, the record 144 (ADR 0045)
        assertThat(kept).isLessThan(copy - 60);
    }

    static int size(SeenRequest seen) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<>(SeenRequest.class).write(seen, encoder);
        encoder.flush();
        return bytes.size();
    }
}
