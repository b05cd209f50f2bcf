package io.factnet.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.http.Slowloris;
import io.factnet.registry.InMemorySchemaRegistryClient;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agents' metrics server against half-open requests: it keeps answering /health and /metrics while
 * 64 connections stall in their headers or body, and closes them after its idle timeout (10 s). No broker: the
 * node is built, not started (its clients connect lazily), which is all /metrics and /health read.
 */
class NodeMetricsTest {
    @TempDir
    static Path dir;
    static NodeProcess node;

    @BeforeAll
    static void buildNode() {
        node = NodeProcess.build(NodeReplayTest.config("m1", dir.resolve("m1")), Map.of("bootstrap.servers", "127.0.0.1:9"),
                InMemorySchemaRegistryClient.scope("node-metrics-test"));
    }

    @AfterAll
    static void close() {
        node.close();
        InMemorySchemaRegistryClient.dropScope("node-metrics-test");
    }

    @Test
    void stalledHeadersNeitherHangTheServerNorStayOpen() throws Exception {
        stalled("GET /metrics HTTP/1.1\r\nHost: node\r\nX-Slow: ");
    }

    @Test
    void aStalledBodyNeitherHangsTheServerNorStaysOpen() throws Exception {
        stalled("POST /health HTTP/1.1\r\nHost: node\r\nContent-Length: 1000\r\n\r\n{\"a\":");
    }

    private static void stalled(String partial) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // port 0 is "no metrics"
        }
        try (NodeMetrics metrics = NodeMetrics.serve(NodeMetrics.DEFAULT_HOST, port, node)) {
            InetSocketAddress address = metrics.address().orElseThrow();
            assertThat(address.getAddress().isLoopbackAddress()).isTrue();
            try (Slowloris slow = Slowloris.open(address, 64, partial)) {
                // not caught up (never started): /health says 503, but it answers
                assertThat(Slowloris.get(address, "/health", Duration.ofSeconds(3))).isEqualTo(503);
                assertThat(Slowloris.get(address, "/metrics", Duration.ofSeconds(3))).isEqualTo(200);
                assertThat(slow.closedBy(System.nanoTime() + Duration.ofSeconds(30).toNanos())).isEqualTo(64);
            }
        }
    }
}
