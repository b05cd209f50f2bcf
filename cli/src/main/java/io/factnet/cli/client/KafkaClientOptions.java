package io.factnet.cli.client;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The connection options every factnet command that talks to Kafka shares ({@code @Mixin}): bootstrap
 * servers, schema registry, and any Kafka client or registry property under its own name, as Kafka's
 * tools take them ({@code --property}/{@code -X} like kcat, {@code --config-file} like
 * {@code --command-config}).
 */
public final class KafkaClientOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers (env FACTNET_BOOTSTRAP_SERVERS; default " + ClientSettings.DEFAULT_BOOTSTRAP + ").")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            description = "Confluent-compatible schema registry URL, e.g. http://registry:8080/apis/ccompat/v7 (env FACTNET_SCHEMA_REGISTRY_URL).")
    String schemaRegistryUrl;

    @Option(names = {"--property", "-X"}, paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "A Kafka client or schema registry property under its own name (security.protocol, sasl.mechanism, "
                    + "sasl.jaas.config, ssl.truststore.location, basic.auth.user.info, schema.registry.ssl.*...). Repeatable.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--config-file", paramLabel = "FILE",
            description = "A Java properties file of client properties, as Kafka's tools take with --command-config (env FACTNET_CONFIG_FILE).")
    Path configFile;

    /** The settings these options, the process environment and the config file give together. */
    public ClientSettings settings() {
        return settings(System.getenv());
    }

    public ClientSettings settings(Map<String, String> env) {
        return ClientSettings.resolve(bootstrapServers, schemaRegistryUrl, properties, configFile, env);
    }

    /** With a command's own variables, each naming the property it sets (e.g. the controller's {@code ControllerConfig.ENVIRONMENT}). */
    public ClientSettings settings(Map<String, String> env, Map<String, String> namedEnv) {
        return ClientSettings.resolve(bootstrapServers, schemaRegistryUrl, properties, configFile, env, namedEnv);
    }
}
