package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.client.RequestClient;
import io.factnet.controller.Controller;
import io.factnet.controller.ControllerConfig;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.Allocation;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.topics.RequestRoutes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * An embedded broker with a real controller (in-memory stores, a mock registry of its own scope), a client that sends
 * requests and waits for their results, and the factnet command line pointed at both: what the CLI tests that read
 * the controller's topics start once per class.
 */
final class ControllerCloud implements AutoCloseable {
    final EmbeddedKafka kafka;
    final Controller controller;
    private final String scope;
    private final RequestClient client;
    private int requests;

    private ControllerCloud(EmbeddedKafka kafka, Controller controller, String scope, RequestClient client) {
        this.kafka = kafka;
        this.controller = controller;
        this.scope = scope;
        this.client = client;
    }

    /** Starts the broker under {@code dir} and a controller with {@code partitions} per topic and these controller settings. */
    static ControllerCloud start(Path dir, String scope, int partitions, Map<String, String> settings)
            throws InterruptedException {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", kafka.bootstrapServers());
        props.setProperty("schema.registry.url", "mock://" + scope);
        props.setProperty("application.id", scope);
        props.setProperty("state.dir", dir.resolve("streams").toString());
        props.setProperty(ControllerConfig.IN_MEMORY_STORES, "true");
        props.setProperty(ControllerConfig.TOPIC_PARTITIONS, String.valueOf(partitions));
        props.putAll(settings);
        Controller controller = Controller.start(props);
        assertThat(controller.awaitRunning(Duration.ofSeconds(60))).isTrue();
        RequestClient client = new RequestClient(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                InMemorySchemaRegistryClient.scope(scope), true, warning -> { });
        return new ControllerCloud(kafka, controller, scope, client);
    }

    /** Sends one request of {@code project} and waits for its result, which must be ACCEPTED; returns what it allocated. */
    Allocation send(String project, Object command) {
        Request request = Request.newBuilder().setRequestId(scope + "-" + ++requests).setProject(project)
                .setSubmittedAt(Instant.now()).setCommand(command).build();
        Result result = client.send(request, RequestClient.Wait.RESULT, Duration.ofSeconds(30)).result();
        assertThat(result.getStatus()).as(result.getMessage()).isEqualTo(Status.ACCEPTED);
        return result.getAllocated();
    }

    /** The request id of the last request {@link #send} sent. */
    String lastRequestId() {
        return scope + "-" + requests;
    }

    /**
     * The pools (VLANs 100-199, 10.0.0.0/8, floating 203.0.113.10-20), node n1 with every role at 198.51.100.1, and
     * project p1's network with group web and instance vm1 in it; returns vm1's fixed address.
     */
    String instanceOnNodeN1() {
        send(RequestRoutes.ADMIN_PROJECT, DefineVlanRange.newBuilder().setFirst(100).setLast(199).build());
        send(RequestRoutes.ADMIN_PROJECT, DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build());
        send(RequestRoutes.ADMIN_PROJECT, DefineFloatingPool.newBuilder().setPool("public")
                .setRanges(List.of("203.0.113.10-203.0.113.20")).build());
        send(RequestRoutes.ADMIN_PROJECT, RegisterNode.newBuilder().setNodeId("n1").setRoles(List.of(NodeRole.values()))
                .setPublicAddress("198.51.100.1").build());
        send("p1", CreateNetwork.newBuilder().build());
        send("p1", CreateSecurityGroup.newBuilder().setName("web").build());
        return send("p1", AllocateFixedIp.newBuilder().setInstance("vm1").setGroup("web").build()).getAddress();
    }

    /** Runs the command line against this cloud's broker (unless the arguments name another) and registry. */
    CliCapture factnet(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (all.stream().noneMatch(a -> a.startsWith("--bootstrap-servers"))) {
            all.addAll(List.of("--bootstrap-servers", kafka.bootstrapServers()));
        }
        all.addAll(List.of("--schema-registry-url", "mock://" + scope));
        return CliCapture.run(all);
    }

    @Override
    public void close() {
        client.close();
        controller.close();
        kafka.close();
        InMemorySchemaRegistryClient.dropScope(scope);
    }
}
