package io.factnet.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryClientTest {
    static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"A\",\"fields\":[" + fields + "]}");
    }

    @Test
    void registersFindsAndRefusesIncompatibleSchemas() {
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        Schema v1 = record("{\"name\":\"x\",\"type\":\"int\"}");
        Schema v2 = record("{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":\"int\",\"default\":0}");
        Schema bad = record("{\"name\":\"z\",\"type\":\"string\"}");

        int id1 = registry.register("t-value", v1);
        assertThat(registry.register("t-value", v1)).isEqualTo(id1);
        assertThat(registry.schemaById(id1)).isEqualTo(v1);
        assertThat(registry.isCompatible("t-value", v2)).isTrue();
        assertThat(registry.register("t-value", v2)).isNotEqualTo(id1);
        assertThat(registry.isCompatible("t-value", bad)).isFalse();
        assertThatThrownBy(() -> registry.register("t-value", bad))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE));
        registry.setCompatibility("t-value", "NONE");
        assertThat(registry.isCompatible("t-value", bad)).isTrue();
        assertThatThrownBy(() -> registry.schemaById(99))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
    }

    @Test
    void configReadsConfluentPropertyNames() {
        SchemaRegistryConfig config = SchemaRegistryConfig.from(java.util.Map.of(
                "schema.registry.url", "http://a:1/, http://b:2",
                "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "u:p",
                "schema.registry.request.timeout.ms", "1500",
                "auto.register.schemas", "false"));
        assertThat(config.urls()).containsExactly("http://a:1", "http://b:2");
        assertThat(config.userInfo()).contains("u:p");
        assertThat(config.timeout().toMillis()).isEqualTo(1500);
        assertThat(config.autoRegister()).isFalse();
        assertThat(config.inMemory()).isFalse();
        assertThatThrownBy(() -> SchemaRegistryConfig.from(java.util.Map.of()))
                .hasMessageContaining("schema.registry.url");
    }
}
