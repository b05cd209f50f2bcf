package io.factnet.cli.bench;

import io.factnet.client.NodeTarget;
import io.factnet.client.OutcomeTracker;
import io.factnet.cli.flow.RequestSender;
import io.factnet.cli.process.ChildJvm;
import io.factnet.cli.process.ProcStat;
import io.factnet.controller.http.ControllerApp;
import io.factnet.controller.ControllerConfig;
import io.factnet.embedded.ApicurioRegistry;
import io.factnet.model.AppliedAck;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import io.factnet.model.Request;
import io.factnet.registry.HttpSchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryConfig;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The factnet half of {@code factnet bench}: the requests of the mix through the controller, on the
 * benchmark's broker. The parts run as an operator runs them, each in a JVM of its own so that its
 * memory and CPU are its own: the controller(s) ({@link ControllerApp}), one node with a routing,
 * an addressing and a bridging agent ({@code factnet node}, render driver), Apicurio Registry; the
 * broker and the load driver stay in this JVM. Measures request-to-result and request-to-applied
 * (the rule of {@code --wait-applied}) for every request, at full speed and paced.
 */
public final class FactnetBench implements BenchRun {
    static final String APPLICATION_ID = "factnet-bench";
    static final String NODE_ID = "bench-node";
    static final String NODE_ADDRESS = "198.51.100.1";
    static final String FLOATING_CIDR = "198.18.0.0/15";
    /** The roles the node registers with: the mix's CreateNetwork needs one node of each. */
    static final Set<NodeRole> NODE_ROLES = EnumSet.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING);
    /** The most projects one run may take: a VLAN each from 1-4094, a /20 each from 10.0.0.0/8. */
    static final int MAX_PROJECTS = 4094;
    static final int CONTROLLER_HEAP_MB = 768;
    static final int NODE_HEAP_MB = 768;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    /**
     * @param controllers          controller instances (JVMs), one stream thread each unless a property says otherwise
     * @param controllerProperties passed to every controller over the benchmark's own (e.g. {@code linger.ms})
     * @param jfr                  a folder for a JFR recording of every child JVM
     * @param agents               the roles whose agents run (and are waited for); none: the controller alone
     * @param leanResults          the load driver reads of a result only its status, touched nodes and allocated
     *                             address (false: every result decoded whole, as before issue 10)
     */
    public record Options(int controllers, RequestMix mix, Map<String, String> controllerProperties, Optional<Path> jfr,
                          Set<NodeRole> agents, boolean leanResults) {

        public Options(int controllers, RequestMix mix, Map<String, String> controllerProperties, Optional<Path> jfr, Set<NodeRole> agents) {
            this(controllers, mix, controllerProperties, jfr, agents, true);
        }

        public Options {
            controllerProperties = Map.copyOf(controllerProperties);
            agents = agents.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(agents));
            if (controllers < 1) {
                throw new IllegalArgumentException("at least one controller");
            }
            if (!NODE_ROLES.containsAll(agents)) {
                throw new IllegalArgumentException("the node runs " + NODE_ROLES + " at most, not " + agents);
            }
        }
    }

    /** The threads of this JVM that are the load driver's (the rest are the broker's). */
    static final Set<String> DRIVER_THREADS = Set.of(OutcomeTracker.THREAD_NAME, "kafka-producer-network-thread | " + RequestSender.CLIENT_ID);

    private final Path work;
    private final Options options;
    private final PrintWriter progress;
    private final Optional<Path> brokerLogDir;

    public FactnetBench(Path work, Options options, PrintWriter progress) {
        this(work, options, progress, Optional.empty());
    }

    /**
     * @param brokerLogDir the broker's log.dirs when it runs on this machine: records per request are counted
     *                     from its segments (without it, from the log end offsets alone: markers not told apart)
     */
    public FactnetBench(Path work, Options options, PrintWriter progress, Optional<Path> brokerLogDir) {
        this.work = work;
        this.options = options;
        this.progress = progress;
        this.brokerLogDir = brokerLogDir;
    }

    @Override
    public BenchResult run(BenchSettings settings, String bootstrapServers, List<Request> requests) throws Exception {
        PeakMemory.Mark self = PeakMemory.reset();
        List<ChildJvm> children = new ArrayList<>();
        try (ApicurioRegistry registry = ApicurioRegistry.start(work.resolve("registry"))) {
            say("schema registry up; starting %d controller JVM(s) (%s, commit every %d ms)", options.controllers(),
                    BenchCommand.name(settings.guarantee()), settings.commitInterval().toMillis());
            for (int i = 1; i <= options.controllers(); i++) {
                children.add(controller(i, settings, bootstrapServers, registry.confluentUrl()));
            }
            Runnable healthCheck = () -> children.forEach(ChildJvm::requireAlive);
            Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            awaitTopics(kafka, healthCheck);
            SchemaRegistryClient registryClient = new HttpSchemaRegistryClient(SchemaRegistryConfig.of(registry.confluentUrl()));
            try (Admin admin = Admin.create(kafka);
                 OutcomeTracker tracker = new OutcomeTracker(kafka, registryClient, options.agents(), options.leanResults(), null);
                 RequestSender sender = new RequestSender(kafka, registryClient, true, Map.of(ProducerConfig.LINGER_MS_CONFIG, 5))) {
                LoadDriver driver = new LoadDriver(tracker, sender, healthCheck);
                awaitGroup(kafka, healthCheck);
                requireNoRefusals("setup", driver.run(setup(), 0, START_TIMEOUT));
                if (!options.agents().isEmpty()) {
                    children.add(node(bootstrapServers, registry.confluentUrl()));
                    awaitFirstAcks(tracker, healthCheck);
                }

                say("full speed: %,d requests", requests.size());
                Map<TopicPartition, Long> offsetsBefore = BrokerLogCount.endOffsets(admin);
                Map<String, OptionalDouble> cpuBefore = cpu(children, registry);
                List<ChildJvm> controllers = children.subList(0, options.controllers());
                List<Long> controllerLogs = controllers.stream().map(ChildJvm::logSize).toList();
                long endOffsetRequestsBefore = tracker.endOffsetRequests();
                long[] pollsBefore = tracker.pollsAndRecords();
                ThreadCpu.Snapshot threadsBefore = ThreadCpu.take();
                double loadBefore = ProcStat.loadAverage().orElse(Double.NaN);
                LoadDriver.Phase full = driver.run(requests, 0, phaseTimeout(requests.size()));
                ThreadCpu.Snapshot threadsAfter = ThreadCpu.take();
                long endOffsetRequests = tracker.endOffsetRequests() - endOffsetRequestsBefore;
                long[] pollsAfter = tracker.pollsAndRecords();
                long polls = pollsAfter[0] - pollsBefore[0];
                long recordsRead = pollsAfter[1] - pollsBefore[1];
                Map<String, OptionalDouble> cpuAfter = cpu(children, registry);
                double loadAfter = ProcStat.loadAverage().orElse(Double.NaN);
                Map<TopicPartition, Long> offsetsAfter = BrokerLogCount.endOffsets(admin);
                requireNoRefusals("full speed", full);
                String mainThread = Thread.currentThread().getName();
                ThreadCpu.Split benchThreads = ThreadCpu.between(threadsBefore, threadsAfter,
                        name -> DRIVER_THREADS.contains(name) || name.equals(mainThread));

                List<String> byCommand = new ArrayList<>();
                byCommand.add(byCommand("full speed", full));
                Map<String, LatencySummary> latencies = new LinkedHashMap<>();
                latencies.put("to result, full speed", full.toResult());
                if (!options.agents().isEmpty()) {
                    latencies.put("to applied, full speed", full.toApplied());
                }
                if (settings.pacedRate() > 0 && settings.pacedCount() > 0) {
                    say("paced: %,d requests at %,d/s", settings.pacedCount(), settings.pacedRate());
                    List<Request> paced = options.mix().requests(settings.pacedCount(), options.mix().projectsFor(requests.size()), "paced");
                    LoadDriver.Phase phase = driver.run(paced, settings.pacedRate(), phaseTimeout(paced.size()));
                    requireNoRefusals("paced", phase);
                    String label = String.format(Locale.ROOT, "at %,d/s", settings.pacedRate());
                    latencies.put("to result, " + label, phase.toResult());
                    if (!options.agents().isEmpty()) {
                        latencies.put("to applied, " + label, phase.toApplied());
                    }
                    byCommand.add(byCommand(label, phase));
                }
                List<JvmUsage> jvms = new ArrayList<>();
                jvms.add(withCpu(PeakMemory.since(self, "bench JVM (broker, load driver)"), cpuBefore, cpuAfter));
                for (ChildJvm child : children) {
                    jvms.add(withCpu(new JvmUsage(child.name(), OptionalLong.empty(), child.peakRss(), OptionalDouble.empty()),
                            cpuBefore, cpuAfter));
                }
                jvms.add(withCpu(new JvmUsage("schema registry (Apicurio)", OptionalLong.empty(),
                        ProcStat.peakRss(registry.pid()), OptionalDouble.empty()), cpuBefore, cpuAfter));
                List<String> notes = new ArrayList<>(byCommand);
                notes.add(cpuPerRequest(jvms, benchThreads, full.requests()) + String.format(Locale.ROOT,
                        " (%s); the load driver asked for end offsets %,d times (%.1f per 1,000 requests); its reader's polls"
                                + " returned %,d records in %,d polls (%.1f records per poll)",
                        ThreadCpu.perThread(threadsBefore, threadsAfter, name -> DRIVER_THREADS.contains(name) || name.equals(mainThread))
                                .entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() / 1e3 / full.requests()))
                                .collect(Collectors.joining(", ")),
                        endOffsetRequests, endOffsetRequests * 1000.0 / full.requests(), recordsRead, polls,
                        polls == 0 ? 0.0 : (double) recordsRead / polls));
                notes.addAll(recordsPerRequest(offsetsBefore, offsetsAfter, full.requests()));
                notes.add(producerRetries(controllers, controllerLogs));
                notes.addAll(List.of(
                        String.format("controllers %d, %s, commit interval %d ms (%d ms when busy)%s; node agents: %s", options.controllers(),
                                BenchCommand.name(settings.guarantee()), settings.commitInterval().toMillis(),
                                Math.max(settings.commitInterval().toMillis(), ControllerConfig.DEFAULT_COMMIT_INTERVAL_MS),
                                options.controllerProperties().isEmpty() ? "" : ", " + options.controllerProperties(),
                                options.agents().isEmpty() ? "none (the controller alone)" : roleNames(options.agents(), ", ")
                                        + " (render driver)")
                                + (options.leanResults() ? "" : "; the load driver decodes every result whole (--full-results)"),
                        String.format("CPU is of the full-speed phase (%.1f s of wall time, %.1f s of CPU on 2 cores); load average"
                                + " %.1f before, %.1f after it", full.seconds(), 2 * full.seconds(), loadBefore, loadAfter),
                        "memory: peak RSS of each JVM over the whole run (the children's heaps are not readable from here;"
                                + " -Xmx " + CONTROLLER_HEAP_MB + " MiB for a controller, " + NODE_HEAP_MB + " MiB for the node)"));
                return new BenchResult("factnet", full.requests(), BaselineBench.averageBytes(BaselineBench.serialize(requests)), full.seconds(), latencies,
                        jvms, notes);
            }
        } finally {
            for (int i = children.size() - 1; i >= 0; i--) {
                children.get(i).close();
            }
        }
    }

    private ChildJvm controller(int index, BenchSettings settings, String bootstrap, String registryUrl) throws IOException {
        Properties properties = new Properties();
        properties.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.setProperty(SchemaRegistryConfig.URL, registryUrl);
        properties.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        properties.setProperty(StreamsConfig.STATE_DIR_CONFIG, work.resolve("controller-" + index).toAbsolutePath().toString());
        properties.setProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, settings.guarantee() == Guarantee.EXACTLY_ONCE
                ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
        // the adaptive commit (ADR 0045): every --commit-interval while light, every commit.interval.ms (at least the
        // controller's default) when busy; --commit-interval at or above that commits at that interval always
        long commit = settings.commitInterval().toMillis();
        properties.setProperty(ControllerConfig.COMMIT_QUICK_MS, String.valueOf(commit));
        properties.setProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, String.valueOf(Math.max(commit, ControllerConfig.DEFAULT_COMMIT_INTERVAL_MS)));
        properties.setProperty(ControllerConfig.TOPIC_PARTITIONS, String.valueOf(settings.partitions()));
        // loopback and any free port: several controllers share this machine (and its port 8080 may be taken)
        properties.setProperty(ControllerConfig.HTTP_HOST, "127.0.0.1");
        properties.setProperty(ControllerConfig.HTTP_PORT, "0");
        properties.putAll(options.controllerProperties());
        Path file = work.resolve("controller-" + index + ".properties");
        try (OutputStream out = Files.newOutputStream(file)) {
            properties.store(out, "factnet bench: controller " + index);
        }
        String name = "controller-" + index;
        return ChildJvm.start(new ChildJvm.Spec(name, ControllerApp.class.getName(), List.of(file.toString()), work.resolve(name + ".log"),
                CONTROLLER_HEAP_MB, jfr(name), Map.of()));
    }

    private ChildJvm node(String bootstrap, String registryUrl) {
        String roles = roleNames(options.agents(), ",");
        return ChildJvm.start(new ChildJvm.Spec("node (" + roles + ")", ChildJvm.FACTNET, List.of("node", "--role", roles, "--registered-roles", roleNames(NODE_ROLES, ","), "--node-id", NODE_ID, "--public-address", NODE_ADDRESS, "--driver", "render",
                        "--state-dir", work.resolve("node").toAbsolutePath().toString(), "--physical-interface", "physnet1=eth1"),
                work.resolve("node.log"), NODE_HEAP_MB, jfr("node"),
                Map.of("FACTNET_BOOTSTRAP_SERVERS", bootstrap, "FACTNET_SCHEMA_REGISTRY_URL", registryUrl)));
    }

    private List<String> jfr(String name) {
        return options.jfr().map(dir -> List.of("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                + dir.resolve(name + ".jfr").toAbsolutePath())).orElse(List.of());
    }

    /** The pools the mix draws from (a VLAN and a /20 per project, 128k floating addresses) and the node. */
    private static List<Request> setup() {
        Instant now = Instant.now();
        List<Object> commands = List.of(
                DefineVlanRange.newBuilder().setFirst(1).setLast(4094).build(),
                DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build(),
                DefineFloatingPool.newBuilder().setPool(RequestMix.POOL).setCidrs(List.of(FLOATING_CIDR)).build(),
                RegisterNode.newBuilder().setNodeId(NODE_ID).setRoles(List.copyOf(NODE_ROLES)).setPublicAddress(NODE_ADDRESS)
                        .setPhysicalNetworks(List.of("physnet1")).build());
        List<Request> requests = new ArrayList<>();
        for (Object command : commands) {
            requests.add(Request.newBuilder().setRequestId("setup-" + requests.size()).setProject(RequestRoutes.ADMIN_PROJECT)
                    .setSubmittedAt(now).setCommand(command).build());
        }
        return requests;
    }

    /** The first controller creates factnet's topics; the tracker needs them to exist. */
    private static void awaitTopics(Map<String, Object> kafka, Runnable healthCheck) throws Exception {
        Set<String> wanted = Topics.all().stream().map(Topic::name).collect(Collectors.toSet());
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (Admin admin = Admin.create(kafka)) {
            while (!admin.listTopics().names().get(30, TimeUnit.SECONDS).containsAll(wanted)) {
                healthCheck.run();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the controller did not create factnet's topics within " + START_TIMEOUT.toSeconds() + " s");
                }
                TimeUnit.MILLISECONDS.sleep(200); // polling with a deadline
            }
        }
    }

    /** Every controller has joined and the group has settled: no rebalance falls into the measurement. */
    private void awaitGroup(Map<String, Object> kafka, Runnable healthCheck) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (Admin admin = Admin.create(kafka)) {
            while (true) {
                String state;
                try {
                    ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(APPLICATION_ID)).describedGroups()
                            .get(APPLICATION_ID).get(30, TimeUnit.SECONDS);
                    if (group.groupState() == GroupState.STABLE && group.members().size() == options.controllers()) {
                        return;
                    }
                    state = group.groupState() + " with " + group.members().size() + " of " + options.controllers() + " members";
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                        throw e;
                    }
                    state = "not there yet";
                }
                healthCheck.run();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the controllers' group is " + state + " after " + START_TIMEOUT.toSeconds() + " s");
                }
                TimeUnit.MILLISECONDS.sleep(200); // polling with a deadline
            }
        }
    }

    /** Each agent acks its first sync: then it has replayed its partition and runs. */
    private void awaitFirstAcks(OutcomeTracker tracker, Runnable healthCheck) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            Map<NodeTarget, AppliedAck> acks = tracker.lastAcks();
            if (options.agents().stream().allMatch(role -> acks.containsKey(new NodeTarget(NODE_ID, role)))) {
                return;
            }
            healthCheck.run();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the node agents did not ack within " + START_TIMEOUT.toSeconds() + " s; acks: " + acks.keySet());
            }
            TimeUnit.MILLISECONDS.sleep(100); // polling with a deadline
        }
    }

    /** p50/p99 to result per command: where the sagas (pool stage round trips) show. */
    private static String byCommand(String label, LoadDriver.Phase phase) {
        return "to result by command, " + label + ": " + phase.toResultByCommand().entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %.0f/%.0f ms", e.getKey(), e.getValue().p50Micros() / 1000.0,
                        e.getValue().p99Micros() / 1000.0))
                .collect(Collectors.joining(", ")) + " (p50/p99)";
    }

    private static String roleNames(Set<NodeRole> roles, String separator) {
        return roles.stream().sorted().map(r -> r.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(separator));
    }

    private static Duration phaseTimeout(int requests) {
        return Duration.ofMinutes(5).plusMillis(requests * 5L);
    }

    private static void requireNoRefusals(String phase, LoadDriver.Phase outcome) {
        if (!outcome.refused().isEmpty() || !outcome.refusals().isEmpty()) {
            throw new IllegalStateException(phase + ": requests were refused " + outcome.refused() + ", e.g. "
                    + String.join("; ", outcome.refusals()) + " (the mix and the setup should make every request valid)");
        }
    }

    /**
     * CPU µs per request of each JVM in the full-speed phase, and the bench JVM's split into the broker's
     * threads, the load driver's and what no Java thread accounts for (GC, JIT, VM).
     */
    static String cpuPerRequest(List<JvmUsage> jvms, ThreadCpu.Split self, int requests) {
        double all = 0;
        List<String> parts = new ArrayList<>();
        for (JvmUsage jvm : jvms) {
            if (jvm.cpuSeconds().isEmpty()) {
                continue;
            }
            double micros = jvm.cpuSeconds().getAsDouble() * 1e6 / requests;
            all += micros;
            parts.add(String.format(Locale.ROOT, "%s %.0f", jvm.name(), micros));
        }
        return String.format(Locale.ROOT, "CPU µs per request, full speed: %s; in all %.0f. The bench JVM's: broker threads %.0f,"
                        + " load driver threads %.1f, GC/JIT/VM (no Java thread) %.0f",
                String.join(", ", parts), all, self.others() / 1e3 / requests, self.selected() / 1e3 / requests,
                self.unattributed() / 1e3 / requests);
    }

    /**
     * The controllers' producer retries in the full-speed phase, as their logs have them (the producer logs each
     * retried produce error at WARN): CONCURRENT_TRANSACTIONS when a transaction began before the last one's
     * markers were written, and the OUT_OF_ORDER_SEQUENCE_NUMBER of the batches behind it.
     */
    private static String producerRetries(List<ChildJvm> controllers, List<Long> from) {
        long concurrent = 0;
        long outOfOrder = 0;
        for (int i = 0; i < controllers.size(); i++) {
            concurrent += controllers.get(i).countInLog(from.get(i), "Error: CONCURRENT_TRANSACTIONS");
            outOfOrder += controllers.get(i).countInLog(from.get(i), "Error: OUT_OF_ORDER_SEQUENCE_NUMBER");
        }
        return String.format(Locale.ROOT, "controller producer retries in the full-speed phase (their WARN lines): CONCURRENT_TRANSACTIONS %,d,"
                + " OUT_OF_ORDER_SEQUENCE_NUMBER %,d", concurrent, outOfOrder);
    }

    /** Records (and markers) per request written in the full-speed phase, by family and by topic. */
    private List<String> recordsPerRequest(Map<TopicPartition, Long> before, Map<TopicPartition, Long> after, int requests) {
        if (brokerLogDir.isEmpty()) {
            long offsets = after.entrySet().stream().mapToLong(e -> e.getValue() - before.getOrDefault(e.getKey(), 0L)).sum();
            return List.of(String.format(Locale.ROOT, "offsets per request (records and markers; the broker's logs are not here"
                    + " to tell them apart): %.2f", (double) offsets / requests));
        }
        BrokerLogCount.Counts counts = BrokerLogCount.count(brokerLogDir.get(), before, after);
        return List.of(counts.perRequest(requests), "records per request by topic: " + counts.perTopic(requests));
    }

    private static Map<String, OptionalDouble> cpu(List<ChildJvm> children, ApicurioRegistry registry) {
        Map<String, OptionalDouble> cpu = new LinkedHashMap<>();
        long self = ThreadCpu.processCpuNanos(); // the OperatingSystemMXBean's; the children's from /proc (10 ms ticks)
        cpu.put("bench JVM (broker, load driver)", self < 0 ? ProcStat.cpuSeconds(ProcessHandle.current().pid()) : OptionalDouble.of(self / 1e9));
        children.forEach(child -> cpu.put(child.name(), child.cpuSeconds()));
        cpu.put("schema registry (Apicurio)", ProcStat.cpuSeconds(registry.pid()));
        return cpu;
    }

    private static JvmUsage withCpu(JvmUsage usage, Map<String, OptionalDouble> before, Map<String, OptionalDouble> after) {
        OptionalDouble from = before.getOrDefault(usage.name(), OptionalDouble.empty());
        OptionalDouble to = after.getOrDefault(usage.name(), OptionalDouble.empty());
        return new JvmUsage(usage.name(), usage.peakHeapBytes(), usage.peakRssBytes(), PeakMemory.minus(to, from));
    }

    private void say(String format, Object... args) {
        progress.printf("  " + format + "%n", args);
        progress.flush();
    }
}
