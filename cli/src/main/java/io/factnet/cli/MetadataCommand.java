package io.factnet.cli;

import io.factnet.cli.client.ClientSettings;
import io.factnet.cli.client.KafkaClientOptions;
import io.factnet.node.metadata.MetadataServer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code factnet metadata}: the instances' metadata service (ADR 0033). Reads the fixed-ip, floating-ip and
 * instance-metadata facts from Kafka and answers cloud-init's OpenStack and EC2 paths for the instance whose fixed
 * address is the connection's source. The routing node DNATs 169.254.169.254:80 to it ({@code factnet node
 * --metadata-server ADDRESS:PORT}); all the logic is in node-consumers' {@link MetadataServer}.
 */
@Command(name = "metadata", mixinStandardHelpOptions = true,
        description = "Serve instances' metadata (OpenStack meta_data.json, EC2 meta-data, user data) to the address each asks from.")
final class MetadataCommand implements Callable<Integer> {

    @Mixin
    KafkaClientOptions client = new KafkaClientOptions();

    @Option(names = "--listen-address", defaultValue = "${env:FACTNET_METADATA_LISTEN_ADDRESS:-0.0.0.0}",
            description = "Address to listen on: one the routing node DNATs to (env FACTNET_METADATA_LISTEN_ADDRESS).")
    String listenAddress;

    @Option(names = "--port", defaultValue = "${env:FACTNET_METADATA_PORT:-" + MetadataServer.DEFAULT_PORT + "}",
            description = "TCP port (env FACTNET_METADATA_PORT; default 8775, nova's).")
    int port;

    @Option(names = "--availability-zone", defaultValue = "${env:FACTNET_AVAILABILITY_ZONE:-nova}",
            description = "The availability zone instances are told (env FACTNET_AVAILABILITY_ZONE).")
    String availabilityZone;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ClientSettings settings = client.settings();
        PrintWriter out = spec.commandLine().getOut();
        try (UntilStopped untilStopped = new UntilStopped();
             MetadataServer server = MetadataServer.start(settings.kafkaWith(Map.of()), settings.registryClient(),
                     listenAddress.strip(), port, availabilityZone.strip())) {
            out.println("factnet metadata: listening on " + listenAddress.strip() + ":" + server.address().getPort()
                    + "; answers 503 until the facts are read; Ctrl-C stops");
            out.flush();
            while (!untilStopped.await(Duration.ofSeconds(1))) {
                if (server.crash().isPresent()) {
                    throw new IllegalStateException("the metadata feed stopped", server.crash().get());
                }
            }
        }
        return 0;
    }
}
