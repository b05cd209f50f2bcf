package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.ControllerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The controller's settings from defaults, the environment, -X and options; a missing broker is one line. */
class ControllerCommandTest {

    static ControllerConfig config(Map<String, String> env, String... args) {
        ControllerCommand command = new ControllerCommand();
        new CommandLine(command).parseArgs(args);
        return command.config(env);
    }

    @Test
    void defaultsGiveAWorkingControllerWithATenSecondSession() {
        ControllerConfig config = config(Map.of(), "--schema-registry-url", "mock://x");
        assertThat(config.streams()).containsEntry("bootstrap.servers", "127.0.0.1:9092")
                .containsEntry("application.id", ControllerConfig.DEFAULT_APPLICATION_ID)
                .containsEntry("processing.guarantee", "exactly_once_v2")
                .containsEntry("session.timeout.ms", ControllerConfig.DEFAULT_SESSION_TIMEOUT_MS);
        assertThat(config.http()).isEqualTo(new ControllerConfig.Http("0.0.0.0", 8080, null));
        assertThat(config.topicPartitions()).isEqualTo(4);
    }

    @Test
    void theEnvironmentSetsEverySettingAndOptionsWinOverIt() {
        Map<String, String> env = Map.of(
                "FACTNET_BOOTSTRAP_SERVERS", "kafka:19092",
                "FACTNET_SCHEMA_REGISTRY_URL", "http://registry:8080/apis/ccompat/v7",
                "FACTNET_APPLICATION_ID", "from-env",
                "FACTNET_STATE_DIR", "/env/state",
                "FACTNET_HTTP_PORT", "9000",
                "FACTNET_ADVERTISED_HTTP", "controller-1:9000",
                "FACTNET_TOPICS_PARTITIONS", "12",
                "FACTNET_KAFKA_NUM_STREAM_THREADS", "2",
                "FACTNET_KAFKA_SESSION_TIMEOUT_MS", "20000");
        ControllerConfig fromEnv = config(env);
        assertThat(fromEnv.streams()).containsEntry("bootstrap.servers", "kafka:19092").containsEntry("application.id", "from-env")
                .containsEntry("state.dir", "/env/state").containsEntry("num.stream.threads", "2")
                .containsEntry("session.timeout.ms", "20000");
        assertThat(fromEnv.registry()).containsEntry("schema.registry.url", "http://registry:8080/apis/ccompat/v7");
        assertThat(fromEnv.http()).isEqualTo(new ControllerConfig.Http("0.0.0.0", 9000, "controller-1:9000"));
        assertThat(fromEnv.topicPartitions()).isEqualTo(12);

        ControllerConfig withOptions = config(env, "--state-dir", "/opt/state", "--http-port", "9100", "--http-host", "127.0.0.1",
                "--application-id", "from-option", "-X", "num.stream.threads=3", "-X", "factnet.topics.partitions=6");
        assertThat(withOptions.streams()).containsEntry("state.dir", "/opt/state").containsEntry("application.id", "from-option")
                .containsEntry("num.stream.threads", "3");
        assertThat(withOptions.http()).isEqualTo(new ControllerConfig.Http("127.0.0.1", 9100, "controller-1:9000"));
        assertThat(withOptions.topicPartitions()).isEqualTo(6);
    }

    @Test
    void noBrokerOrBadSettingsAreOneLineAndExitOne() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        assertOneLineError(Duration.ofSeconds(10), "no Kafka broker at 127.0.0.1:" + closed,
                "controller", "--bootstrap-servers", "127.0.0.1:" + closed, "--schema-registry-url", "mock://x");
        assertOneLineError(Duration.ofSeconds(10), "factnet.http.port must be 0-65535",
                "controller", "--http-port", "70000", "--schema-registry-url", "mock://x");
        assertOneLineError(Duration.ofSeconds(10), "schema.registry.url is not set", "controller");
    }

    private static void assertOneLineError(Duration within, String message, String... args) {
        CommandLine cli = Factnet.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        long began = System.nanoTime();
        assertThat(cli.execute(args)).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(within);
        assertThat(err.toString()).startsWith("factnet: ").contains(message).doesNotContain("Exception").hasLineCount(1);
    }
}
