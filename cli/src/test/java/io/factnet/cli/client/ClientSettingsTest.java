package io.factnet.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientSettingsTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAreTheLocalBrokerAndNoRegistry() {
        ClientSettings settings = ClientSettings.resolve(null, null, Map.of(), null, Map.of());
        assertThat(settings.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThatThrownBy(settings::registryClient).hasMessageContaining("--schema-registry-url");
    }

    @Test
    void commandLineBeatsEnvironmentBeatsConfigFile() throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, """
                bootstrap.servers=file:9092
                security.protocol=SASL_SSL
                sasl.mechanism=PLAIN
                schema.registry.url=http://file:8081
                basic.auth.user.info=alice:secret
                """);
        Map<String, String> env = Map.of(
                "FACTNET_BOOTSTRAP_SERVERS", "env:9092",
                "FACTNET_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "FACTNET_KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/factnet/truststore.p12",
                "FACTNET_CONFIG_FILE", "/not/used/when/--config-file/is/given");

        ClientSettings settings = ClientSettings.resolve("flag:9092", null, Map.of("client.rack", "r1"), file, env);

        assertThat(settings.kafka()).containsEntry("bootstrap.servers", "flag:9092")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", "/etc/factnet/truststore.p12")
                .containsEntry("client.rack", "r1")
                .doesNotContainKeys("schema.registry.url", "basic.auth.user.info");
        assertThat(settings.registry()).containsEntry("schema.registry.url", "http://file:8081")
                .containsEntry("basic.auth.user.info", "alice:secret");
    }

    @Test
    void theEnvironmentNamesTheConfigFileWhenNoOptionDoes() throws Exception {
        Path file = dir.resolve("env.properties");
        Files.writeString(file, "security.protocol=SSL\n");
        ClientSettings settings = ClientSettings.resolve(null, null, Map.of(), null,
                Map.of("FACTNET_CONFIG_FILE", file.toString(), "FACTNET_SCHEMA_REGISTRY_URL", "mock://env"));
        assertThat(settings.kafka()).containsEntry("security.protocol", "SSL");
        assertThat(settings.registry()).containsEntry("schema.registry.url", "mock://env");
    }

    @Test
    void anUnreadableConfigFileIsAClearError() {
        assertThatThrownBy(() -> ClientSettings.resolve(null, null, Map.of(), dir.resolve("missing.properties"), Map.of()))
                .hasMessageStartingWith("cannot read config file");
    }
}
