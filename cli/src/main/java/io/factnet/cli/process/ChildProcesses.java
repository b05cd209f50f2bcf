package io.factnet.cli.process;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every child process this JVM started, so that none outlives it: a test that fails (or a JVM that is
 * stopped) must not leave brokers or controllers running on a machine other engineers share. Tests close
 * their children after each test (the reliability module's {@code Children}); the shutdown hook is the last line of defence.
 */
public final class ChildProcesses {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::killAll, "chaos-children-cleanup"));
    }

    private ChildProcesses() {
    }

    static void track(Process process) {
        LIVE.add(process);
        process.onExit().thenRun(() -> LIVE.remove(process));
    }

    /** SIGKILL to the process and its descendants (the broker's registry child, for one), children first. */
    static void killTree(ProcessHandle root) {
        root.descendants().forEach(ProcessHandle::destroyForcibly);
        root.destroyForcibly();
    }

    static void killAll() {
        LIVE.forEach(process -> killTree(process.toHandle()));
    }

    /** How many started processes are still alive (tests check that cleanup worked). */
    public static int liveCount() {
        return (int) LIVE.stream().filter(Process::isAlive).count();
    }
}
