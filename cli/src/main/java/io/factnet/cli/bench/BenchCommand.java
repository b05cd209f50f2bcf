package io.factnet.cli.bench;

import io.factnet.cli.request.DurationConverter;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.Request;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code factnet bench}: on an embedded broker, the raw-Kafka baseline and (once the controller is
 * merged) factnet itself, with the same requests and settings; prints throughput, latency
 * percentiles and peak memory. Results and the commands that reproduce them: docs/BENCHMARKS.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
        description = {"Measure factnet against raw Kafka on an embedded broker: requests/s, p50/p99/max latency, peak memory.",
                "Results and the commands that reproduce them are in docs/BENCHMARKS.md."})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--baseline-only", description = "Run only the raw-Kafka baseline (one hop: produce, consume).")
    boolean baselineOnly;

    @Option(names = "--count", defaultValue = "200000", description = "Requests (records) at full speed. Default: ${DEFAULT-VALUE}.")
    int count;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the topics. Default: ${DEFAULT-VALUE}.")
    int partitions;

    @Option(names = "--guarantee", defaultValue = "exactly-once", converter = GuaranteeConverter.class,
            description = "exactly-once (transactions, read_committed) or at-least-once. Default: ${DEFAULT-VALUE}.")
    Guarantee guarantee;

    @Option(names = "--commit-interval", defaultValue = "100ms", converter = DurationConverter.class,
            description = "Transaction commit interval, as Streams' commit.interval.ms. Default: ${DEFAULT-VALUE}.")
    Duration commitInterval;

    @Option(names = "--rate", defaultValue = "2000", description = "Records/s of the paced latency phase; 0 skips it. Default: ${DEFAULT-VALUE}.")
    int rate;

    @Option(names = "--paced-count", defaultValue = "20000", description = "Records of the paced latency phase. Default: ${DEFAULT-VALUE}.")
    int pacedCount;

    @Option(names = "--instances-per-network", defaultValue = "50", description = "Request mix: fixed IPs per project network. Default: ${DEFAULT-VALUE}.")
    int instancesPerNetwork;

    @Option(names = "--floating-every", defaultValue = "10", description = "Request mix: a floating IP for every n-th instance. Default: ${DEFAULT-VALUE}.")
    int floatingEvery;

    @Option(names = "--dir", description = "Folder for the broker's data (default: a new temporary folder).")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!baselineOnly) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the factnet half of the benchmark needs the controller"
                    + " (issue 3), which this build does not have yet: run factnet bench --baseline-only");
        }
        BenchSettings settings = new BenchSettings(count, partitions, guarantee, commitInterval, rate, pacedCount);
        List<Request> requests = new RequestMix(instancesPerNetwork, floatingEvery).requests(count);
        PrintWriter out = spec.commandLine().getOut();
        boolean scratch = dir == null;
        Path work = scratch ? Files.createTempDirectory("factnet-bench-") : Files.createDirectories(dir);
        out.printf("factnet bench: %,d requests, %d partitions, %s, commit every %d ms, on an embedded broker (%s)%n",
                count, partitions, name(guarantee), commitInterval.toMillis(), work);
        out.flush();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            BenchResult baseline = new BaselineBench().run(settings, kafka.bootstrapServers(), requests);
            print(out, baseline);
        } finally {
            if (scratch) {
                deleteRecursively(work);
            }
        }
        return 0;
    }

    static void print(PrintWriter out, BenchResult result) {
        out.printf("%s: %,d records of %.0f bytes on average (the requests' own bytes and keys)%n",
                result.name(), result.records(), result.averageBytes());
        out.printf("  throughput         %,.0f records/s (%.2f s)%n", result.recordsPerSecond(), result.seconds());
        for (Map.Entry<String, LatencySummary> latency : result.latencies().entrySet()) {
            out.printf("  latency %-10s %s%n", latency.getKey(), latency.getValue());
        }
        out.printf("  memory             %s (one JVM: broker and clients)%n", result.memory());
        out.flush();
    }

    private static void deleteRecursively(Path folder) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    static String name(Guarantee guarantee) {
        return guarantee.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** exactly-once / at-least-once, as people write them. */
    static final class GuaranteeConverter implements CommandLine.ITypeConverter<Guarantee> {
        @Override
        public Guarantee convert(String value) {
            try {
                return Guarantee.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not exactly-once or at-least-once");
            }
        }
    }
}
