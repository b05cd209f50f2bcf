package io.factnet.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
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
