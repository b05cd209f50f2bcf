package io.factnet.cli.bench;

import io.factnet.cli.process.ProcStat;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Peak memory and CPU of this JVM over a measurement: the heap (sum of the heap pools' peaks, an upper
 * bound), the resident set's high-water mark from /proc (Linux; reset at the start where the kernel
 * allows) and the CPU time used since the start.
 */
public final class PeakMemory {
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final long SELF = ProcessHandle.current().pid();

    /** The start of a measurement: the CPU time used until then. */
    public record Mark(OptionalDouble cpuSeconds) {
    }

    private PeakMemory() {
    }

    static Mark reset() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        try {
            Files.writeString(CLEAR_REFS, "5"); // 5: reset the resident set's high-water mark
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // not Linux, or not allowed: the high-water mark then counts from the JVM's start
        }
        return new Mark(ProcStat.cpuSeconds(SELF));
    }

    static JvmUsage since(Mark mark, String name) {
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heap += pool.getPeakUsage().getUsed();
            }
        }
        return new JvmUsage(name, OptionalLong.of(heap), ProcStat.peakRss(SELF), minus(ProcStat.cpuSeconds(SELF), mark.cpuSeconds()));
    }

    static OptionalDouble minus(OptionalDouble now, OptionalDouble before) {
        return now.isPresent() && before.isPresent() ? OptionalDouble.of(now.getAsDouble() - before.getAsDouble()) : OptionalDouble.empty();
    }
}
