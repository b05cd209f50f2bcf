package io.factnet.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apicurio Registry as a child process, serving the Confluent-compatible API at
 * {@code /apis/ccompat/v7} on loopback. The build unpacks it from Maven Central into
 * embedded/target/apicurio; {@code factnet.apicurio.home} (or FACTNET_APICURIO_HOME) points there.
 */
public final class ApicurioRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApicurioRegistry.class);
    public static final String HOME_PROPERTY = "factnet.apicurio.home";
    public static final String CCOMPAT_PATH = "/apis/ccompat/v7";

    private final Process process;
    private final int port;
    private final Path logFile;
    private final Thread shutdownHook;

    private ApicurioRegistry(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
        this.shutdownHook = new Thread(process::destroy, "apicurio-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts the registry (its log under {@code workDir}) and waits until its Confluent API answers. */
    public static ApicurioRegistry start(Path workDir) {
        return start(workDir, java.util.Map.of());
    }

    /**
     * The same with settings in its environment, as a container gets them ({@code APICURIO_STORAGE_KIND=kafkasql}, ...);
     * without them it keeps the schemas in memory.
     */
    public static ApicurioRegistry start(Path workDir, java.util.Map<String, String> environment) {
        long began = System.nanoTime();
        Path runner = runnerJar().orElseThrow(() -> new IllegalStateException(
                "Apicurio Registry is not unpacked: build once with ./mvnw -pl embedded generate-resources"
                        + " (looked in " + homeCandidates() + ")"));
        try {
            Files.createDirectories(workDir);
            int port = EmbeddedKafka.freePort();
            Path logFile = workDir.resolve("apicurio.log");
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            List<String> command = new ArrayList<>(List.of(java.toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                    "-Dquarkus.log.level=WARN",
                    "-jar", runner.toString()));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            Process process = builder
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .start();
            ApicurioRegistry registry = new ApicurioRegistry(process, port, logFile);
            registry.awaitReady(Duration.ofSeconds(90));
            log.info("Apicurio Registry ready at {} in {} ms (pid {})", registry.confluentUrl(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), process.pid());
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Apicurio Registry", e);
        }
    }

    private static List<Path> homeCandidates() {
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(System.getProperty(HOME_PROPERTY)).map(Path::of).ifPresent(candidates::add);
        Optional.ofNullable(System.getenv("FACTNET_APICURIO_HOME")).map(Path::of).ifPresent(candidates::add);
        candidates.add(Path.of("embedded", "target", "apicurio"));
        candidates.add(Path.of("..", "embedded", "target", "apicurio"));
        return candidates;
    }

    static Optional<Path> runnerJar() {
        for (Path home : homeCandidates()) {
            if (!Files.isDirectory(home)) {
                continue;
            }
            try (Stream<Path> files = Files.list(home)) {
                Optional<Path> jar = files.filter(f -> f.getFileName().toString().endsWith("-runner.jar")).findFirst();
                if (jar.isPresent()) {
                    return Optional.of(jar.get().toAbsolutePath());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Optional.empty();
    }

    /** The last lines of its log, for a failure's message (the log's folder may be gone when someone reads it). */
    private String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(confluentUrl() + "/subjects"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Apicurio Registry exited with " + process.exitValue()
                        + "; see " + logFile + ", which ends:\n" + logTail(20));
            }
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS); // polls, and returns at once if it dies
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
        throw new IllegalStateException("Apicurio Registry did not answer within " + timeout + "; see " + logFile);
    }

    /** The base URL of the Confluent-compatible API, the value of {@code schema.registry.url}. */
    public String confluentUrl() {
        return "http://127.0.0.1:" + port + CCOMPAT_PATH;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }
}
