package io.factnet.controller;

import io.factnet.registry.SchemaRegistryConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The controller's settings. From one set of properties: {@code factnet.*} are the controller's own,
 * the schema registry's keep Confluent's names ({@code schema.registry.url}, {@code basic.auth.*},
 * {@code auto.register.schemas}), everything else is passed to Kafka Streams as it is.
 *
 * @param streams              Kafka Streams (and client) properties, with the controller's defaults filled in
 * @param registry             schema registry properties
 * @param inMemoryStores       {@value #IN_MEMORY_STORES}: in-memory stores instead of RocksDB (restored from changelogs at start)
 * @param fixedIpHoldDown      {@value #HOLD_DOWN_MS}: how long a released fixed IP is held before it is given again (nova's 600 s)
 * @param idempotencyRetention {@value #RETENTION_MS}: how long a request id is remembered with its first result (7 days)
 * @param topicPartitions      {@value #TOPIC_PARTITIONS}: partitions of the topics the controller creates when missing
 * @param topicReplication     {@value #TOPIC_REPLICATION}: their replication factor
 */
public record ControllerConfig(Map<String, Object> streams, Map<String, Object> registry, boolean inMemoryStores,
                               Duration fixedIpHoldDown, Duration idempotencyRetention, int topicPartitions,
                               short topicReplication) {

    public static final String IN_MEMORY_STORES = "factnet.stores.in-memory";
    public static final String HOLD_DOWN_MS = "factnet.fixed-ip.hold-down.ms";
    public static final String RETENTION_MS = "factnet.idempotency.retention.ms";
    public static final String TOPIC_PARTITIONS = "factnet.topics.partitions";
    public static final String TOPIC_REPLICATION = "factnet.topics.replication";
    public static final String DEFAULT_APPLICATION_ID = "factnet-controller";
    /** commit.interval.ms unless set: with exactly-once, how long outputs wait for their transaction's commit. */
    public static final int DEFAULT_COMMIT_INTERVAL_MS = 100;

    private static final Set<String> REGISTRY_KEYS = Set.of(SchemaRegistryConfig.URL, SchemaRegistryConfig.CREDENTIALS_SOURCE,
            SchemaRegistryConfig.USER_INFO, SchemaRegistryConfig.TIMEOUT_MS, SchemaRegistryConfig.AUTO_REGISTER);

    /** Environment variables that set one property each (the rest: FACTNET_KAFKA_NUM_STREAM_THREADS -> num.stream.threads). */
    public static final Map<String, String> ENVIRONMENT = Map.of(
            "FACTNET_BOOTSTRAP_SERVERS", StreamsConfig.BOOTSTRAP_SERVERS_CONFIG,
            "FACTNET_SCHEMA_REGISTRY_URL", SchemaRegistryConfig.URL,
            "FACTNET_APPLICATION_ID", StreamsConfig.APPLICATION_ID_CONFIG,
            "FACTNET_STATE_DIR", StreamsConfig.STATE_DIR_CONFIG,
            "FACTNET_STORES_IN_MEMORY", IN_MEMORY_STORES,
            "FACTNET_FIXED_IP_HOLD_DOWN_MS", HOLD_DOWN_MS,
            "FACTNET_IDEMPOTENCY_RETENTION_MS", RETENTION_MS,
            "FACTNET_TOPICS_PARTITIONS", TOPIC_PARTITIONS,
            "FACTNET_TOPICS_REPLICATION", TOPIC_REPLICATION);
    public static final String KAFKA_ENV_PREFIX = "FACTNET_KAFKA_";

    public ControllerConfig {
        streams = Map.copyOf(streams);
        registry = Map.copyOf(registry);
        if (!registry.containsKey(SchemaRegistryConfig.URL)) {
            throw new IllegalArgumentException(SchemaRegistryConfig.URL + " is not set (FACTNET_SCHEMA_REGISTRY_URL)");
        }
        if (!streams.containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG + " is not set (FACTNET_BOOTSTRAP_SERVERS)");
        }
        if (fixedIpHoldDown.isNegative() || idempotencyRetention.isNegative() || topicPartitions < 1 || topicReplication < 1) {
            throw new IllegalArgumentException("negative durations, or fewer than one partition or replica");
        }
    }

    public static ControllerConfig from(Properties properties) {
        Map<String, Object> streams = new HashMap<>();
        streams.put(StreamsConfig.APPLICATION_ID_CONFIG, DEFAULT_APPLICATION_ID);
        streams.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        streams.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        streams.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, DEFAULT_COMMIT_INTERVAL_MS);
        Map<String, Object> registry = new HashMap<>();
        for (String key : properties.stringPropertyNames()) {
            String value = properties.getProperty(key);
            if (REGISTRY_KEYS.contains(key) || key.startsWith("schema.registry.")) {
                registry.put(key, value);
            } else if (!key.startsWith("factnet.")) {
                streams.put(key, value);
            }
        }
        return new ControllerConfig(streams, registry,
                Boolean.parseBoolean(properties.getProperty(IN_MEMORY_STORES, "false")),
                Duration.ofMillis(Long.parseLong(properties.getProperty(HOLD_DOWN_MS, "600000"))),
                Duration.ofMillis(Long.parseLong(properties.getProperty(RETENTION_MS, String.valueOf(Duration.ofDays(7).toMillis())))),
                Integer.parseInt(properties.getProperty(TOPIC_PARTITIONS, "4")),
                Short.parseShort(properties.getProperty(TOPIC_REPLICATION, "1")));
    }

    /** The properties with the environment's overrides applied (see {@link #ENVIRONMENT}). */
    public static Properties withEnvironment(Properties properties, Map<String, String> environment) {
        Properties merged = new Properties();
        merged.putAll(properties);
        for (Map.Entry<String, String> entry : environment.entrySet()) {
            String property = ENVIRONMENT.get(entry.getKey());
            if (property == null && entry.getKey().startsWith(KAFKA_ENV_PREFIX)) {
                property = entry.getKey().substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
            }
            if (property != null && !property.isEmpty()) {
                merged.setProperty(property, entry.getValue());
            }
        }
        return merged;
    }

    public String applicationId() {
        return String.valueOf(streams.get(StreamsConfig.APPLICATION_ID_CONFIG));
    }

    public Properties streamsProperties() {
        Properties properties = new Properties();
        properties.putAll(streams);
        return properties;
    }

    /** Admin client settings: the Kafka connection settings of the streams properties. */
    public Map<String, Object> adminProperties() {
        Map<String, Object> admin = new HashMap<>();
        streams.forEach((key, value) -> {
            if (key.equals(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG) || key.startsWith("security.") || key.startsWith("sasl.")
                    || key.startsWith("ssl.")) {
                admin.put(key, value);
            }
        });
        return admin;
    }

    public boolean autoRegisterSchemas() {
        return Boolean.parseBoolean(String.valueOf(registry.getOrDefault(SchemaRegistryConfig.AUTO_REGISTER, "true")));
    }
}
