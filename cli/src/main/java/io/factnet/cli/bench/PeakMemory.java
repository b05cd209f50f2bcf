package io.factnet.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Peak memory of this JVM over a measurement: the heap (sum of the heap pools' peaks, an upper bound)
 * and the resident set's high-water mark from /proc (Linux; reset at the start where the kernel allows).
 */
public final class PeakMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    /** Bytes; rss is empty where /proc is not there. */
    public record Usage(long heapBytes, OptionalLong rssBytes) {
        @Override
        public String toString() {
            return String.format("peak heap %,d MiB%s", heapBytes >> 20,
                    rssBytes.isPresent() ? String.format(", peak RSS %,d MiB", rssBytes.getAsLong() >> 20) : "");
        }
    }

    private PeakMemory() {
    }

    static void reset() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        try {
            Files.writeString(CLEAR_REFS, "5"); // 5: reset the resident set's high-water mark
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // not Linux, or not allowed: the high-water mark then counts from the JVM's start
        }
    }

    static Usage peak() {
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heap += pool.getPeakUsage().getUsed();
            }
        }
        return new Usage(heap, rssHighWaterMark());
    }

    private static OptionalLong rssHighWaterMark() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return OptionalLong.empty();
    }
}
