package io.factnet.controller.http;

import io.factnet.controller.ControllerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a controller until the JVM is stopped. Configuration: an optional properties file (the first
 * argument), then the environment: FACTNET_BOOTSTRAP_SERVERS, FACTNET_SCHEMA_REGISTRY_URL, FACTNET_APPLICATION_ID,
 * FACTNET_STATE_DIR, FACTNET_STORES_IN_MEMORY, FACTNET_FIXED_IP_HOLD_DOWN_MS, FACTNET_IDEMPOTENCY_RETENTION_MS,
 * FACTNET_INSTANCE_GONE_RELEASE_AFTER_MS,
 * FACTNET_TOPICS_PARTITIONS, FACTNET_TOPICS_REPLICATION, FACTNET_HTTP_HOST, FACTNET_HTTP_PORT, FACTNET_ADVERTISED_HTTP,
 * and FACTNET_KAFKA_&lt;NAME&gt; for any Kafka property (FACTNET_KAFKA_NUM_STREAM_THREADS=2 sets num.stream.threads).
 * Serves the HTTP API ({@link ControllerServer}). {@code factnet controller} is the same with command-line options.
 */
public final class ControllerApp {
    private ControllerApp() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 1) {
            System.err.println("usage: ControllerApp [controller.properties]");
            System.exit(2);
        }
        Properties properties = new Properties();
        if (args.length == 1) {
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                properties.load(in);
            }
        }
        ControllerConfig config = ControllerConfig.from(ControllerConfig.withEnvironment(properties, System.getenv()));
        CountDownLatch stopped = new CountDownLatch(1);
        ControllerServer server = ControllerServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "factnet-controller-shutdown"));
        stopped.await();
    }
}
