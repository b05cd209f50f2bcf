package io.factnet.cli.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one half of the benchmark measured.
 *
 * @param name             e.g. "raw Kafka baseline"
 * @param records          records (requests) in the throughput phase
 * @param averageBytes     average serialized value size
 * @param seconds          duration of the throughput phase, first send to last receive
 * @param latencies        labelled latency summaries (e.g. "full speed", "at 2000/s")
 * @param jvms             peak memory and CPU of each JVM during the run
 * @param notes            how it ran (settings, load), printed with the figures
 */
public record BenchResult(String name, int records, double averageBytes, double seconds,
                          Map<String, LatencySummary> latencies, List<JvmUsage> jvms, List<String> notes) {

    public BenchResult {
        latencies = new LinkedHashMap<>(latencies);
        jvms = List.copyOf(jvms);
        notes = List.copyOf(notes);
    }

    public double recordsPerSecond() {
        return records / seconds;
    }
}
