package io.factnet.cli.bench;

import java.util.Arrays;

/** Percentiles of a set of latencies, in microseconds. */
public record LatencySummary(int samples, long p50Micros, long p99Micros, long maxMicros) {

    public static LatencySummary of(long[] nanos, int samples) {
        if (samples == 0) {
            return new LatencySummary(0, 0, 0, 0);
        }
        long[] sorted = Arrays.copyOf(nanos, samples);
        Arrays.sort(sorted);
        return new LatencySummary(samples, percentile(sorted, 0.50) / 1000, percentile(sorted, 0.99) / 1000,
                sorted[samples - 1] / 1000);
    }

    /** Nearest-rank percentile. */
    private static long percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    @Override
    public String toString() {
        return String.format("p50 %s, p99 %s, max %s (%,d samples)", millis(p50Micros), millis(p99Micros), millis(maxMicros), samples);
    }

    private static String millis(long micros) {
        return String.format("%.1f ms", micros / 1000.0);
    }
}
