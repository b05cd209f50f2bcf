package io.factnet.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client's writer as {@code /metrics} serves it, read back with the strict reader: label values and help
 * texts with the characters the format escapes, NaN and infinities, a counter's name, a family without samples;
 * and the reader refuses what breaks the format's rules, so that passing it means something.
 */
class PrometheusReplyTest {
    @Test
    void whatTheWriterWritesReadsBackAsRegistered() {
        PrometheusRegistry registry = new PrometheusRegistry();
        CounterWithCallback.builder().name("factnet_test_requests_total").help("Requests \\ by \"outcome\",\nsecond line.")
                .labelNames("status", "command").callback(counter -> {
                    counter.call(8, "ACCEPTED", "Create\"Network\"");
                    counter.call(1, "REJECTED", "back\\slash\nnew line");
                }).register(registry);
        GaugeWithCallback.builder().name("factnet_test_odd").help("Odd values.").labelNames("kind").callback(gauge -> {
            gauge.call(Double.NaN, "nan");
            gauge.call(Double.POSITIVE_INFINITY, "inf");
            gauge.call(-1.5e-7, "small");
        }).register(registry);
        GaugeWithCallback.builder().name("factnet_test_empty").help("No samples.").labelNames("x").callback(gauge -> { }).register(registry);

        Reply reply = PrometheusReply.of(registry);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        Map<String, PrometheusTextReader.Family> families = PrometheusTextReader.parse(new String(reply.body(), StandardCharsets.UTF_8));

        assertThat(families).containsOnlyKeys("factnet_test_requests_total", "factnet_test_odd");
        PrometheusTextReader.Family requests = families.get("factnet_test_requests_total");
        assertThat(requests.type()).isEqualTo("counter");
        assertThat(requests.help()).isEqualTo("Requests \\ by \"outcome\",\nsecond line.");
        assertThat(requests.value(Map.of("status", "ACCEPTED", "command", "Create\"Network\""))).isEqualTo(8.0);
        assertThat(requests.value(Map.of("status", "REJECTED", "command", "back\\slash\nnew line"))).isEqualTo(1.0);
        PrometheusTextReader.Family odd = families.get("factnet_test_odd");
        assertThat(odd.type()).isEqualTo("gauge");
        assertThat(odd.value(Map.of("kind", "nan"))).isNaN();
        assertThat(odd.value(Map.of("kind", "inf"))).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(odd.value(Map.of("kind", "small"))).isEqualTo(-1.5e-7);
    }

    @Test
    void theReaderRefusesWhatBreaksTheFormat() {
        String ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 1\n# TYPE b gauge\nb 2 1700000000000\n";
        assertThat(PrometheusTextReader.parse(ok)).containsOnlyKeys("a_total", "b");
        assertThat(PrometheusTextReader.parse("# a plain comment\nc{y=\"q\\\"\\\\\\n\",} NaN\n").get("c").value(Map.of("y", "q\"\\\n")))
                .isNaN();
        for (String bad : new String[] {
                "a 1",                                            // no final newline
                "# TYPE a gauge\n# TYPE a gauge\na 1\n",          // two TYPEs
                "a 1\n# TYPE a gauge\n",                          // TYPE after a sample
                "a 1\nb 1\na{x=\"1\"} 2\n",                       // a family in two groups
                "a 1\na 2\n",                                     // one series twice
                "a{x=\"1\",x=\"2\"} 1\n",                         // one label twice
                "a{x=\"\\t\"} 1\n",                               // an escape the format lacks
                "a{x=1} 1\n",                                     // an unquoted value
                "a-b 1\n",                                        // a name outside the grammar
                "a{1x=\"1\"} 1\n",                                // a label name outside the grammar
                "a one\n",                                        // not a number
                "a 1 2 3\n",                                      // more than a timestamp
                "# TYPE a meter\na 1\n"                           // no such type
        }) {
            assertThatThrownBy(() -> PrometheusTextReader.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
