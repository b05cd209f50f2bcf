package io.factnet.reliability.process;

import io.factnet.cli.process.ChildJvm;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code factnet controller} as its own process, as an operator runs it: its own state folder and HTTP
 * port, the application id it shares with the other controllers. It is started again on the same folder
 * and port after a kill -9 or a clean stop. "Started" is the line the command prints once its Kafka
 * Streams instance and HTTP API are up; "running" is {@code /healthz} answering 200 (every task assigned
 * and restored).
 */
public final class ControllerProcess {
    private static final Pattern STARTED = Pattern.compile("factnet controller \\S+: HTTP API on .*");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    public static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final ChildJvm jvm;
    private final int httpPort;

    private ControllerProcess(ChildJvm jvm, int httpPort) {
        this.jvm = jvm;
        this.httpPort = httpPort;
    }

    /**
     * @param settings extra {@code -X} settings (Kafka Streams or factnet properties)
     */
    public static ControllerProcess start(Children children, String name, String bootstrapServers, String registryUrl,
                                          String applicationId, Path stateDir, int httpPort, List<String> settings) {
        ControllerProcess controller = launch(children, name, bootstrapServers, registryUrl, applicationId, stateDir, httpPort, settings);
        controller.awaitStarted();
        return controller;
    }

    /** Starts the process without waiting for it (start several at once, then {@link #awaitStarted()} each). */
    public static ControllerProcess launch(Children children, String name, String bootstrapServers, String registryUrl,
                                           String applicationId, Path stateDir, int httpPort, List<String> settings) {
        List<String> args = new java.util.ArrayList<>(List.of("controller", "--bootstrap-servers", bootstrapServers,
                "--schema-registry-url", registryUrl, "--application-id", applicationId, "--state-dir", stateDir.toString(),
                "--http-host", "127.0.0.1", "--http-port", String.valueOf(httpPort),
                "--advertised-http", "127.0.0.1:" + httpPort));
        settings.forEach(setting -> args.addAll(List.of("-X", setting)));
        ChildJvm.Spec spec = new ChildJvm.Spec(name, args, stateDir.resolveSibling(name + ".log"), 512, Map.of());
        return new ControllerProcess(children.start(spec), httpPort);
    }

    /** Waits for the line the controller prints once its Kafka Streams instance and HTTP API are up. */
    public void awaitStarted() {
        jvm.awaitLine(STARTED, START_TIMEOUT);
    }

    /** Waits until {@code /healthz} says RUNNING: its Kafka Streams instance has its tasks and has restored them. */
    public void awaitRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!running()) {
            if (!jvm.isAlive()) {
                throw new IllegalStateException(jvm + " exited; end of its log:\n" + jvm.tail(40));
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException(jvm + " is not RUNNING after " + timeout + "; end of its log:\n" + jvm.tail(40));
            }
            pause();
        }
    }

    /** True when {@code /healthz} answers 200 (RUNNING). */
    public boolean running() {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/healthz"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted asking " + jvm + " for its health", e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200); // polling /healthz with a deadline
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** kill -9: no shutdown hook, no LeaveGroup; the group notices after the session timeout. */
    public void kill() {
        jvm.kill();
    }

    /** SIGTERM: the controller closes its Kafka Streams instance and leaves the group. Returns the exit code. */
    public int stop() {
        return jvm.stop(Duration.ofSeconds(60));
    }

    /** Starts it again on the same state folder and port, and waits for its start line. */
    public void restart() {
        jvm.restart();
        awaitStarted();
    }

    public boolean isAlive() {
        return jvm.isAlive();
    }

    public ChildJvm jvm() {
        return jvm;
    }

    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }
}
