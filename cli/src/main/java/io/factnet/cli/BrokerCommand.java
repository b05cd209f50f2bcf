package io.factnet.cli;

import io.factnet.embedded.ApicurioRegistry;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.topics.Topic;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The embedded broker on its own, in this process, until stopped: for local development and for
 * the reliability harness, which kills it with -9 and starts it again on the same folder.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run the embedded single-node KRaft broker (and optionally the schema registry) until stopped.")
final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--dir", required = true,
            description = "Data folder; a restart on the same folder keeps the topics and the port.")
    Path dir;

    @Option(names = "--with-registry", description = "Also start Apicurio Registry as a child process.")
    boolean withRegistry;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of factnet's topics (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = {"--broker-property", "-X"}, paramLabel = "KEY=VALUE",
            description = "A Kafka broker setting over the embedded defaults (repeatable), e.g. broker.session.timeout.ms=3000.")
    Map<String, String> brokerProperties = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (UntilStopped untilStopped = new UntilStopped();
             EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), brokerProperties);
             ApicurioRegistry registry = withRegistry ? ApicurioRegistry.start(dir.resolve("registry")) : null) {
            TopicAdmin.ensureAll(kafka.bootstrapServers(), partitions);
            // "ready" also means safe to kill -9: no new partition left without its topic id on disk
            kafka.awaitPartitionMetadata(Topics.all().stream().map(Topic::name).toList(), Duration.ofSeconds(30));
            // Machine-readable lines: the harness and scripts wait for "ready".
            out.println("bootstrap.servers=" + kafka.bootstrapServers());
            if (registry != null) {
                out.println("schema.registry.url=" + registry.confluentUrl());
            }
            out.println("ready");
            out.flush();
            untilStopped.await();
        }
        return 0;
    }
}
