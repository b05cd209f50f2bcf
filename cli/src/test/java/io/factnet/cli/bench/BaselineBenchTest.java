package io.factnet.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.cli.Factnet;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.Request;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The baseline moves every record exactly once, with each guarantee; figures belong in docs/BENCHMARKS.md, not here. */
class BaselineBenchTest {

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static BenchResult run(Guarantee guarantee) throws Exception {
        List<Request> requests = RequestMix.DEFAULT.requests(3000);
        BenchSettings settings = new BenchSettings(requests.size(), 3, guarantee, Duration.ofMillis(100), 1000, 300);
        return new BaselineBench().run(settings, kafka.bootstrapServers(), requests);
    }

    private static void assertComplete(BenchResult result) {
        assertThat(result.records()).isEqualTo(3000);
        assertThat(result.latencies()).containsOnlyKeys("full speed", "at 1,000/s");
        LatencySummary full = result.latencies().get("full speed");
        assertThat(full.samples()).as("every record received once").isEqualTo(3000);
        assertThat(result.latencies().get("at 1,000/s").samples()).isEqualTo(300);
        assertThat(full.p50Micros()).isPositive().isLessThanOrEqualTo(full.p99Micros());
        assertThat(full.p99Micros()).isLessThanOrEqualTo(full.maxMicros());
        assertThat(result.recordsPerSecond()).isPositive();
        assertThat(result.jvms()).singleElement().satisfies(jvm -> assertThat(jvm.peakHeapBytes().orElseThrow()).isPositive());
    }

    @Test
    void exactlyOnceMovesTheRequestsBytesThroughTransactions() throws Exception {
        BenchResult result = run(Guarantee.EXACTLY_ONCE);
        assertComplete(result);
        double wireSize = BaselineBench.serialize(RequestMix.DEFAULT.requests(3000)).stream().mapToInt(b -> b.length).average().orElseThrow();
        assertThat(result.averageBytes()).isEqualTo(wireSize);
    }

    @Test
    void atLeastOnceMovesThemWithoutTransactions() throws Exception {
        assertComplete(run(Guarantee.AT_LEAST_ONCE));
    }

    @Test
    void badOptionsAreOneLineAndNonZero() {
        CommandLine cli = Factnet.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("bench", "--baseline-only", "--factnet-only")).isEqualTo(1);
        assertThat(err.toString()).contains("exclude each other").doesNotContain("Exception");
        assertThat(cli.execute("bench", "--baseline-only", "--guarantee", "maybe-once")).isEqualTo(1);
        assertThat(err.toString()).contains("'maybe-once' is not exactly-once or at-least-once");
        assertThat(cli.execute("bench", "--guarantee", "at-least-once")).isEqualTo(1);
        assertThat(err.toString()).contains("at-least-once cannot measure request-to-applied");
        assertThat(cli.execute("bench", "--count", "300000")).isEqualTo(1);
        assertThat(err.toString()).contains("one run has room for 4,094");
        assertThat(cli.execute("bench", "--floating-every", "2")).isEqualTo(1);
        assertThat(err.toString()).contains("over the default quota of 10");
    }

    @Test
    void theCommandRunsTheBaselineOnItsOwnBrokerAndPrintsTheFigures() {
        CommandLine cli = Factnet.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute("bench", "--baseline-only", "--count", "1000", "--partitions", "2", "--rate", "500",
                "--paced-count", "100", "--guarantee", "at-least-once", "--dir", dir.resolve("bench").toString());
        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString()).contains("1,000 requests, 2 partitions, at-least-once")
                .containsPattern("throughput +[\\d,]+ requests/s")
                .containsPattern("latency full speed +p50 [\\d.]+ ms, p99 [\\d.]+ ms, max [\\d.]+ ms \\(1,000 samples\\)")
                .containsPattern("latency at 500/s +p50 .* \\(100 samples\\)")
                .containsPattern("memory, CPU +bench JVM \\(broker and clients\\): peak heap [\\d,]+ MiB");
    }
}
