package io.factnet.cli;

import io.factnet.cli.client.BrokerProbe;
import io.factnet.cli.client.ClientSettings;
import io.factnet.cli.client.KafkaClientOptions;
import io.factnet.controller.ControllerConfig;
import io.factnet.controller.http.ControllerServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code factnet controller}: the NetworkController and its HTTP API until stopped. Settings, lowest
 * first: the controller's defaults, the config file (Kafka Streams properties under their own names plus
 * {@code factnet.*}), the environment ({@code ControllerConfig.ENVIRONMENT} and {@code FACTNET_KAFKA_<NAME>}),
 * {@code -X}, then the options below. All the logic is in streams-app's {@link ControllerServer}.
 */
@Command(name = "controller", mixinStandardHelpOptions = true,
        description = {"Run the NetworkController (Kafka Streams) and its read-only HTTP API until stopped.",
                "Several controllers with the same application id share the partitions and take over from each other.",
                "--config-file and -X take Kafka Streams properties (num.stream.threads, session.timeout.ms, ...) and factnet.* ones "
                        + "(factnet.topics.partitions, ...) as well; docs/deploy.md lists the FACTNET_* variables."})
final class ControllerCommand implements Callable<Integer> {

    @Mixin
    KafkaClientOptions client = new KafkaClientOptions();

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Port of the HTTP API: /v1/..., /healthz, /metrics (env FACTNET_HTTP_PORT; default 8080; 0: any free port).")
    Integer httpPort;

    @Option(names = "--http-host", paramLabel = "ADDRESS",
            description = "Address the HTTP API listens on (env FACTNET_HTTP_HOST; default 0.0.0.0).")
    String httpHost;

    @Option(names = "--advertised-http", paramLabel = "HOST:PORT",
            description = "Where the other controllers reach this one's HTTP API, Kafka Streams' application.server "
                    + "(env FACTNET_ADVERTISED_HTTP; default this host's name and the HTTP port).")
    String advertisedHttp;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Kafka Streams state folder, one per controller on a host (env FACTNET_STATE_DIR; default /tmp/kafka-streams).")
    Path stateDir;

    @Option(names = "--application-id", paramLabel = "ID",
            description = "Kafka Streams application.id: the group the controllers share (env FACTNET_APPLICATION_ID; default "
                    + ControllerConfig.DEFAULT_APPLICATION_ID + ").")
    String applicationId;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ControllerConfig config = config(System.getenv());
        BrokerProbe.requireReachable(String.valueOf(config.streams().get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)), Duration.ofSeconds(5));
        PrintWriter out = spec.commandLine().getOut();
        try (UntilStopped untilStopped = new UntilStopped()) {
            try (ControllerServer server = ControllerServer.start(config)) {
                out.printf("factnet controller %s: HTTP API on %s:%d (others reach it at %s), state in %s; Ctrl-C stops%n",
                        config.applicationId(), config.http().host(), server.address().getPort(), server.advertised(),
                        config.streams().getOrDefault(StreamsConfig.STATE_DIR_CONFIG, "the default state folder"));
                out.flush();
                untilStopped.await();
            }
            // still inside: the JVM may exit as soon as UntilStopped lets the shutdown hook finish
            out.println("factnet controller " + config.applicationId() + " stopped");
            out.flush();
        }
        return 0;
    }

    ControllerConfig config(Map<String, String> env) {
        ClientSettings settings = client.settings(env, ControllerConfig.ENVIRONMENT);
        Properties properties = new Properties();
        properties.putAll(settings.kafka());
        properties.putAll(settings.registry());
        setIfGiven(properties, ControllerConfig.HTTP_PORT, httpPort);
        setIfGiven(properties, ControllerConfig.HTTP_HOST, httpHost);
        setIfGiven(properties, ControllerConfig.HTTP_ADVERTISED, advertisedHttp);
        setIfGiven(properties, StreamsConfig.STATE_DIR_CONFIG, stateDir);
        setIfGiven(properties, StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        return ControllerConfig.from(properties);
    }

    private static void setIfGiven(Properties properties, String key, Object value) {
        if (value != null) {
            properties.setProperty(key, value.toString());
        }
    }
}
