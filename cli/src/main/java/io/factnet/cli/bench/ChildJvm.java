package io.factnet.cli.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A part of the benchmark in a JVM of its own (a controller, the node agents), so that its memory and
 * CPU are its own: {@code java -Xmx.. -cp <this JVM's class path> <main class> <args>}, output to a
 * log file, stopped with SIGTERM (a clean shutdown) and killed if it does not stop. A shutdown hook
 * kills it if this JVM ends first: nothing outlives the benchmark on a shared machine.
 */
final class ChildJvm implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;
    private final Thread killOnExit;
    private OptionalLong lastPeakRss = OptionalLong.empty();

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.killOnExit = new Thread(process::destroyForcibly, "bench-child-" + name);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    static ChildJvm start(String name, int heapMb, List<String> jvmOptions, String mainClass, List<String> args,
                          Map<String, String> env, Path log) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heapMb + "m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                // the product's logging, not a test class path's logback-test.xml
                "-Dlogback.configurationFile=logback.xml"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath(), mainClass));
        command.addAll(args);
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(Redirect.appendTo(log.toFile()));
            builder.environment().putAll(env);
            return new ChildJvm(name, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** Surefire runs tests from a manifest-only jar and names the real class path in surefire.test.class.path. */
    static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /** Fails with the end of its log when it exited. */
    void requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
        }
    }

    /** The size of its log so far: where a later {@link #countInLog} starts. */
    long logSize() {
        try {
            return Files.size(log);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The lines of its log from byte {@code from} on that hold {@code needle}. */
    long countInLog(long from, String needle) {
        try (var in = Files.newInputStream(log)) {
            in.skipNBytes(Math.min(from, Files.size(log)));
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().filter(l -> l.contains(needle)).count();
        } catch (IOException e) {
            return 0;
        }
    }

    OptionalLong peakRss() {
        if (process.isAlive()) {
            lastPeakRss = ProcStat.peakRss(process.pid());
        }
        return lastPeakRss;
    }

    OptionalDouble cpuSeconds() {
        return ProcStat.cpuSeconds(process.pid());
    }

    /** SIGTERM, then SIGKILL after the timeout. */
    void stop(Duration timeout) {
        peakRss(); // the last reading before it goes
        process.destroy();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(30));
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs, and the process is gone already
        }
    }
}
