package io.factnet.cli.bench;

import io.factnet.cli.request.DurationConverter;
import io.factnet.controller.ControllerConfig;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code factnet bench}: on an embedded broker, the raw-Kafka baseline and factnet itself, with the
 * same requests and settings; prints throughput, latency percentiles, memory and CPU of each JVM,
 * and the ratio. Results and the commands that reproduce them: docs/BENCHMARKS.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
        description = {"Measure factnet against raw Kafka on an embedded broker: requests/s, p50/p99/max latency of request-to-result"
                + " and request-to-applied, peak memory and CPU of each JVM.",
                "Results and the commands that reproduce them are in docs/BENCHMARKS.md."})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--baseline-only", description = "Run only the raw-Kafka baseline (one hop: produce, consume).")
    boolean baselineOnly;

    @Option(names = "--factnet-only", description = "Run only factnet (no baseline, so no ratio).")
    boolean factnetOnly;

    @Option(names = "--count", defaultValue = "200000", description = "Requests (records) at full speed. Default: ${DEFAULT-VALUE}.")
    int count;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the topics. Default: ${DEFAULT-VALUE}.")
    int partitions;

    @Option(names = "--guarantee", defaultValue = "exactly-once", converter = GuaranteeConverter.class,
            description = "exactly-once (transactions, read_committed) or at-least-once. Default: ${DEFAULT-VALUE}.")
    Guarantee guarantee;

    @Option(names = "--commit-interval", defaultValue = ControllerConfig.DEFAULT_COMMIT_QUICK_MS + "ms", converter = DurationConverter.class,
            description = "Transaction commit interval: the baseline's, and the controller's while lightly loaded (factnet.commit.quick.ms;"
                    + " a busy controller commits every commit.interval.ms, at least " + ControllerConfig.DEFAULT_COMMIT_INTERVAL_MS
                    + " ms; ADR 0045). Default: ${DEFAULT-VALUE}.")
    Duration commitInterval;

    @Option(names = "--rate", defaultValue = "2000", description = "Requests/s of the paced latency phase; 0 skips it. Default: ${DEFAULT-VALUE}.")
    int rate;

    @Option(names = "--paced-count", defaultValue = "20000", description = "Requests of the paced latency phase. Default: ${DEFAULT-VALUE}.")
    int pacedCount;

    @Option(names = "--instances-per-network", defaultValue = "50", description = "Request mix: fixed IPs per project network. Default: ${DEFAULT-VALUE}.")
    int instancesPerNetwork;

    @Option(names = "--floating-every", defaultValue = "10", description = "Request mix: a floating IP for every n-th instance. Default: ${DEFAULT-VALUE}.")
    int floatingEvery;

    @Option(names = "--controllers", defaultValue = "1", description = "Controller instances, each a JVM of its own. Default: ${DEFAULT-VALUE}.")
    int controllers;

    @Option(names = {"-P", "--controller-property"}, paramLabel = "KEY=VALUE",
            description = "A controller (Kafka Streams) property over the benchmark's, e.g. -P num.stream.threads=2 -P producer.linger.ms=5.")
    Map<String, String> controllerProperties = new LinkedHashMap<>();

    @Option(names = "--agents", split = ",", paramLabel = "ROLE", defaultValue = "routing,addressing,bridging",
            description = "Node agents to run (render driver) and wait for: routing, addressing, bridging, or none to measure"
                    + " the controller alone. Default: ${DEFAULT-VALUE}.")
    List<String> agents;

    @Option(names = "--full-results", hidden = true,
            description = "The load driver decodes every result whole, as before issue 10 (to measure what the lean read saves).")
    boolean fullResults;

    @Option(names = "--jfr", paramLabel = "DIR", description = "Record every child JVM (controllers, node) with JDK Flight Recorder into DIR.")
    Path jfr;

    @Option(names = "--dir", description = "Folder for the broker's data and the children's logs (default: a new temporary folder, deleted after).")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (baselineOnly && factnetOnly) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--baseline-only and --factnet-only exclude each other");
        }
        if (guarantee != Guarantee.EXACTLY_ONCE && !baselineOnly && !agentRoles().isEmpty()) {
            // --wait-applied's rule (and the tracker's) needs a result committed together with the request's node
            // records; at-least-once writes them one by one, so "applied" cannot be told from "not yet written"
            throw new CommandLine.ParameterException(spec.commandLine(), "--guarantee at-least-once cannot measure"
                    + " request-to-applied: add --agents none (the controller alone) or --baseline-only");
        }
        RequestMix mix = new RequestMix(instancesPerNetwork, floatingEvery);
        checkCapacity(mix);
        BenchSettings settings = new BenchSettings(count, partitions, guarantee, commitInterval, rate, pacedCount);
        List<Request> requests = mix.requests(count);
        PrintWriter out = spec.commandLine().getOut();
        boolean scratch = dir == null;
        Path work = scratch ? Files.createTempDirectory("factnet-bench-") : Files.createDirectories(dir);
        out.printf("factnet bench: %,d requests, %d partitions, %s, commit every %d ms, on an embedded broker (%s)%n",
                count, partitions, name(guarantee), commitInterval.toMillis(), work);
        out.flush();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            BenchResult baseline = null;
            if (!factnetOnly) {
                baseline = new BaselineBench().run(settings, kafka.bootstrapServers(), requests);
                print(out, baseline);
            }
            if (!baselineOnly) {
                FactnetBench.Options options = new FactnetBench.Options(controllers, mix, controllerProperties, Optional.ofNullable(jfr),
                        agentRoles(), !fullResults);
                BenchResult factnet = new FactnetBench(work, options, out, Optional.of(kafka.dataDir().resolve("kraft"))).run(settings, kafka.bootstrapServers(), requests);
                print(out, factnet);
                if (baseline != null) {
                    out.printf("ratio factnet/baseline: %.3f (%,.0f requests/s against %,.0f records/s)%n",
                            factnet.recordsPerSecond() / baseline.recordsPerSecond(), factnet.recordsPerSecond(), baseline.recordsPerSecond());
                }
            }
            out.flush();
        } finally {
            if (scratch) {
                deleteRecursively(work);
            }
        }
        return 0;
    }

    private Set<NodeRole> agentRoles() {
        if (agents.size() == 1 && agents.get(0).equalsIgnoreCase("none")) {
            return Set.of();
        }
        Set<NodeRole> roles = EnumSet.noneOf(NodeRole.class);
        for (String agent : agents) {
            try {
                roles.add(NodeRole.valueOf(agent.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--agents " + agent + " is not routing, addressing, bridging or none");
            }
        }
        if (roles.contains(NodeRole.TUNNELING)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the mix has no VPNs: --agents takes routing, addressing, bridging");
        }
        return roles;
    }

    /** A run takes a VLAN and a /20 per project, and a project's floating IPs must fit its quota (10). */
    private void checkCapacity(RequestMix mix) {
        int projects = mix.projectsFor(count) + (rate > 0 ? mix.projectsFor(pacedCount) : 0);
        if (!baselineOnly && projects > FactnetBench.MAX_PROJECTS) {
            throw new CommandLine.ParameterException(spec.commandLine(), String.format("%,d requests of this mix make %,d projects;"
                    + " one run has room for %,d (a VLAN each)", count + pacedCount, projects, FactnetBench.MAX_PROJECTS));
        }
        if (mix.floatingPerProject() > 10) {
            throw new CommandLine.ParameterException(spec.commandLine(), mix.floatingPerProject()
                    + " floating IPs per project is over the default quota of 10: raise --floating-every");
        }
    }

    static void print(PrintWriter out, BenchResult result) {
        out.printf("%s: %,d requests of %.0f bytes on average%n", result.name(), result.records(), result.averageBytes());
        out.printf("  throughput         %,.0f requests/s (%.2f s)%n", result.recordsPerSecond(), result.seconds());
        for (Map.Entry<String, LatencySummary> latency : result.latencies().entrySet()) {
            out.printf("  latency %-22s %s%n", latency.getKey(), latency.getValue());
        }
        result.jvms().forEach(jvm -> out.printf("  memory, CPU  %s%n", jvm));
        result.notes().forEach(note -> out.printf("  %s%n", note));
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
