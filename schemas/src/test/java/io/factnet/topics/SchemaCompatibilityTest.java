package io.factnet.topics;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AddRule;
import io.factnet.model.Direction;
import io.factnet.model.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

/**
 * Every topic's value schema must read data written with the schema as last released (BACKWARD):
 * consumers upgrade first, and old records on compacted topics stay readable forever.
 */
class SchemaCompatibilityTest {
    static final String RELEASED = "/released/0.1.0/";

    static Schema released(String fullName) throws IOException {
        try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream(RELEASED + fullName + ".avsc")) {
            assertThat(in).as("released copy of %s (write it with SchemaCatalog when a new topic is added)", fullName)
                    .isNotNull();
            return new Schema.Parser().parse(in);
        }
    }

    static boolean backwardCompatible(Schema current, Schema released) {
        return SchemaCompatibility.checkReaderWriterCompatibility(current, released).getType()
                == SchemaCompatibilityType.COMPATIBLE;
    }

    @Test
    void everyCurrentSchemaReadsWhatTheReleasedSchemaWrote() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Map.Entry<String, Schema> entry : SchemaCatalog.topLevelSchemas().entrySet()) {
            Schema released = released(entry.getKey());
            SchemaCompatibility.SchemaPairCompatibility check =
                    SchemaCompatibility.checkReaderWriterCompatibility(entry.getValue(), released);
            if (check.getType() != SchemaCompatibilityType.COMPATIBLE) {
                broken.add(entry.getKey() + ": " + check.getResult().getIncompatibilities());
            }
        }
        assertThat(broken).as("schema changes that are not BACKWARD compatible").isEmpty();
    }

    /** A rule written before rules had a direction (the released Request schema) reads as an ingress rule, as it was. */
    @Test
    void aRuleWrittenWithTheReleasedSchemaIsAnIngressRule() throws IOException {
        Schema released = released("io.factnet.model.Request");
        Schema addRule = released.getField("command").schema().getTypes().stream()
                .filter(t -> t.getName().equals("AddRule")).findFirst().orElseThrow();
        assertThat(addRule.getField("direction")).as("the released AddRule has no direction").isNull();
        GenericRecord rule = new GenericData.Record(addRule);
        rule.put("group", "web");
        rule.put("protocol", new GenericData.EnumSymbol(addRule.getField("protocol").schema(), "TCP"));
        rule.put("fromPort", 22);
        rule.put("toPort", 22);
        rule.put("sourceCidr", "0.0.0.0/0");
        GenericRecord request = new GenericData.Record(released);
        request.put("requestId", "r-1");
        request.put("project", "p1");
        request.put("submittedAt", 0L);
        request.put("command", rule);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(released).write(request, encoder);
        encoder.flush();

        Request read = new SpecificDatumReader<Request>(released, Request.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        AddRule command = (AddRule) read.getCommand();
        assertThat(command.getDirection()).isEqualTo(Direction.INGRESS);
        assertThat(command.getSourceCidr()).isEqualTo("0.0.0.0/0");
        assertThat(command.getDestinationCidr()).isNull();
        assertThat(command.getDestinationGroup()).isNull();
    }

    @Test
    void theCheckCatchesARequiredFieldAddedWithoutDefault() throws IOException {
        Schema released = released("io.factnet.model.FloatingIp");
        String json = released.toString().replace("{\"name\":\"pool\",",
                "{\"name\":\"zone\",\"type\":\"string\"},{\"name\":\"pool\",");
        Schema changed = new Schema.Parser().parse(json);
        assertThat(changed.getField("zone")).isNotNull();
        assertThat(backwardCompatible(changed, released)).isFalse();
    }

    @Test
    void theCheckAllowsAnOptionalFieldWithDefault() throws IOException {
        Schema released = released("io.factnet.model.FloatingIp");
        String json = released.toString().replace("{\"name\":\"pool\",",
                "{\"name\":\"zone\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"pool\",");
        assertThat(backwardCompatible(new Schema.Parser().parse(json), released)).isTrue();
    }
}
