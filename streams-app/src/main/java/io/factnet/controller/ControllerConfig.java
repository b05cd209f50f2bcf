package io.factnet.controller;

import io.factnet.controller.stage.CommitPacing;
import io.factnet.controller.stage.FloatingStock;
import io.factnet.controller.stage.NetworkStock;
import io.factnet.registry.SchemaRegistryConfig;
import io.factnet.topics.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
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
 * @param eventRetention       {@value #EVENT_RETENTION_MS}: how long the event topics it creates keep their records
 *                             (requests, results, node events, dead letters: the history; negative: for ever)
 * @param nodeHistory          {@value #NODE_HISTORY_MS}: how long the node topics it creates keep a superseded record
 *                             ({@code min.compaction.lag.ms}): how far back {@code factnet replay --at} is exact (ADR 0036)
 * @param http                 {@value #HTTP_HOST}, {@value #HTTP_PORT}, {@value #HTTP_ADVERTISED}: the read-only HTTP API
 * @param releaseGoneAfter     {@value #RELEASE_GONE_AFTER_MS}: how long an instance stays down (InstanceGone) before its fixed IP is
 *                             released by the controller; zero: at once; negative (the default): never, the address stays
 *                             the instance's until the project releases it (ADR 0031)
 * @param floatingStock        {@value #FLOATING_STOCK} (default 4) and {@value #FLOATING_STOCK_LOW} (default 2): how many floating
 *                             addresses of a pool a project holds in stock at most, and the stock below which a refill claim
 *                             goes out (ADR 0039); a size of 0 turns the stock off
 * @param networkStock         {@value #NETWORK_STOCK} (default 4) and {@value #NETWORK_STOCK_LOW} (default 2): how many network
 *                             slots (a VLAN and a block) of a physical network a project-stage task holds at most, and the
 *                             stock below which a refill claim goes out (ADR 0044); a size of 0 turns the slots off
 * @param commitPacing         {@value #COMMIT_QUICK_MS} (default 20) and {@value #COMMIT_BUSY_SHARE} (default 0.5) with
 *                             {@code commit.interval.ms} (default 100): the adaptive commit (ADR 0045)
 */
public record ControllerConfig(Map<String, Object> streams, Map<String, Object> registry, boolean inMemoryStores,
                               Duration fixedIpHoldDown, Duration idempotencyRetention, int topicPartitions,
                               short topicReplication, Duration eventRetention, Duration nodeHistory, Http http,
                               Duration releaseGoneAfter, FloatingStock floatingStock, NetworkStock networkStock,
                               CommitPacing commitPacing) {

    /**
     * Where the HTTP API listens, and the {@code host:port} the other controllers reach it at (Kafka Streams'
     * {@code application.server}, by which queries are routed); null: this host's name and the bound port.
     */
    public record Http(String host, int port, String advertised) {
        public Http {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(HTTP_PORT + " must be 0-65535 (0: any free port): " + port);
            }
            if (advertised != null && !advertised.matches("[^:/\\s]+:[0-9]{1,5}")) {
                throw new IllegalArgumentException(HTTP_ADVERTISED + " must be host:port: " + advertised);
            }
        }
    }

    public static final String IN_MEMORY_STORES = "factnet.stores.in-memory";
    public static final String HOLD_DOWN_MS = "factnet.fixed-ip.hold-down.ms";
    public static final String RETENTION_MS = "factnet.idempotency.retention.ms";
    public static final String RELEASE_GONE_AFTER_MS = "factnet.instance-gone.release-after.ms";
    public static final String FLOATING_STOCK = FloatingStock.SIZE;
    public static final String FLOATING_STOCK_LOW = FloatingStock.LOW;
    public static final String NETWORK_STOCK = NetworkStock.SIZE;
    public static final String NETWORK_STOCK_LOW = NetworkStock.LOW;
    public static final String COMMIT_QUICK_MS = CommitPacing.QUICK_MS;
    public static final String COMMIT_BUSY_SHARE = CommitPacing.BUSY_SHARE;
    public static final String TOPIC_PARTITIONS = "factnet.topics.partitions";
    public static final String TOPIC_REPLICATION = "factnet.topics.replication";
    public static final String EVENT_RETENTION_MS = "factnet.topics.event-retention.ms";
    public static final String NODE_HISTORY_MS = "factnet.topics.node-history.ms";
    public static final String HTTP_HOST = "factnet.http.host";
    public static final String HTTP_PORT = "factnet.http.port";
    public static final String HTTP_ADVERTISED = "factnet.http.advertised";
    public static final String DEFAULT_APPLICATION_ID = "factnet-controller";
    /**
     * factnet.commit.quick.ms unless set: how often a lightly loaded stream thread commits. With exactly-once a
     * result, a claim or a grant is visible only once its transaction commits, and a pool saga (a floating IP, a
     * new network) is three to five such hops in a row, with the project's later requests waiting behind it:
     * 20 ms cut a floating allocation at low load from about 430 ms to 90 ms (docs/adr/0016). Under load each
     * commit costs CPU that the requests need, so a busy thread waits for commit.interval.ms (ADR 0045).
     */
    public static final int DEFAULT_COMMIT_QUICK_MS = 20;
    /** factnet.commit.busy-share unless set: above this share of a quick tick spent processing, a thread is busy (ADR 0045). */
    public static final double DEFAULT_COMMIT_BUSY_SHARE = 0.5;
    /**
     * commit.interval.ms unless set (Streams' exactly-once default: 100): how often a busy stream thread commits, the
     * longest a result waits for its transaction under load. Below it the adaptive commit asks for commits every
     * {@value #DEFAULT_COMMIT_QUICK_MS} ms while the thread is lightly loaded (ADR 0045; 20 ms for every commit before,
     * ADR 0016).
     */
    public static final int DEFAULT_COMMIT_INTERVAL_MS = 100;
    /**
     * poll.ms unless set (Streams' default: 100). A stream thread with nothing to read blocks in poll for
     * this long, and a commit that falls due meanwhile waits for it: with 100 ms every saga hop at low
     * load took up to 100 ms whatever the commit interval. Keep it well below the commit interval.
     */
    public static final int DEFAULT_POLL_MS = 5;
    /**
     * The producer's retry.backoff.ms unless retry.backoff.ms or producer.retry.backoff.ms is set (Kafka's
     * default: 100). With transactions v2 (Kafka 4.x) a transaction's partitions are added on the produce
     * path, and the first produce of a transaction begun while the coordinator still writes the previous
     * one's markers fails with CONCURRENT_TRANSACTIONS once the broker's own retries
     * (add.partitions.to.txn.retry.backoff.ms 20, at most add.partitions.to.txn.retry.backoff.max.ms 100)
     * run out; the producer then retries after retry.backoff.ms. With 100 ms that wait came on top of the
     * 20 ms commit interval and made the p99 spikes of issue 10. 20 ms is what the producer itself used
     * for this error before transactions v2 (ADD_PARTITIONS_RETRY_BACKOFF_MS). The backoff still doubles
     * per failed attempt (jitter 20 %) up to retry.backoff.max.ms, 1 s by default, so a broker that is away
     * is not hammered; the other retries of the producer (metadata, coordinator lookups) share this base.
     * Only the producer: the consumers and the admin client keep Kafka's. docs/adr/0027.
     */
    public static final int DEFAULT_PRODUCER_RETRY_BACKOFF_MS = 20;
    /**
     * How long the group waits for a controller that stopped without leaving (killed, crashed, cut off)
     * before its tasks move to the others: Kafka's 45 s would stop those projects' requests for 45 s.
     * 10 s (Kafka's default before 3.0) still rides out a long GC pause; a clean stop leaves at once.
     */
    public static final int DEFAULT_SESSION_TIMEOUT_MS = 10_000;
    /**
     * max.poll.interval.ms unless set (Kafka's default: 300 s), which is also how long a rebalance waits for
     * a member to rejoin. The long chaos run saw a stream thread stuck in its producer after a broker kill -9
     * while the other controller had rejoined: every project waited the full 300 s. A controller thread
     * polls every few milliseconds when healthy (restoration runs on its own thread), so one minute only
     * cuts a stuck one out sooner; docs/RELIABILITY.md.
     */
    public static final int DEFAULT_MAX_POLL_INTERVAL_MS = 60_000;
    /**
     * The registry client's timeout per call (its own default is 10 s). A schema lookup runs in a stream thread inside
     * an exactly-once transaction, whose timeout is 10 s: one call that hangs must not outlast it. The decode stage
     * retries a registry without an answer for 3 s (ADR 0020), so a lookup costs at most about 5 s before the thread
     * is replaced.
     */
    public static final String DEFAULT_REGISTRY_TIMEOUT_MS = "2000";

    private static final Set<String> REGISTRY_KEYS = Set.of(SchemaRegistryConfig.URL, SchemaRegistryConfig.CREDENTIALS_SOURCE,
            SchemaRegistryConfig.USER_INFO, SchemaRegistryConfig.TIMEOUT_MS, SchemaRegistryConfig.AUTO_REGISTER);

    /** Environment variables that set one property each (the rest: FACTNET_KAFKA_NUM_STREAM_THREADS -> num.stream.threads). */
    public static final Map<String, String> ENVIRONMENT = Map.ofEntries(
            Map.entry("FACTNET_BOOTSTRAP_SERVERS", StreamsConfig.BOOTSTRAP_SERVERS_CONFIG),
            Map.entry("FACTNET_SCHEMA_REGISTRY_URL", SchemaRegistryConfig.URL),
            Map.entry("FACTNET_APPLICATION_ID", StreamsConfig.APPLICATION_ID_CONFIG),
            Map.entry("FACTNET_STATE_DIR", StreamsConfig.STATE_DIR_CONFIG),
            Map.entry("FACTNET_STORES_IN_MEMORY", IN_MEMORY_STORES),
            Map.entry("FACTNET_FIXED_IP_HOLD_DOWN_MS", HOLD_DOWN_MS),
            Map.entry("FACTNET_IDEMPOTENCY_RETENTION_MS", RETENTION_MS),
            Map.entry("FACTNET_INSTANCE_GONE_RELEASE_AFTER_MS", RELEASE_GONE_AFTER_MS),
            Map.entry("FACTNET_FLOATING_STOCK", FLOATING_STOCK),
            Map.entry("FACTNET_FLOATING_STOCK_LOW", FLOATING_STOCK_LOW),
            Map.entry("FACTNET_NETWORK_STOCK", NETWORK_STOCK),
            Map.entry("FACTNET_NETWORK_STOCK_LOW", NETWORK_STOCK_LOW),
            Map.entry("FACTNET_COMMIT_QUICK_MS", COMMIT_QUICK_MS),
            Map.entry("FACTNET_COMMIT_BUSY_SHARE", COMMIT_BUSY_SHARE),
            Map.entry("FACTNET_TOPICS_PARTITIONS", TOPIC_PARTITIONS),
            Map.entry("FACTNET_TOPICS_REPLICATION", TOPIC_REPLICATION),
            Map.entry("FACTNET_TOPICS_EVENT_RETENTION_MS", EVENT_RETENTION_MS),
            Map.entry("FACTNET_TOPICS_NODE_HISTORY_MS", NODE_HISTORY_MS),
            Map.entry("FACTNET_HTTP_HOST", HTTP_HOST),
            Map.entry("FACTNET_HTTP_PORT", HTTP_PORT),
            Map.entry("FACTNET_ADVERTISED_HTTP", HTTP_ADVERTISED));
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
        if (nodeHistory.isNegative()) {
            throw new IllegalArgumentException(NODE_HISTORY_MS + " cannot be negative (it is the node topics' min.compaction.lag.ms): "
                    + nodeHistory.toMillis());
        }
    }

    public static ControllerConfig from(Properties properties) {
        Map<String, Object> streams = new HashMap<>();
        streams.put(StreamsConfig.APPLICATION_ID_CONFIG, DEFAULT_APPLICATION_ID);
        streams.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        streams.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        streams.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, DEFAULT_COMMIT_INTERVAL_MS);
        streams.put(StreamsConfig.POLL_MS_CONFIG, DEFAULT_POLL_MS);
        streams.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, DEFAULT_SESSION_TIMEOUT_MS);
        streams.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, DEFAULT_MAX_POLL_INTERVAL_MS);
        Map<String, Object> registry = new HashMap<>();
        registry.put(SchemaRegistryConfig.TIMEOUT_MS, DEFAULT_REGISTRY_TIMEOUT_MS);
        for (String key : properties.stringPropertyNames()) {
            String value = properties.getProperty(key);
            if (REGISTRY_KEYS.contains(key) || key.startsWith("schema.registry.")) {
                registry.put(key, value);
            } else if (!key.startsWith("factnet.")) {
                streams.put(key, value);
            }
        }
        if (!streams.containsKey(ProducerConfig.RETRY_BACKOFF_MS_CONFIG)
                && !streams.containsKey(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG))) {
            // an operator's retry.backoff.ms (all clients) wins: Streams would let the prefixed one override it
            streams.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), DEFAULT_PRODUCER_RETRY_BACKOFF_MS);
        }
        return new ControllerConfig(streams, registry,
                Boolean.parseBoolean(properties.getProperty(IN_MEMORY_STORES, "false")),
                Duration.ofMillis(number(properties, HOLD_DOWN_MS, 600_000)),
                Duration.ofMillis(number(properties, RETENTION_MS, Duration.ofDays(7).toMillis())),
                (int) number(properties, TOPIC_PARTITIONS, 4),
                (short) number(properties, TOPIC_REPLICATION, 1),
                Duration.ofMillis(number(properties, EVENT_RETENTION_MS, Topic.DEFAULT_EVENT_RETENTION.toMillis())),
                Duration.ofMillis(number(properties, NODE_HISTORY_MS, Topic.DEFAULT_NODE_HISTORY.toMillis())),
                new Http(properties.getProperty(HTTP_HOST, "0.0.0.0"), (int) number(properties, HTTP_PORT, 8080),
                        properties.getProperty(HTTP_ADVERTISED)),
                Duration.ofMillis(number(properties, RELEASE_GONE_AFTER_MS, -1)),
                new FloatingStock((int) number(properties, FLOATING_STOCK, FloatingStock.DEFAULT.size()),
                        (int) number(properties, FLOATING_STOCK_LOW, Math.min(FloatingStock.DEFAULT.low(),
                                (int) number(properties, FLOATING_STOCK, FloatingStock.DEFAULT.size())))),
                new NetworkStock((int) number(properties, NETWORK_STOCK, NetworkStock.DEFAULT.size()),
                        (int) number(properties, NETWORK_STOCK_LOW, Math.min(NetworkStock.DEFAULT.low(),
                                (int) number(properties, NETWORK_STOCK, NetworkStock.DEFAULT.size())))),
                new CommitPacing(number(properties, COMMIT_QUICK_MS, DEFAULT_COMMIT_QUICK_MS),
                        fraction(properties, COMMIT_BUSY_SHARE, DEFAULT_COMMIT_BUSY_SHARE),
                        number(streams, StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)));
    }

    private static double fraction(Properties properties, String key, double defaultValue) {
        String value = properties.getProperty(key);
        try {
            return value == null ? defaultValue : Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number: " + value);
        }
    }

    private static long number(Map<String, Object> streams, String key) {
        String value = String.valueOf(streams.get(key)).trim();
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number: " + value);
        }
    }

    private static long number(Properties properties, String key, long defaultValue) {
        String value = properties.getProperty(key);
        try {
            return value == null ? defaultValue : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number: " + value);
        }
    }

    /** This config with {@code application.server} set: where the others send queries for this instance's keys. */
    public ControllerConfig withApplicationServer(String hostAndPort) {
        Map<String, Object> withServer = new HashMap<>(streams);
        withServer.put(StreamsConfig.APPLICATION_SERVER_CONFIG, hostAndPort);
        return new ControllerConfig(withServer, registry, inMemoryStores, fixedIpHoldDown, idempotencyRetention,
                topicPartitions, topicReplication, eventRetention, nodeHistory, http, releaseGoneAfter, floatingStock,
                networkStock, commitPacing);
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
