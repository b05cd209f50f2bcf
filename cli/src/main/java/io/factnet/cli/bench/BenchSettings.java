package io.factnet.cli.bench;

import java.time.Duration;

/**
 * What one {@code factnet bench} run measures, shared by both halves (raw Kafka baseline and factnet).
 *
 * @param count          records (requests) in the throughput phase
 * @param partitions     partitions of the topics
 * @param guarantee      exactly-once (transactions) or at-least-once
 * @param commitInterval how often a transaction is committed (Streams' commit.interval.ms)
 * @param pacedRate      records per second of the latency phase; 0 skips it
 * @param pacedCount     records in the latency phase
 */
public record BenchSettings(int count, int partitions, Guarantee guarantee, Duration commitInterval, int pacedRate,
                            int pacedCount) {

    public BenchSettings {
        if (count < 1 || partitions < 1 || pacedRate < 0 || pacedCount < 0 || commitInterval.isNegative() || commitInterval.isZero()) {
            throw new IllegalArgumentException("count and partitions must be at least 1, rate and paced count not negative,"
                    + " the commit interval positive");
        }
    }
}
