package io.factnet.reliability.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One factnet command ({@code java -cp <this JVM's class path> io.factnet.cli.Factnet <args>}) as a
 * process of its own, the way an operator runs it: its own small heap, its output (stdout and stderr)
 * appended to its own log file, killed with SIGKILL ({@link #kill()}, a crash) or stopped with SIGTERM
 * ({@link #stop(Duration)}, a clean shutdown), and started again with the same arguments. Every
 * incarnation begins with a marker line in the log, and {@link #awaitLine} only reads the current one.
 * Create it through {@link Children}, which kills whatever is left when a test ends.
 */
public final class ChildJvm {
    public static final String MAIN_CLASS = "io.factnet.cli.Factnet";

    /**
     * What to run.
     *
     * @param name    for logs and the marker lines, e.g. {@code broker}
     * @param args    the factnet command line, e.g. {@code broker --dir D}
     * @param logFile where stdout and stderr of every incarnation are appended
     * @param heapMb  -Xmx of the child
     * @param env     extra environment (e.g. {@code KAFKA_LOG_LEVEL=INFO})
     */
    public record Spec(String name, List<String> args, Path logFile, int heapMb, Map<String, String> env) {
        public Spec {
            args = List.copyOf(args);
            env = Map.copyOf(env);
        }

        public Spec(String name, List<String> args, Path logFile) {
            this(name, args, logFile, 384, Map.of());
        }
    }

    private final Spec spec;
    private Process process;
    /** Offset in the log file where the current incarnation's output begins. */
    private long outputStart;
    private int incarnation;

    ChildJvm(Spec spec) {
        this.spec = spec;
    }

    synchronized void launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(spec.name() + " is still running (pid " + process.pid() + ")");
        }
        incarnation++;
        try {
            Files.createDirectories(spec.logFile().toAbsolutePath().getParent());
            Files.writeString(spec.logFile(), "=== chaos: " + spec.name() + " start #" + incarnation + " at " + Instant.now()
                            + ": factnet " + String.join(" ", spec.args()) + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            outputStart = Files.size(spec.logFile());
            ProcessBuilder builder = new ProcessBuilder(command())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(spec.logFile().toFile()));
            builder.environment().putAll(spec.env());
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + spec.name(), e);
        }
        ChildProcesses.track(process);
    }

    private List<String> command() {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + spec.heapMb() + "m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                // the product's logging (Kafka at WARN unless KAFKA_LOG_LEVEL), not the test class path's logback-test.xml
                "-Dlogback.configurationFile=logback.xml"));
        Optional.ofNullable(System.getProperty("factnet.apicurio.home"))
                .ifPresent(home -> command.add("-Dfactnet.apicurio.home=" + home));
        command.addAll(List.of("-cp", classPath(), MAIN_CLASS));
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
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) Math.min(size - position, 1 << 20));
            channel.position(position);
            channel.read(buffer);
            return java.util.Arrays.copyOf(buffer.array(), buffer.position());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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

    /** SIGKILL, as a crash: no shutdown hook runs, nothing is flushed. Returns once the process is gone. */
    public synchronized void kill() {
        process.destroyForcibly(); // SIGKILL on Linux
        if (!waitForExit(process, Duration.ofSeconds(30))) {
            throw new IllegalStateException(spec.name() + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
        }
    }

    /** SIGTERM, a clean stop; SIGKILL after {@code grace}. Returns the exit code (143 after SIGTERM, 137 after SIGKILL). */
    public synchronized int stop(Duration grace) {
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

    /** Kills this process and anything it started. */
    synchronized void destroy() {
        if (process != null) {
            ChildProcesses.killTree(process.toHandle());
            waitForExit(process, Duration.ofSeconds(30));
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
