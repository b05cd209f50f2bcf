package io.factnet.cli.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * CPU time of this JVM split by its threads: the bench JVM runs the broker and the load driver side by
 * side, and only their threads tell them apart. The process's total comes from the
 * {@code OperatingSystemMXBean} (user + system, nanoseconds); each live Java thread's from the
 * {@code ThreadMXBean}. What no Java thread accounts for (GC and VM threads, threads that ended
 * between the two snapshots) is reported as such, not given to either side.
 */
final class ThreadCpu {

    /** One reading: the process's CPU time and each live thread's, by id, with its name. */
    record Snapshot(long processNanos, Map<Long, Long> threadNanos, Map<Long, String> names) {
    }

    /**
     * CPU between two snapshots.
     *
     * @param selected     the threads the predicate selected (alive at both readings or started between)
     * @param others       the other Java threads
     * @param unattributed the process's total less every Java thread's: GC, JIT and VM threads, threads gone meanwhile
     */
    record Split(long processNanos, long selected, long others, long unattributed) {
    }

    private ThreadCpu() {
    }

    static Snapshot take() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        if (threads.isThreadCpuTimeSupported()) {
            if (!threads.isThreadCpuTimeEnabled()) {
                threads.setThreadCpuTimeEnabled(true);
            }
            for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
                if (info == null) {
                    continue; // ended since getAllThreadIds
                }
                long nanos = threads.getThreadCpuTime(info.getThreadId());
                if (nanos >= 0) {
                    cpu.put(info.getThreadId(), nanos);
                    names.put(info.getThreadId(), info.getThreadName());
                }
            }
        }
        return new Snapshot(processCpuNanos(), cpu, names);
    }

    /** This process's CPU time (user + system) from the OperatingSystemMXBean, or -1 where it is not offered. */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** The CPU each selected thread used between the two snapshots, by thread name. */
    static Map<String, Long> perThread(Snapshot before, Snapshot after, Predicate<String> selected) {
        Map<String, Long> used = new TreeMap<>();
        after.threadNanos().forEach((id, nanos) -> {
            String name = after.names().get(id);
            if (selected.test(name)) {
                used.merge(name, nanos - before.threadNanos().getOrDefault(id, 0L), Long::sum);
            }
        });
        return used;
    }

    /** The CPU used between {@code before} and {@code after}, split by {@code selected} (a thread's name). */
    static Split between(Snapshot before, Snapshot after, Predicate<String> selected) {
        long chosen = 0;
        long others = 0;
        for (Map.Entry<Long, Long> thread : after.threadNanos().entrySet()) {
            long used = thread.getValue() - before.threadNanos().getOrDefault(thread.getKey(), 0L);
            if (used <= 0) {
                continue;
            }
            if (selected.test(after.names().get(thread.getKey()))) {
                chosen += used;
            } else {
                others += used;
            }
        }
        long process = after.processNanos() - before.processNanos();
        return new Split(process, chosen, others, Math.max(0, process - chosen - others));
    }
}
