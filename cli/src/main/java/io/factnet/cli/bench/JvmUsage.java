package io.factnet.cli.bench;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * What one JVM of a benchmark run used during the measurement: peak heap (where it can be read from
 * inside: this JVM), peak resident set (Linux), and CPU seconds (user + system).
 */
public record JvmUsage(String name, OptionalLong peakHeapBytes, OptionalLong peakRssBytes, OptionalDouble cpuSeconds) {

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(name).append(':');
        peakHeapBytes.ifPresent(b -> out.append(String.format(" peak heap %,d MiB,", b >> 20)));
        peakRssBytes.ifPresent(b -> out.append(String.format(" peak RSS %,d MiB,", b >> 20)));
        cpuSeconds.ifPresent(s -> out.append(String.format(" CPU %.1f s", s)));
        return out.toString().replaceAll(",$", "");
    }
}
