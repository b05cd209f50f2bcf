package io.factnet.node.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.client.Applied;
import io.factnet.client.RequestClient;
import io.factnet.controller.Controller;
import io.factnet.controller.ControllerConfig;
import io.factnet.controller.ControllerStores;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.RequestRoutes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud of the end-to-end test: the real NetworkController (Kafka Streams, in process, in-memory
 * stores) on the test's broker, driven as a user drives it: requests through the registry serde to the
 * topic and key {@link RequestRoutes} gives, built with the records' builders (the no-argument
 * constructors skip Avro's defaults). A project request waits for its result and for the applied acks of
 * every node it touched, as {@code factnet request --wait-applied} does; a refusal fails the test with
 * its reason.
 */
final class ControllerCloud implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerCloud.class);
    static final Duration WAIT = Duration.ofSeconds(30);

    /** An accepted request: its result and what each touched node applied. */
    record Done(Result result, List<Applied> applied) {
        /** The tunneling node's WireGuard public key, from its ack. */
        String tunnelingKey() {
            return applied.stream().map(Applied::publicKey).filter(k -> k != null).findFirst()
                    .orElseThrow(() -> new AssertionError("no tunneling ack with a public key in " + applied));
        }
    }

    private final Controller controller;
    private final RequestClient client;
    private final String runId;
    private int sequence;

    private ControllerCloud(Controller controller, RequestClient client, String runId) {
        this.controller = controller;
        this.client = client;
        this.runId = runId;
    }

    /** Starts a controller on the broker (it creates the topics, {@code partitions} each) and a client. */
    static ControllerCloud start(String bootstrap, String registryUrl, SchemaRegistryClient registry, Path stateDir,
                                 int partitions, String runId) throws InterruptedException {
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", bootstrap);
        props.setProperty("schema.registry.url", registryUrl);
        props.setProperty("application.id", "factnet-e2e-" + runId);
        props.setProperty("state.dir", stateDir.toString());
        props.setProperty("num.stream.threads", "1");
        props.setProperty(ControllerConfig.IN_MEMORY_STORES, "true");
        props.setProperty(ControllerConfig.TOPIC_PARTITIONS, String.valueOf(partitions));
        Controller controller = Controller.start(props);
        try {
            assertThat(controller.awaitRunning(WAIT)).as("the controller runs").isTrue();
            return new ControllerCloud(controller, new RequestClient(Map.of("bootstrap.servers", bootstrap), registry, true,
                    warning -> log.warn("{}", warning)), runId);
        } catch (RuntimeException | Error | InterruptedException e) {
            controller.close();
            throw e;
        }
    }

    /** An operator's pool-wide command (VLAN range, supernet, floating pool): waits for its result. */
    Result admin(Object command) {
        Result result = client.send(envelope(RequestRoutes.ADMIN_PROJECT, command), RequestClient.Wait.RESULT, WAIT).result();
        return accepted(result);
    }

    /** A project's request: waits for its result and until every node it touched has applied it. */
    Done request(String project, Object command) {
        RequestClient.Exchange exchange = client.send(envelope(project, command), RequestClient.Wait.APPLIED, WAIT);
        return new Done(accepted(exchange.result()), exchange.applied());
    }

    /** Polls one of the controller's stores (interactive query) until {@code read} finds what the test waits for. */
    <T> T awaitStore(Function<ControllerStores, Optional<T>> read, String what) {
        AtomicReference<T> found = new AtomicReference<>();
        boolean present = LinuxLab.eventually(WAIT, () -> {
            try {
                read.apply(controller.stores()).ifPresent(found::set);
            } catch (InvalidStateStoreException e) {
                // the store is restoring or moving between threads: ask again
            }
            return found.get() != null;
        });
        if (!present) {
            throw new AssertionError("the controller never had " + what + " within " + WAIT.toSeconds() + " s");
        }
        return found.get();
    }

    private Request envelope(String project, Object command) {
        return Request.newBuilder().setRequestId("e2e-" + runId + "-" + ++sequence).setProject(project)
                .setSubmittedAt(Instant.now()).setCommand(command).build();
    }

    private static Result accepted(Result result) {
        if (result.getStatus() == Status.REJECTED) {
            throw new AssertionError(result.getCommand() + " was refused: " + result.getReason() + " " + result.getMessage());
        }
        return result;
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            controller.close();
        }
    }
}
