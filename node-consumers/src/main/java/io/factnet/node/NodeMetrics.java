package io.factnet.node;

import io.factnet.http.HttpService;
import io.factnet.http.Reply;
import io.factnet.net.Printable;
import io.factnet.node.runtime.AgentStatus;
import io.factnet.node.runtime.NodeAgent;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The agents' state over HTTP: {@code /metrics} in Prometheus' text format (syncs, applies,
 * failures, applied offset, what each role holds), {@code /health} 200 once every agent caught up
 * and applies its whole desired state and none stopped, 503 with the reasons otherwise. It listens on
 * 127.0.0.1 unless told otherwise ({@code --metrics-host}), with the bounds of {@link HttpService.Limits#METRICS}.
 */
public final class NodeMetrics implements AutoCloseable {
    /** Where the agents' metrics listen by default: this host only (the kernel view and the counts are the node's business). */
    public static final String DEFAULT_HOST = "127.0.0.1";
    private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";

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
        return new NodeMetrics(server.serve(call -> switch (call.rawPath()) {
            case "/metrics" -> Reply.text(200, text(node), TEXT);
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

    public static String text(NodeProcess node) {
        StringBuilder out = new StringBuilder();
        metric(out, node, "factnet_node_records_read_total", "counter", "Records read from the role topic.", AgentStatus::recordsRead);
        metric(out, node, "factnet_node_bad_records_total", "counter", "Records that could not be read when they arrived.", AgentStatus::badRecords);
        metric(out, node, "factnet_node_syncs_total", "counter", "Syncs run.", AgentStatus::syncs);
        metric(out, node, "factnet_node_applies_total", "counter", "Syncs that changed the node.", AgentStatus::applies);
        metric(out, node, "factnet_node_failures_total", "counter", "Syncs that failed.", AgentStatus::failures);
        metric(out, node, "factnet_node_applied_offset", "gauge", "Highest offset of the node's partition applied.", AgentStatus::appliedOffset);
        metric(out, node, "factnet_node_caught_up", "gauge", "1 once the replay reached the partition's end.", s -> s.caughtUp() ? 1 : 0);
        metric(out, node, "factnet_node_unreadable_records", "gauge",
                "This node's resources whose latest record cannot be read: while above 0 nothing new is applied.", AgentStatus::unreadable);
        metric(out, node, "factnet_node_consecutive_failures", "gauge", "Syncs that failed in a row.", AgentStatus::consecutiveFailures);
        metric(out, node, "factnet_node_ready", "gauge", "1 when the agent applies its whole desired state (what /health says).",
                s -> s.problem().isEmpty() ? 1 : 0);
        metric(out, node, "factnet_node_failed_entries", "gauge", "Entries the last sync could not apply (retried).",
                s -> s.lastSync() == null ? 0 : s.lastSync().failed().size());
        out.append("# HELP factnet_node_entries What each role holds now, by kind.\n# TYPE factnet_node_entries gauge\n");
        for (NodeAgent<?> agent : node.agents()) {
            AgentStatus status = agent.status();
            if (status.lastSync() != null) {
                status.lastSync().counts().forEach((kind, count) -> out.append("factnet_node_entries{").append(labels(node, agent))
                        .append(",kind=\"").append(kind).append("\"} ").append(count).append('\n'));
            }
        }
        return out.toString();
    }

    private static void metric(StringBuilder out, NodeProcess node, String name, String type, String help,
                               ToLongFunction<AgentStatus> value) {
        out.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(' ').append(type).append('\n');
        for (NodeAgent<?> agent : node.agents()) {
            out.append(name).append('{').append(labels(node, agent)).append("} ").append(value.applyAsLong(agent.status())).append('\n');
        }
    }

    private static String labels(NodeProcess node, NodeAgent<?> agent) {
        // The node id is checked at start ([A-Za-z0-9_.-]), roles are ours: nothing to escape.
        return "node=\"" + node.nodeId() + "\",role=\"" + agent.role().name().toLowerCase(Locale.ROOT) + "\"";
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
