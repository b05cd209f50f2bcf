package io.factnet.reliability.check;

import io.factnet.controller.reference.ModelFacts;
import io.factnet.controller.reference.ReferenceModel;
import io.factnet.controller.reference.ReferenceModel.Expected;
import io.factnet.model.AppliedAck;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.reliability.load.RequestKey;
import io.factnet.reliability.load.Requests;
import io.factnet.reliability.read.Decoded;
import io.factnet.reliability.read.TopicReader;
import io.factnet.reliability.read.TopicSnapshot;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Check 3: the state topics equal what the sequential reference model (streams-app's, the one its
 * model-based test runs against the topology) computes from the requests, in the order the controller
 * decided them.
 *
 * <p>Which order? One project's decisions are totally ordered: its project stage decides them one at a
 * time, and each result carries its place ({@code sequence}). Decisions of different projects are not: they
 * run in different tasks, on different instances. They meet only in the shared pools (VLANs, blocks, nodes,
 * floating addresses, VPN ports), whose pool stage orders the claims it receives, an order no result shows.
 * So the model takes, from the results, what the shared pools decided (see
 * {@link ReferenceModel#apply(String, String, Request, long, Expected)}), and decides everything else itself.
 * Projects are interleaved by the results' completion times; that never reorders what matters: when one
 * project's release frees what another then gets, the release was committed before the pool could give it
 * again, so it completed earlier. A shared decision the model holds as given already is a conflict.
 *
 * <p>Also checked: each project's sequences run 1, 2, 3... with no gap (a decision whose result was lost)
 * and no number twice for different requests (a decision made twice), and each result equals the model's.
 */
public final class ModelCheck {
    private ModelCheck() {
    }

    /** Nova's fixed_ip_disassociate_timeout, the controller's default hold-down (the harness does not change it). */
    static final Duration HOLD_DOWN = Duration.ofMinutes(10);

    /**
     * @param decisions          results replayed through the model (one per decision)
     * @param projects           projects with decisions
     * @param sequenceProblems   gaps and numbers used twice in a project's sequence
     * @param outcomeMismatches  results that differ from the model's answer
     * @param conflicts          shared-pool decisions the model held as given already
     * @param factDifferences    where the state topics differ from the model's facts
     */
    public record Report(int decisions, int projects, List<String> sequenceProblems, List<String> outcomeMismatches,
                         List<String> conflicts, List<String> factDifferences, Map<String, Integer> factsCompared) {
        public boolean equalsTheModel() {
            return sequenceProblems.isEmpty() && outcomeMismatches.isEmpty() && conflicts.isEmpty() && factDifferences.isEmpty();
        }

        @Override
        public String toString() {
            return decisions + " decisions of " + projects + " projects; facts compared " + factsCompared + "; sequence problems "
                    + Lists.head(sequenceProblems) + ", results unlike the model's " + Lists.head(outcomeMismatches)
                    + ", conflicts " + Lists.head(conflicts) + ", fact differences " + Lists.head(factDifferences);
        }
    }

    /** A request as the controller read it: its topic, key, record time and where it was. */
    record Arrived(String topic, String key, long timestamp, int partition, long offset, Request request) {
    }

    public static Report check(String bootstrapServers, SchemaRegistryClient registry, Duration timeout) {
        List<Decoded<Result>> results = TopicSnapshot.read(bootstrapServers, Topics.RESULTS, registry, timeout);
        Map<RequestKey, List<Arrived>> requests = new HashMap<>();
        List<Arrived> acks = new ArrayList<>();
        try (TopicReader reader = new TopicReader(bootstrapServers, Requests.topicNames())) {
            List<ConsumerRecord<byte[], byte[]>> records = reader.readToEnd(timeout);
            Map<String, Decoded<Request>> decoded = new HashMap<>();
            for (Decoded<Request> request : TopicSnapshot.decode(Topics.REQUESTS, registry, records)) {
                decoded.put(request.where(), request);
            }
            for (ConsumerRecord<byte[], byte[]> record : records) {
                Decoded<Request> request = decoded.get(record.topic() + "-" + record.partition() + "@" + record.offset());
                if (request == null || !request.readable() || request.value() == null) {
                    continue;
                }
                Arrived arrived = new Arrived(record.topic(), request.key(), record.timestamp(), record.partition(), record.offset(),
                        request.value());
                if (request.value().getCommand() instanceof AppliedAck) {
                    acks.add(arrived);
                } else {
                    requests.computeIfAbsent(RequestKey.of(request.value()), k -> new ArrayList<>()).add(arrived);
                }
            }
        }
        Map<String, Map<String, ?>> facts = new TreeMap<>();
        for (Topic<String, ? extends SpecificRecord> topic : List.of(Topics.STATE_NETWORKS, Topics.STATE_GROUP_SUBNETS,
                Topics.STATE_GROUPS, Topics.STATE_FIXED_IPS, Topics.STATE_FLOATING_IPS, Topics.STATE_VPNS, Topics.STATE_NODES)) {
            Map<String, Object> latest = new LinkedHashMap<>();
            TopicSnapshot.latest(TopicSnapshot.read(bootstrapServers, topic, registry, timeout))
                    .forEach((key, record) -> latest.put(key, record.value()));
            facts.put(topic.name(), latest);
        }
        return check(results, requests, acks, facts);
    }

    static Report check(List<Decoded<Result>> results, Map<RequestKey, List<Arrived>> requests, List<Arrived> acks,
                        Map<String, Map<String, ?>> facts) {
        List<String> sequenceProblems = new ArrayList<>();
        Map<String, List<Result>> byProject = decisionsByProject(results, sequenceProblems);
        ReferenceModel model = new ReferenceModel(HOLD_DOWN);
        List<String> mismatches = new ArrayList<>();
        int decisions = 0;
        for (Result result : interleaved(byProject)) {
            decisions++;
            Arrived request = decidedRequest(result, requests.getOrDefault(RequestKey.of(result), List.of()));
            if (request == null) {
                mismatches.add(result.getProject() + "/" + result.getRequestId() + " (" + result.getCommand()
                        + "): a result whose request is on no request topic");
                continue;
            }
            Expected answer = Expected.of(result);
            Expected expected = model.apply(request.topic(), request.key(), request.request(), request.timestamp(), answer);
            if (!answer.equals(expected)) {
                mismatches.add(result.getProject() + " #" + result.getSequence() + " " + result.getCommand() + " "
                        + result.getRequestId() + ": the controller said " + answer + ", the model " + expected);
            }
        }
        // Applied acks have no result and only carry the tunneling nodes' public keys, which never change.
        acks.forEach(ack -> model.apply(ack.topic(), ack.key(), ack.request(), ack.timestamp()));
        ModelFacts expected = model.facts();
        Map<String, Integer> compared = new TreeMap<>();
        expected.byTopic().forEach((topic, values) -> compared.put(topic, values.size()));
        return new Report(decisions, byProject.size(), sequenceProblems, mismatches, model.conflicts(),
                expected.differences(facts), compared);
    }

    /** Each project's decisions in sequence order, one per sequence number; gaps and doubles are reported. */
    static Map<String, List<Result>> decisionsByProject(List<Decoded<Result>> results, List<String> problems) {
        Map<String, TreeMap<Long, Result>> numbered = new TreeMap<>();
        for (Decoded<Result> decoded : results) {
            Result result = decoded.value();
            if (!decoded.readable() || result == null || result.getSequence() == null) {
                continue; // refused at the envelope, or of a project that does not exist (ADR 0021): it changed nothing
            }
            Result before = numbered.computeIfAbsent(result.getProject(), p -> new TreeMap<>()).putIfAbsent(result.getSequence(), result);
            if (before != null && !before.getRequestId().equals(result.getRequestId())) {
                problems.add(result.getProject() + " #" + result.getSequence() + " was given to " + before.getRequestId()
                        + " and to " + result.getRequestId());
            }
        }
        Map<String, List<Result>> ordered = new TreeMap<>();
        numbered.forEach((project, decisions) -> {
            long expected = 1;
            for (long sequence : decisions.keySet()) {
                if (sequence != expected) {
                    problems.add(project + ": no result for decisions #" + expected + " to #" + (sequence - 1));
                }
                expected = sequence + 1;
            }
            ordered.put(project, new ArrayList<>(decisions.values()));
        });
        return ordered;
    }

    /** All projects' decisions in one order: each project's in sequence, the projects merged by completion time. */
    static List<Result> interleaved(Map<String, List<Result>> byProject) {
        record Next(String project, int index, Result result) {
        }
        PriorityQueue<Next> heads = new PriorityQueue<>(Comparator.<Next, java.time.Instant>comparing(n -> n.result().getCompletedAt())
                .thenComparing(Next::project));
        byProject.forEach((project, list) -> heads.add(new Next(project, 0, list.get(0))));
        List<Result> order = new ArrayList<>();
        while (!heads.isEmpty()) {
            Next next = heads.poll();
            order.add(next.result());
            List<Result> rest = byProject.get(next.project());
            if (next.index() + 1 < rest.size()) {
                heads.add(new Next(next.project(), next.index() + 1, rest.get(next.index() + 1)));
            }
        }
        return order;
    }

    /**
     * The request a decision answered: among the sends of its id, the first (by record time, then topic
     * position) whose command the result names. A resent id's later sends were answered with this decision.
     */
    static Arrived decidedRequest(Result result, List<Arrived> sends) {
        return sends.stream().filter(a -> RequestRoutes.commandName(a.request()).equals(result.getCommand()))
                .min(Comparator.comparingLong(Arrived::timestamp).thenComparing(Arrived::topic).thenComparingInt(Arrived::partition)
                        .thenComparingLong(Arrived::offset))
                .orElse(null);
    }
}
