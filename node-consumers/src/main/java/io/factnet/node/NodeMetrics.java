package io.factnet.node;

import io.factnet.http.HttpService;
import io.factnet.http.PrometheusReply;
import io.factnet.http.Reply;
import io.factnet.net.Printable;
import io.factnet.node.runtime.AgentStatus;
import io.factnet.node.runtime.NodeAgent;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The agents' state over HTTP: {@code /metrics} in Prometheus' text format (syncs, applies,
 * failures, applied offset, what each role holds; a registry of Prometheus' Java client, ADR 0040),
 * {@code /health} 200 once every agent caught up
 * and applies its whole desired state and none stopped, 503 with the reasons otherwise. It listens on
 * 127.0.0.1 unless told otherwise ({@code --metrics-host}), with the bounds of {@link HttpService.Limits#METRICS}.
 */
public final class NodeMetrics implements AutoCloseable {
    /** Where the agents' metrics listen by default: this host only (the kernel view and the counts are the node's business). */
    public static final String DEFAULT_HOST = "127.0.0.1";
    private static final String TEXT = PrometheusReply.CONTENT_TYPE; // /health's and /kernel's too, as before

    private final HttpService server;

    private NodeMetrics(HttpService server) {
        this.server = server;
    }

    /** Serves on {@code host:port}; a port of 0 or less serves nothing. */
    public static NodeMetrics serve(String host, int port, NodeProcess node) {
        if (port <= 0) {
            return new NodeMetrics(null);
        }
        HttpService server = HttpService.bind("the agents' metrics", host, port, HttpService.Limits.METRICS);
        PrometheusRegistry registry = registry(node);
        return new NodeMetrics(server.serve(call -> switch (call.rawPath()) {
            case "/metrics" -> PrometheusReply.of(registry);
            case "/health" -> {
                String problems = problems(node);
                yield Reply.text(problems.isEmpty() ? 200 : 503, problems.isEmpty() ? "ok\n" : "not ready\n" + problems, TEXT);
            }
            // The render driver's simulated kernel: what a render node holds (its files show the last full
            // script and the last delta, not their sum). factnet replay writes the same text for its render.
            case "/kernel" -> Reply.text(node.simulated().isPresent() ? 200 : 404,
                    node.kernelSnapshot().orElse("the linux driver's kernel is the node's own: ask nft, ip and wg\n"), TEXT);
            default -> Reply.text(404, "no such path: /metrics, /health and /kernel are served\n", TEXT);
        }));
    }

    /** The bound address (the port picked for port 0); empty when nothing is served. */
    public Optional<InetSocketAddress> address() {
        return Optional.ofNullable(server).map(HttpService::address);
    }

    /**
     * Why the node is not healthy, one line per agent, empty when it is: an agent stopped, is still
     * replaying, cannot read its whole desired state, or its applies keep failing (ADR 0022).
     */
    public static String problems(NodeProcess node) {
        StringBuilder out = new StringBuilder();
        node.crash().ifPresent(e -> out.append("an agent stopped: ").append(Printable.line(String.valueOf(e.getMessage()), 500))
                .append('\n'));
        for (NodeAgent<?> agent : node.agents()) {
            agent.status().problem().ifPresent(p -> out.append(agent.role().name().toLowerCase(Locale.ROOT)).append(": ")
                    .append(p).append('\n'));
        }
        return out.toString();
    }

    /** The agents' families, read from each agent's status on every scrape. */
    private static PrometheusRegistry registry(NodeProcess node) {
        PrometheusRegistry registry = new PrometheusRegistry();
        counter(registry, node, "factnet_node_records_read_total", "Records read from the role topic.", s -> s.replay().recordsRead());
        counter(registry, node, "factnet_node_bad_records_total", "Records that could not be read when they arrived.", s -> s.replay().badRecords());
        counter(registry, node, "factnet_node_syncs_total", "Syncs run.", s -> s.syncs().count());
        counter(registry, node, "factnet_node_applies_total", "Syncs that changed the node.", s -> s.syncs().applies());
        counter(registry, node, "factnet_node_failures_total", "Syncs that failed.", s -> s.syncs().failures());
        gauge(registry, node, "factnet_node_applied_offset", "Highest offset of the node's partition applied.", AgentStatus::appliedOffset);
        gauge(registry, node, "factnet_node_caught_up", "1 once the replay reached the partition's end.", s -> s.replay().caughtUp() ? 1 : 0);
        gauge(registry, node, "factnet_node_unreadable_records",
                "This node's resources whose latest record cannot be read: while above 0 nothing new is applied.", s -> s.replay().unreadable());
        gauge(registry, node, "factnet_node_consecutive_failures", "Syncs that failed in a row.", s -> s.syncs().consecutiveFailures());
        gauge(registry, node, "factnet_node_ready", "1 when the agent applies its whole desired state (what /health says).",
                s -> s.problem().isEmpty() ? 1 : 0);
        gauge(registry, node, "factnet_node_failed_entries", "Entries the last sync could not apply (retried).",
                s -> s.syncs().last() == null ? 0 : s.syncs().last().failed().size());
        GaugeWithCallback.builder().name("factnet_node_entries").help("What each role holds now, by kind.").labelNames("node", "role", "kind")
                .callback(gauge -> {
                    for (NodeAgent<?> agent : node.agents()) {
                        AgentStatus status = agent.status();
                        if (status.syncs().last() != null) {
                            status.syncs().last().counts().forEach((kind, count) -> gauge.call(count, node.nodeId(), role(agent), kind));
                        }
                    }
                }).register(registry);
        return registry;
    }

    private static void counter(PrometheusRegistry registry, NodeProcess node, String name, String help, ToLongFunction<AgentStatus> value) {
        CounterWithCallback.builder().name(name).help(help).labelNames("node", "role")
                .callback(counter -> eachAgent(node, value, counter::call)).register(registry);
    }

    private static void gauge(PrometheusRegistry registry, NodeProcess node, String name, String help, ToLongFunction<AgentStatus> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("node", "role")
                .callback(gauge -> eachAgent(node, value, gauge::call)).register(registry);
    }

    /** A callback's sample: the value and the label values, in the order of the label names. */
    private interface Sample {
        void call(double value, String... labels);
    }

    private static void eachAgent(NodeProcess node, ToLongFunction<AgentStatus> value, Sample sample) {
        for (NodeAgent<?> agent : node.agents()) {
            sample.call(value.applyAsLong(agent.status()), node.nodeId(), role(agent));
        }
    }

    private static String role(NodeAgent<?> agent) {
        return agent.role().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
