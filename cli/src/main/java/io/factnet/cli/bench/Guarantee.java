package io.factnet.cli.bench;

import java.util.Map;

/**
 * Processing guarantee of a benchmark run, with the client settings Kafka Streams 4.1 itself uses for
 * it (StreamsConfig's producer and consumer overrides), so that the baseline moves records the way
 * the controller does and the ratio between them is fair.
 */
public enum Guarantee {
    EXACTLY_ONCE, AT_LEAST_ONCE;

    /** Streams' producer defaults: linger.ms 100; with exactly-once also idempotence and a 10 s transaction timeout. */
    Map<String, Object> producerSettings() {
        return this == EXACTLY_ONCE
                ? Map.of("linger.ms", 100, "enable.idempotence", true, "acks", "all",
                        "delivery.timeout.ms", Integer.MAX_VALUE, "transaction.timeout.ms", 10_000)
                : Map.of("linger.ms", 100, "enable.idempotence", true, "acks", "all");
    }

    /** Streams' consumer defaults: 1000 records a poll; read_committed with exactly-once. */
    Map<String, Object> consumerSettings() {
        return Map.of("max.poll.records", 1000, "enable.auto.commit", false, "auto.offset.reset", "earliest",
                "isolation.level", this == EXACTLY_ONCE ? "read_committed" : "read_uncommitted");
    }

    boolean transactional() {
        return this == EXACTLY_ONCE;
    }
}
