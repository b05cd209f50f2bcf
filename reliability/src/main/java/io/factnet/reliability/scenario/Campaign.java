package io.factnet.reliability.scenario;

import io.factnet.model.DeadLetter;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.reliability.ChaosSettings;
import io.factnet.reliability.Figures;
import io.factnet.reliability.check.NodeCatchUp;
import io.factnet.reliability.check.RecoveryCheck;
import io.factnet.reliability.check.ReplayCheck;
import io.factnet.reliability.check.ResultsCheck;
import io.factnet.reliability.check.StateCheck;
import io.factnet.reliability.check.VerdictCheck;
import io.factnet.reliability.corpus.Corpus;
import io.factnet.reliability.corpus.CorpusPlayer;
import io.factnet.reliability.load.LoadGenerator;
import io.factnet.reliability.load.LoadShape;
import io.factnet.reliability.load.RequestKey;
import io.factnet.reliability.process.Children;
import io.factnet.reliability.process.NodeAgentProcess;
import io.factnet.reliability.read.Decoded;
import io.factnet.reliability.read.NodeEventsFollower;
import io.factnet.reliability.read.ResultFollower;
import io.factnet.reliability.read.TopicSnapshot;
import io.factnet.reliability.send.Outgoing;
import io.factnet.reliability.send.Sent;
import io.factnet.reliability.send.SentLog;
import io.factnet.reliability.send.TransactionalSender;
import io.factnet.serde.AvroSerializer;
import io.factnet.topics.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chaos campaign against a whole {@link ChaosCluster}: the fleet's admin setup, then phases, each a
 * slice of one seeded load (sent in rounds, the generator learning from each round's results) with its
 * faults injected at seeded moments (by how many results have come back), then the corpus of bad input.
 * After each phase, once everything has recovered, the checks run over everything sent so far: one
 * result per send, nothing held twice, the reference model, the node agents caught up, recovery times.
 */
public final class Campaign {
    private static final Logger log = LoggerFactory.getLogger(Campaign.class);
    /** How long one round's results, or the recovery after a phase, may take before the run fails. */
    public static final Duration PATIENCE = Duration.ofMinutes(4);

    public static final String CONTROLLER_KILLS = "controller-kill";
    public static final String CONTROLLER_STOP = "controller-stop";
    public static final String BROKER_KILL = "broker-kill";
    public static final String AGENT_KILL = "agent-kill";
    public static final String AGENT_APPLY_FAILS = "agent-apply-fails";
    public static final String MIXED = "mixed";

    /** One scenario: a slice of the load and the faults injected during it, in order. */
    public record Phase(String name, int requests, List<FaultInjector.Kind> faults) {
    }

    /**
     * @param shape              the whole load (all phases)
     * @param roundSize          requests sent before waiting for their results
     * @param maxBatch           the largest transaction
     * @param resendEvery        about one request in this many is sent again later (a client retrying)
     */
    public record Plan(LoadShape shape, int roundSize, int maxBatch, int resendEvery, Duration longestOutage,
                       Duration longestToolFailure, ChaosCluster.Failover failover, List<Phase> phases) {
        /**
         * Short form: a few thousand requests per single-fault scenario and twice that mixed (tens of thousands in
         * all); long form: fifteen times the load and more faults.
         */
        public static Plan of(ChaosSettings settings) {
            int unit = settings.pick(2_000, 30_000);
            SplittableRandom kinds = new SplittableRandom(settings.seed() ^ 0x5eed_f417L);
            List<FaultInjector.Kind> mixed = new ArrayList<>();
            for (int i = settings.pick(3, 20); i > 0; i--) {
                mixed.add(FaultInjector.Kind.values()[kinds.nextInt(FaultInjector.Kind.values().length)]);
            }
            List<Phase> phases = List.of(
                    new Phase(CONTROLLER_KILLS, unit, Collections.nCopies(settings.pick(2, 6), FaultInjector.Kind.CONTROLLER_KILL)),
                    new Phase(CONTROLLER_STOP, unit, Collections.nCopies(settings.pick(1, 3), FaultInjector.Kind.CONTROLLER_STOP)),
                    new Phase(BROKER_KILL, unit, Collections.nCopies(settings.pick(1, 3), FaultInjector.Kind.BROKER_KILL)),
                    new Phase(AGENT_KILL, unit, Collections.nCopies(settings.pick(1, 4), FaultInjector.Kind.AGENT_KILL)),
                    new Phase(AGENT_APPLY_FAILS, unit, Collections.nCopies(settings.pick(1, 3), FaultInjector.Kind.AGENT_APPLY_FAILS)),
                    new Phase(MIXED, 2 * unit, List.copyOf(mixed)));
            int total = phases.stream().mapToInt(Phase::requests).sum();
            return new Plan(new LoadShape(settings.pick(60, 300), total, 200), settings.pick(500, 2000), 100, 200,
                    Duration.ofSeconds(3), Duration.ofSeconds(settings.pick(8, 15)),
                    settings.isLong() ? ChaosCluster.Failover.DEFAULTS : ChaosCluster.Failover.FAST, phases);
        }

        public Phase phase(String name) {
            return phases.stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no phase " + name));
        }
    }

    /** What a phase measured and what its checks found. */
    public record PhaseOutcome(Phase phase, Figures figures, List<FaultInjector.Injected> faults, ResultsCheck.Report results,
                               StateCheck.Report state, List<NodeCatchUp.Status> nodes, List<ReplayCheck.Report> replays,
                               List<Optional<Duration>> recoveries, Optional<Duration> fullRecovery) {
    }

    /** The bad-input phase: the verdicts, and the checks after it. */
    public record CorpusOutcome(Figures figures, VerdictCheck.Report verdicts, ResultsCheck.Report results, StateCheck.Report state,
                                List<NodeCatchUp.Status> nodes, List<ReplayCheck.Report> replays) {
    }

    private final ChaosSettings settings;
    private final Plan plan;
    private final Path dir;
    private final ChaosCluster cluster;
    private final SchemaRegistryClient registry;
    private final AvroSerializer<Request> serializer;
    private final TransactionalSender sender;
    private final ResultFollower results;
    private final NodeEventsFollower nodeEvents;
    private final SentLog sent = new SentLog();
    private final LoadGenerator load;
    private final SplittableRandom batches;
    private final SplittableRandom resends;
    private final FaultInjector injector;
    private final SplittableRandom moments;
    private final Map<RequestKey, Integer> sends = new HashMap<>();
    private final List<Request> loadSent = new ArrayList<>();
    private final List<FaultInjector.Injected> allFaults = Collections.synchronizedList(new ArrayList<>());

    private Campaign(ChaosSettings settings, Plan plan, Path dir, ChaosCluster cluster, SchemaRegistryClient registry) {
        this.settings = settings;
        this.plan = plan;
        this.dir = dir;
        this.cluster = cluster;
        this.registry = registry;
        this.serializer = new AvroSerializer<>(registry, true);
        this.sender = new TransactionalSender(cluster.bootstrapServers(), "chaos-campaign", PATIENCE);
        this.results = new ResultFollower(cluster.bootstrapServers(), registry);
        this.nodeEvents = new NodeEventsFollower(cluster.bootstrapServers(), registry);
        this.load = new LoadGenerator(settings.seed(), plan.shape(), true, Clock.systemUTC());
        SplittableRandom root = new SplittableRandom(settings.seed());
        this.batches = root.split();
        this.resends = root.split();
        this.moments = root.split();
        this.injector = new FaultInjector(cluster, root.split(), plan.longestOutage(), plan.longestToolFailure());
    }

    /** Starts the cluster and sends the fleet's admin setup, each request answered. */
    public static Campaign start(ChaosSettings settings, Plan plan, Children children, String registryUrl,
                                 SchemaRegistryClient registry) {
        Path dir = settings.runDir("campaign");
        ChaosCluster cluster = ChaosCluster.start(children, dir, registryUrl, Duration.ofSeconds(30), plan.failover());
        Campaign campaign = new Campaign(settings, plan, dir, cluster, registry);
        List<Request> setup = campaign.load.adminSetup();
        campaign.sendAndAwait(setup);
        return campaign;
    }

    /** Where the phase writes its figures. */
    public Path dir(String phase) {
        return dir.resolve(phase);
    }

    public ChaosCluster cluster() {
        return cluster;
    }

    public Plan plan() {
        return plan;
    }

    // ------------------------------------------------------------------ phases

    public PhaseOutcome run(Phase phase) {
        long began = System.nanoTime();
        int before = results.readCount();
        List<FaultInjector.Injected> injected = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> faultFailure = new AtomicReference<>();
        List<Integer> points = faultPoints(phase);
        Thread faults = new Thread(() -> {
            try {
                for (int i = 0; i < points.size(); i++) {
                    int point = points.get(i);
                    awaitResults(() -> results.readCount() - before >= point, "result " + point + " of phase " + phase.name());
                    FaultInjector.Injected fault = injector.inject(phase.faults().get(i));
                    log.info("chaos {}: {}", phase.name(), fault);
                    injected.add(fault);
                }
            } catch (Throwable e) {
                faultFailure.set(e);
            }
        }, "chaos-faults");
        faults.setDaemon(true);
        faults.start();

        int requests = sendLoad(phase.requests(), faultFailure);
        join(faults);
        if (faultFailure.get() != null) {
            throw new IllegalStateException("injecting a fault failed in phase " + phase.name() + " (" + settings.replay() + ")",
                    faultFailure.get());
        }
        allFaults.addAll(injected);
        cluster.awaitControllersRunning(PATIENCE);
        List<NodeCatchUp.Status> nodes = awaitNodesCaughtUp();
        List<ReplayCheck.Report> replays = replays(phase.name());

        List<Decoded<Result>> answers = results.all();
        ResultsCheck.Report resultsReport = ResultsCheck.check(sent.committed(), answers, nodeEvents.requests());
        StateCheck.Report state = StateCheck.check(StateCheck.Snapshot.read(cluster.bootstrapServers(), registry, PATIENCE));
        List<Optional<Duration>> recoveries = injected.stream().map(f -> recovery(f, answers)).toList();
        Optional<Duration> full = nodes.stream().allMatch(NodeCatchUp.Status::caughtUp) && !recoveries.isEmpty()
                ? recoveries.get(recoveries.size() - 1) : injected.isEmpty() ? Optional.of(Duration.ZERO) : Optional.empty();
        sent.writeTo(dir.resolve("sent.tsv"));

        Figures figures = new Figures(phase.name())
                .put("seed", settings.seed())
                .put("requests sent in this phase (incl. resends)", requests)
                .put("faults injected", injected.size() + " " + injected.stream().map(f -> f.kind().label).toList())
                .put("requests sent so far (committed sends)", resultsReport.sends())
                .put("results checked so far", resultsReport.results())
                .put("requests lost (sends without a result)", resultsReport.missing().size())
                .put("duplicates (more results than sends)", resultsReport.doubled().size())
                .put("results nobody asked for", resultsReport.unexpected().size())
                .put("repeated ids answered differently", resultsReport.repeatsDiffering().size())
                .put("held twice or inconsistent in the state topics", state.problems().size())
                .put("state held", state.toString().replaceAll("; problems.*", ""))
                .put("node agents caught up", nodes.stream().filter(NodeCatchUp.Status::caughtUp).count() + " of " + nodes.size())
                .put("nodes whose render folder equals a fresh factnet replay", replays.stream().filter(ReplayCheck.Report::equal).count()
                        + " of " + replays.size())
                .put("per fault: fault -> recovered (backlog answered; agent: applying again)", recoveries.stream()
                        .map(r -> r.map(d -> d.toMillis() + " ms").orElse("never")).toList())
                .put("last fault -> full recovery", full.map(d -> d.toMillis() + " ms").orElse("never"))
                .put("wall time", Duration.ofNanos(System.nanoTime() - began));
        figures.writeTo(dir.resolve(phase.name()));
        log.info("chaos phase {}:\n{}", phase.name(), figures);
        return new PhaseOutcome(phase, figures, List.copyOf(injected), resultsReport, state, nodes, replays, recoveries, full);
    }

    /** The moments of the phase's faults, as numbers of results received in the phase, spread over its middle. */
    private List<Integer> faultPoints(Phase phase) {
        List<Integer> points = new ArrayList<>();
        int n = phase.faults().size();
        for (int i = 0; i < n; i++) {
            double from = 0.1 + 0.75 * i / n;
            double to = 0.1 + 0.75 * (i + 1) / n;
            points.add((int) (phase.requests() * (from + (to - from) * moments.nextDouble())));
        }
        return points;
    }

    /**
     * Sends {@code count} requests of the load in rounds, two rounds in flight: a round is sent, then the
     * previous one's results are awaited and learned from, so the generator sees each answer one round late.
     * Returns how many were sent.
     */
    private int sendLoad(int count, AtomicReference<Throwable> stop) {
        int sentNow = 0;
        List<Request> previous = List.of();
        while (sentNow < count && load.hasNext() && stop.get() == null) {
            List<Request> round = new ArrayList<>(load.next(Math.min(plan.roundSize(), count - sentNow)));
            for (int i = 0; i < round.size() / plan.resendEvery() && !loadSent.isEmpty(); i++) {
                round.add(1 + resends.nextInt(round.size()), loadSent.get(resends.nextInt(loadSent.size())));
            }
            send(round);
            awaitAndLearn(previous);
            loadSent.addAll(round);
            previous = round;
            sentNow += round.size();
        }
        awaitAndLearn(previous);
        return sentNow;
    }

    private void awaitAndLearn(List<Request> round) {
        await(round).forEach(load::observe);
    }

    /** Sends the requests in seeded transactions and waits for each send's result; returns each request's first answer. */
    private List<Result> sendAndAwait(List<Request> requests) {
        send(requests);
        return await(requests);
    }

    /** Sends the requests in transactions of seeded sizes. */
    private void send(List<Request> requests) {
        for (int from = 0; from < requests.size(); ) {
            int to = Math.min(requests.size(), from + 1 + batches.nextInt(plan.maxBatch()));
            List<Outgoing> records = requests.subList(from, to).stream().map(r -> Outgoing.of(r, serializer, "load")).toList();
            TransactionalSender.Batch batch = sender.send(records);
            if (batch.outcome() == TransactionalSender.Delivery.COMMITTED) {
                sent.committed(batch.sent());
                batch.sent().forEach(s -> sends.merge(RequestKey.of(s.request()), 1, Integer::sum));
            } else {
                sent.unknown(records);
            }
            from = to;
        }
    }

    /** Waits for every send so far of these requests to be answered; returns each one's first answer. */
    private List<Result> await(List<Request> requests) {
        List<Result> answers = new ArrayList<>();
        Map<RequestKey, Integer> awaited = new LinkedHashMap<>();
        requests.forEach(r -> awaited.put(RequestKey.of(r), sends.getOrDefault(RequestKey.of(r), 0)));
        awaited.forEach((key, count) -> {
            if (count > 0) {
                List<Result> got = results.await(key, count, PATIENCE);
                answers.add(got.get(0));
            }
        });
        return answers;
    }

    /** Check 4: each node's render folder against a fresh {@code factnet replay} of its topics, into a new folder. */
    private List<ReplayCheck.Report> replays(String name) {
        List<ReplayCheck.Report> reports = new ArrayList<>();
        for (NodeAgentProcess agent : cluster.agents()) {
            reports.add(ReplayCheck.replayAndCompare(agent.nodeId(), agent.roleList(), NodeAgentProcess.RENDER_SETTINGS,
                    agent.stateDir(), agent.kernel(), dir.resolve("replay").resolve(name).resolve(agent.nodeId()),
                    cluster.bootstrapServers(), cluster.registryUrl()));
        }
        return reports;
    }

    private List<NodeCatchUp.Status> awaitNodesCaughtUp() {
        Map<NodeCatchUp.Agent, Long> last = NodeCatchUp.lastOffsets(cluster.bootstrapServers(), cluster.agentRoles(), PATIENCE);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            nodeEvents.catchUp(PATIENCE);
            List<NodeCatchUp.Status> statuses = NodeCatchUp.status(last, nodeEvents.acks());
            if (statuses.stream().allMatch(NodeCatchUp.Status::caughtUp) || System.nanoTime() - deadline >= 0) {
                return statuses;
            }
            pause(200);
        }
    }

    /**
     * Check 5, per fault: from the moment it began until the system had caught up with it. For a controller or
     * the broker: it was started again and every request committed before the fault was answered (a fault
     * that left no backlog, injected when every request was already answered, is not over before its process is
     * back: it measured 0 ms). For a node agent: each of the node's
     * agents that the fault hit (all of them after a kill; after failing tools, those that tried to apply
     * meanwhile) applying again without error once it was back. Empty: it never recovered.
     */
    private Optional<Duration> recovery(FaultInjector.Injected fault, List<Decoded<Result>> answers) {
        if (fault.kind() != FaultInjector.Kind.AGENT_KILL && fault.kind() != FaultInjector.Kind.AGENT_APPLY_FAILS) {
            Duration back = Duration.between(fault.began(), fault.ended());
            return RecoveryCheck.after(fault.began(), sent.committed(), answers).backlogDone()
                    .map(backlog -> backlog.compareTo(back) > 0 ? backlog : back);
        }
        long began = fault.began().toEpochMilli();
        long back = fault.ended().toEpochMilli();
        long recovered = back;
        for (NodeCatchUp.Agent agent : cluster.agentRoles()) {
            List<NodeEventsFollower.Ack> acks = nodeEvents.acks().stream()
                    .filter(a -> a.nodeId().equals(agent.nodeId()) && a.role() == agent.role()).toList();
            // A killed agent restarts every role; failing tools hurt only the roles that tried to apply meanwhile.
            boolean hit = fault.target().contains(agent.nodeId()) && (fault.kind() == FaultInjector.Kind.AGENT_KILL
                    || acks.stream().anyMatch(a -> a.error() != null && a.sentAtMillis() >= began));
            if (!hit) {
                continue;
            }
            Optional<Long> applied = acks.stream().filter(a -> a.error() == null && a.sentAtMillis() >= back)
                    .map(NodeEventsFollower.Ack::sentAtMillis).findFirst();
            if (applied.isEmpty()) {
                return Optional.empty();
            }
            recovered = Math.max(recovered, applied.get());
        }
        return Optional.of(Duration.ofMillis(recovered - fault.began().toEpochMilli()));
    }

    // ------------------------------------------------------------------ bad input

    /** The corpus of bad input between valid requests, against the running controllers; no faults. */
    public CorpusOutcome playCorpus() {
        long began = System.nanoTime();
        CorpusPlayer player = new CorpusPlayer(Corpus.fromResource(), settings.seed(), registry, sent, Clock.systemUTC());
        List<CorpusPlayer.Played> played = new ArrayList<>();
        Map<String, String> refs = player.setUp(sender, results, PATIENCE, played);
        played.addAll(player.play(sender, refs));
        Map<RequestKey, Integer> count = new HashMap<>();
        for (CorpusPlayer.Played record : played) {
            if (record.key() != null) {
                count.merge(record.key(), 1, Integer::sum);
            }
        }
        count.forEach((key, n) -> results.await(key, n, PATIENCE));
        List<Decoded<DeadLetter>> deadLetters = TopicSnapshot.read(cluster.bootstrapServers(), Topics.DEAD_LETTERS, registry, PATIENCE);
        List<NodeCatchUp.Status> nodes = awaitNodesCaughtUp();
        List<ReplayCheck.Report> replays = replays("corpus");
        List<Decoded<Result>> answers = results.all();
        VerdictCheck.Report verdicts = VerdictCheck.check(played, answers, deadLetters);
        nodeEvents.catchUp(PATIENCE);
        ResultsCheck.Report resultsReport = ResultsCheck.check(sent.committed(), answers, nodeEvents.requests());
        StateCheck.Report state = StateCheck.check(StateCheck.Snapshot.read(cluster.bootstrapServers(), registry, PATIENCE));
        long valid = played.stream().filter(p -> p.family().equals(CorpusPlayer.VALID_FAMILY)).count();
        Figures figures = new Figures("bad input between valid requests")
                .put("seed", settings.seed())
                .put("bad records sent", played.stream().filter(p -> !p.family().equals(CorpusPlayer.VALID_FAMILY)
                        && !p.family().equals(CorpusPlayer.SETUP_FAMILY)).count())
                .put("valid requests between them", valid)
                .put("per family", verdicts.playedPerFamily())
                .put("wrong verdicts (incl. valid requests not accepted)", verdicts.wrong().size())
                .put("controllers still running", cluster.controllers().stream().allMatch(c -> c.running()))
                .put("requests lost so far", resultsReport.missing().size())
                .put("duplicates so far", resultsReport.doubled().size())
                .put("held twice or inconsistent in the state topics", state.problems().size())
                .put("node agents caught up", nodes.stream().filter(NodeCatchUp.Status::caughtUp).count() + " of " + nodes.size())
                .put("nodes whose render folder equals a fresh factnet replay", replays.stream().filter(ReplayCheck.Report::equal).count()
                        + " of " + replays.size())
                .put("wall time", Duration.ofNanos(System.nanoTime() - began));
        figures.writeTo(dir.resolve("corpus"));
        log.info("chaos corpus:\n{}", figures);
        return new CorpusOutcome(figures, verdicts, resultsReport, state, nodes, replays);
    }

    // ------------------------------------------------------------------ helpers

    private interface Condition {
        boolean met();
    }

    private void awaitResults(Condition condition, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.met()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("timed out waiting for " + what + " (" + settings.replay() + ")");
            }
            pause(20);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // polling with a deadline
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(PATIENCE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("the fault thread did not finish within " + PATIENCE);
        }
    }

    public List<FaultInjector.Injected> faults() {
        return List.copyOf(allFaults);
    }

    public SentLog sent() {
        return sent;
    }

    public void close() {
        sender.close();
        results.close();
        nodeEvents.close();
    }
}
