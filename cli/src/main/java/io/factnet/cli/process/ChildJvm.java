package io.factnet.cli.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A part of factnet in a JVM of its own ({@code java -Xmx.. -cp <this JVM's class path> <main class> <args>}), the
 * way an operator runs it and the way the benchmark and the chaos harness need it: its own heap, so its memory and
 * CPU are its own; its output (stdout and stderr) appended to its own log file; stopped with SIGTERM
 * ({@link #stop(Duration)}, a clean shutdown) or SIGKILL ({@link #kill()}, a crash); started again with the same
 * command ({@link #restart()}). Every incarnation begins with a marker line in the log, and {@link #awaitLine} reads
 * only the current one. Every process is tracked ({@link ChildProcesses}): nothing outlives this JVM on a machine
 * others share.
 */
public final class ChildJvm implements AutoCloseable {
    /** The CLI, which runs every factnet command ({@code broker}, {@code node}, {@code controller}, ...). */
    public static final String FACTNET = "io.factnet.cli.Factnet";

    /**
     * What to run.
     *
     * @param name       for logs and the marker lines, e.g. {@code broker}
     * @param mainClass  the class whose main runs, {@link #FACTNET} for a factnet command
     * @param args       its arguments, e.g. {@code broker --dir D}
     * @param logFile    where stdout and stderr of every incarnation are appended
     * @param heapMb     -Xmx of the child
     * @param jvmOptions more JVM options (a Flight Recording, say)
     * @param env        extra environment (e.g. {@code KAFKA_LOG_LEVEL=INFO})
     */
    public record Spec(String name, String mainClass, List<String> args, Path logFile, int heapMb, List<String> jvmOptions,
                       Map<String, String> env) {
        public Spec {
            args = List.copyOf(args);
            jvmOptions = List.copyOf(jvmOptions);
            env = Map.copyOf(env);
        }

        /** A factnet command with its heap and environment. */
        public Spec(String name, List<String> args, Path logFile, int heapMb, Map<String, String> env) {
            this(name, FACTNET, args, logFile, heapMb, List.of(), env);
        }

        /** A factnet command with a small heap. */
        public Spec(String name, List<String> args, Path logFile) {
            this(name, args, logFile, 384, Map.of());
        }
    }

    private final Spec spec;
    private Process process;
    /** Offset in the log file where the current incarnation's output begins. */
    private long outputStart;
    private int incarnation;
    private OptionalLong lastPeakRss = OptionalLong.empty();

    private ChildJvm(Spec spec) {
        this.spec = spec;
    }

    /** Starts it; wait for it with {@link #awaitLine}. */
    public static ChildJvm start(Spec spec) {
        ChildJvm child = new ChildJvm(spec);
        child.launch();
        return child;
    }

    private synchronized void launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(spec.name() + " is still running (pid " + process.pid() + ")");
        }
        incarnation++;
        List<String> command = command();
        try {
            Files.createDirectories(spec.logFile().toAbsolutePath().getParent());
            Files.writeString(spec.logFile(), "=== factnet: " + spec.name() + " start #" + incarnation + " at " + Instant.now()
                            + ": " + String.join(" ", command.subList(command.indexOf(spec.mainClass()), command.size()))
                            + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            outputStart = Files.size(spec.logFile());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(spec.logFile().toFile()));
            builder.environment().putAll(spec.env());
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + spec.name(), e);
        }
        lastPeakRss = OptionalLong.empty();
        ChildProcesses.track(process);
    }

    private List<String> command() {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + spec.heapMb() + "m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                // the product's logging (Kafka at WARN unless KAFKA_LOG_LEVEL), not a test class path's logback-test.xml
                "-Dlogback.configurationFile=logback.xml"));
        Optional.ofNullable(System.getProperty("factnet.apicurio.home"))
                .ifPresent(home -> command.add("-Dfactnet.apicurio.home=" + home));
        command.addAll(spec.jvmOptions());
        command.addAll(List.of("-cp", classPath(), spec.mainClass()));
        command.addAll(spec.args());
        return command;
    }

    /**
     * The class path of this JVM. Surefire runs tests from a manifest-only jar that it deletes at the end,
     * and names the real class path in {@code surefire.test.class.path}.
     */
    static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /**
     * Waits until the current incarnation prints a line that matches (the whole line), and returns its
     * match. Fails at once when the process exits first, and at the deadline otherwise, with the end of the log.
     */
    public Matcher awaitLine(Pattern line, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long position;
        Process current;
        synchronized (this) {
            position = outputStart;
            current = process;
        }
        StringBuilder partial = new StringBuilder();
        while (true) {
            boolean exited = !current.isAlive(); // read after exit too: the line may be the last thing it wrote
            byte[] chunk = readFrom(position);
            position += chunk.length;
            partial.append(new String(chunk, StandardCharsets.UTF_8)); // factnet's lines are ASCII
            int newline;
            while ((newline = partial.indexOf("\n")) >= 0) {
                String text = partial.substring(0, newline).stripTrailing();
                partial.delete(0, newline + 1);
                Matcher matcher = line.matcher(text);
                if (matcher.matches()) {
                    return matcher;
                }
            }
            if (exited) {
                throw new IllegalStateException(spec.name() + " exited with " + current.exitValue() + " before printing "
                        + line.pattern() + "; end of " + spec.logFile() + ":\n" + tail(40));
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException(spec.name() + " did not print " + line.pattern() + " within " + timeout
                        + "; end of " + spec.logFile() + ":\n" + tail(40));
            }
            waitForExit(current, Duration.ofMillis(50)); // the poll interval; returns early if it dies
        }
    }

    /** The bytes the log file gained after a byte offset (at most 1 MiB at a time). */
    private byte[] readFrom(long position) {
        try (var channel = Files.newByteChannel(spec.logFile(), StandardOpenOption.READ)) {
            long size = channel.size();
            if (size <= position) {
                return new byte[0];
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size - position, 1 << 20));
            channel.position(position);
            channel.read(buffer);
            return Arrays.copyOf(buffer.array(), buffer.position());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The size of its log so far: where a later {@link #countInLog} starts. */
    public long logSize() {
        try {
            return Files.size(spec.logFile());
        } catch (IOException e) {
            return 0;
        }
    }

    /** The lines of its log from byte {@code from} on that hold {@code needle}. */
    public long countInLog(long from, String needle) {
        try (var in = Files.newInputStream(spec.logFile())) {
            in.skipNBytes(Math.min(from, Files.size(spec.logFile())));
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> l.contains(needle)).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last lines of the log, for failure messages. */
    public String tail(int lines) {
        List<String> all = logLines();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Every line of the log file, all incarnations. */
    public List<String> logLines() {
        try {
            return Files.exists(spec.logFile()) ? Files.readAllLines(spec.logFile(), StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails, naming its log, when it exited. */
    public synchronized void requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(spec.name() + " exited with " + process.exitValue() + "; see " + spec.logFile());
        }
    }

    /** Its peak resident set (VmHWM) while it runs; the last reading once it is gone. */
    public synchronized OptionalLong peakRss() {
        if (process.isAlive()) {
            lastPeakRss = ProcStat.peakRss(process.pid());
        }
        return lastPeakRss;
    }

    /** The CPU time it used so far (empty once it is gone). */
    public synchronized OptionalDouble cpuSeconds() {
        return ProcStat.cpuSeconds(process.pid());
    }

    /** SIGKILL, as a crash: no shutdown hook runs, nothing is flushed. Returns once the process is gone. */
    public synchronized void kill() {
        process.destroyForcibly(); // SIGKILL on Linux
        if (!waitForExit(process, Duration.ofSeconds(30))) {
            throw new IllegalStateException(spec.name() + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
        }
    }

    /** SIGTERM, a clean stop; SIGKILL after {@code grace}. Returns the exit code (143 after SIGTERM, 137 after SIGKILL). */
    public synchronized int stop(Duration grace) {
        peakRss(); // the last reading before it goes
        process.destroy(); // SIGTERM: factnet's commands close their clients and brokers in a shutdown hook
        if (!waitForExit(process, grace)) {
            kill();
        }
        return process.exitValue();
    }

    /** Starts the same command again; the previous incarnation must have ended. */
    public void restart() {
        launch();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process.pid();
    }

    public String name() {
        return spec.name();
    }

    public Path log() {
        return spec.logFile();
    }

    /** Kills this process and anything it started. */
    public synchronized void destroy() {
        if (process != null) {
            ChildProcesses.killTree(process.toHandle());
            waitForExit(process, Duration.ofSeconds(30));
        }
    }

    /** A clean stop (30 s of grace) if it still runs. */
    @Override
    public void close() {
        if (isAlive()) {
            stop(Duration.ofSeconds(30));
        }
    }

    private static boolean waitForExit(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for pid " + process.pid(), e);
        }
    }

    @Override
    public String toString() {
        return spec.name() + (process != null ? " (pid " + process.pid() + ")" : "");
    }
}
