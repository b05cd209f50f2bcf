package io.factnet.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.http.PrometheusTextReader;
import io.factnet.http.Slowloris;
import io.factnet.registry.InMemorySchemaRegistryClient;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agents' metrics server: /metrics read strictly as Prometheus' text format has every metric docs/api.md
 * names for a node; and against half-open requests it keeps answering /health and /metrics while 64
 * connections stall in their headers or body, and closes them after its idle timeout (10 s). No broker: the
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
    void metricsHaveEveryDocumentedFamilyPerNodeAndRole() throws Exception {
        // docs/api.md names them in a sentence: `factnet_node_ready`, ..., `_bad_records_total`, ... and `factnet_node_entries{kind}`
        Set<String> documented = new TreeSet<>();
        Matcher named = Pattern.compile("`(factnet_node_[a-z_]+|_[a-z_]+)(\\{kind})?`").matcher(agentsParagraph());
        while (named.find()) {
            documented.add(named.group(1).startsWith("_") ? "factnet_node" + named.group(1) : named.group(1));
        }
        assertThat(documented).hasSize(12).contains("factnet_node_entries", "factnet_node_bad_records_total", "factnet_node_caught_up");

        try (NodeMetrics metrics = NodeMetrics.serve(NodeMetrics.DEFAULT_HOST, freePort(), node)) {
            InetSocketAddress address = metrics.address().orElseThrow();
            HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + address.getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
            Map<String, PrometheusTextReader.Family> families = PrometheusTextReader.parse(scrape.body());
            Set<String> roles = new TreeSet<>();
            node.agents().forEach(agent -> roles.add(agent.role().name().toLowerCase(Locale.ROOT)));
            // a node never started has synced nothing: what its roles hold (entries, by kind) has no sample yet
            documented.stream().filter(name -> !name.equals("factnet_node_entries")).forEach(name -> {
                PrometheusTextReader.Family family = families.get(name);
                assertThat(family).as(name).isNotNull();
                assertThat(family.type()).as(name).isEqualTo(name.endsWith("_total") ? "counter" : "gauge");
                assertThat(family.samples()).as(name).extracting(sample -> sample.labels().get("role")).containsExactlyInAnyOrderElementsOf(roles);
                assertThat(family.samples()).as(name).allSatisfy(sample -> assertThat(sample.labels()).containsOnlyKeys("node", "role")
                        .containsEntry("node", "m1"));
            });
            assertThat(families.get("factnet_node_caught_up").samples()).allSatisfy(sample -> assertThat(sample.value()).isZero());
            assertThat(families.keySet()).isSubsetOf(documented);
        }
    }

    @Test
    void stalledHeadersNeitherHangTheServerNorStayOpen() throws Exception {
        stalled("GET /metrics HTTP/1.1\r\nHost: node\r\nX-Slow: ");
    }

    @Test
    void aStalledBodyNeitherHangsTheServerNorStaysOpen() throws Exception {
        stalled("POST /health HTTP/1.1\r\nHost: node\r\nContent-Length: 1000\r\n\r\n{\"a\":");
    }

    /** docs/api.md's paragraph on an agent's /health and /metrics. */
    private static String agentsParagraph() throws Exception {
        String api = Files.readString(Path.of("..", "docs", "api.md"));
        int start = api.indexOf("A node's `--metrics-port` serves `/health`");
        assertThat(start).as("docs/api.md's paragraph on the agents' metrics").isNotNegative();
        return api.substring(start, api.indexOf("\n\n", start));
    }

    private static int freePort() throws Exception {
        try (ServerSocket free = new ServerSocket(0)) {
            return free.getLocalPort(); // port 0 is "no metrics"
        }
    }

    private static void stalled(String partial) throws Exception {
        try (NodeMetrics metrics = NodeMetrics.serve(NodeMetrics.DEFAULT_HOST, freePort(), node)) {
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
