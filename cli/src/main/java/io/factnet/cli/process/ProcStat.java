package io.factnet.cli.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * What Linux's /proc says about a process: its resident set's high-water mark and the CPU time it
 * used, and the machine's load average. Empty where /proc is not there (not Linux).
 */
public final class ProcStat {
    /** Clock ticks per second of /proc/PID/stat's times (USER_HZ: 100 on every Linux this runs on). */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcStat() {
    }

    /** Peak resident set size (VmHWM) in bytes. */
    public static OptionalLong peakRss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone, or not Linux
        }
        return OptionalLong.empty();
    }

    /** User plus system CPU time the process used so far, in seconds. */
    public static OptionalDouble cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // the command name (field 2) is in parentheses and may hold spaces: count fields after its end
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
            return OptionalDouble.of((Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
    }

    /** The 1-minute load average. */
    public static OptionalDouble loadAverage() {
        try {
            return OptionalDouble.of(Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]));
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
    }
}
