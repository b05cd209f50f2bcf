package io.factnet.cli.client;

import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClients;
import io.factnet.registry.SchemaRegistryConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Kafka client and schema registry properties, resolved from (lowest first) the built-in defaults, the
 * config file, the environment ({@code FACTNET_BOOTSTRAP_SERVERS}, {@code FACTNET_SCHEMA_REGISTRY_URL},
 * and {@code FACTNET_KAFKA_<NAME>} for any property, e.g. {@code FACTNET_KAFKA_SECURITY_PROTOCOL} for
 * {@code security.protocol}), then the command line. Registry properties ({@code schema.registry.*},
 * {@code basic.auth.*}, {@code auto.register.schemas}) go to the registry client, the rest to Kafka.
 */
public record ClientSettings(Map<String, String> kafka, Map<String, String> registry) {

    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
    public static final String ENV_BOOTSTRAP = "FACTNET_BOOTSTRAP_SERVERS";
    public static final String ENV_REGISTRY = "FACTNET_SCHEMA_REGISTRY_URL";
    public static final String ENV_CONFIG_FILE = "FACTNET_CONFIG_FILE";
    public static final String ENV_PROPERTY_PREFIX = "FACTNET_KAFKA_";

    public ClientSettings {
        kafka = Map.copyOf(kafka);
        registry = Map.copyOf(registry);
    }

    /** The variables every command reads as one property each (besides {@code FACTNET_KAFKA_<NAME>}). */
    static final Map<String, String> NAMED_ENV = Map.of(ENV_BOOTSTRAP, "bootstrap.servers", ENV_REGISTRY, SchemaRegistryConfig.URL);

    static ClientSettings resolve(String bootstrapOption, String registryOption, Map<String, String> properties,
                                  Path configFile, Map<String, String> env) {
        return resolve(bootstrapOption, registryOption, properties, configFile, env, NAMED_ENV);
    }

    /**
     * As above, where {@code namedEnv} maps more variables to the property each one sets (a command's own
     * settings, e.g. the controller's {@code FACTNET_STATE_DIR}), on the environment's level of precedence.
     */
    static ClientSettings resolve(String bootstrapOption, String registryOption, Map<String, String> properties,
                                  Path configFile, Map<String, String> env, Map<String, String> namedEnv) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("bootstrap.servers", DEFAULT_BOOTSTRAP);
        Path file = configFile != null ? configFile
                : env.containsKey(ENV_CONFIG_FILE) ? Path.of(env.get(ENV_CONFIG_FILE)) : null;
        if (file != null) {
            all.putAll(load(file));
        }
        env.forEach((name, value) -> {
            if (name.startsWith(ENV_PROPERTY_PREFIX) && name.length() > ENV_PROPERTY_PREFIX.length()) {
                all.put(propertyName(name.substring(ENV_PROPERTY_PREFIX.length())), value);
            }
        });
        Map<String, String> named = new LinkedHashMap<>(NAMED_ENV);
        named.putAll(namedEnv);
        named.forEach((variable, property) -> putIfSet(all, property, env.get(variable)));
        if (properties != null) {
            all.putAll(properties);
        }
        putIfSet(all, "bootstrap.servers", bootstrapOption);
        putIfSet(all, SchemaRegistryConfig.URL, registryOption);

        Map<String, String> kafka = new LinkedHashMap<>();
        Map<String, String> registry = new LinkedHashMap<>();
        all.forEach((key, value) -> (isRegistryProperty(key) ? registry : kafka).put(key, value));
        return new ClientSettings(kafka, registry);
    }

    /** {@code SASL_JAAS_CONFIG} to {@code sasl.jaas.config}. */
    static String propertyName(String envSuffix) {
        return envSuffix.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    static boolean isRegistryProperty(String key) {
        return key.startsWith("schema.registry.") || key.startsWith("basic.auth.")
                || key.equals(SchemaRegistryConfig.AUTO_REGISTER);
    }

    private static void putIfSet(Map<String, String> all, String key, String value) {
        if (value != null && !value.isBlank()) {
            all.put(key, value.trim());
        }
    }

    private static Map<String, String> load(Path file) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> map = new LinkedHashMap<>();
        props.stringPropertyNames().forEach(name -> map.put(name, props.getProperty(name)));
        return map;
    }

    public String bootstrapServers() {
        return kafka.get("bootstrap.servers");
    }

    /** Kafka client properties plus the given ones (which win). */
    public Map<String, Object> kafkaWith(Map<String, ?> overrides) {
        Map<String, Object> props = new LinkedHashMap<>(kafka);
        props.putAll(overrides);
        return props;
    }

    public boolean autoRegisterSchemas() {
        return Boolean.parseBoolean(registry.getOrDefault(SchemaRegistryConfig.AUTO_REGISTER, "true"));
    }

    /** The registry client, or a clear error when no registry is configured. */
    public SchemaRegistryClient registryClient() {
        String url = registry.get(SchemaRegistryConfig.URL);
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("no schema registry: set --schema-registry-url or " + ENV_REGISTRY);
        }
        return SchemaRegistryClients.create(registry);
    }
}
