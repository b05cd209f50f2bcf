package io.factnet.reliability.corpus;

import io.factnet.model.Allocation;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.reliability.load.RequestKey;
import io.factnet.reliability.load.Requests;
import io.factnet.reliability.send.Outgoing;
import io.factnet.reliability.send.Sent;
import io.factnet.reliability.send.SentLog;
import io.factnet.reliability.send.TransactionalSender;
import io.factnet.serde.AvroSerializer;
import io.factnet.topics.RequestRoutes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Plays the corpus against a running factnet: first its setup (one request at a time, each answered
 * before the next, learning the addresses the controller chose), then every entry in a seeded order,
 * each after one to three valid requests that must all be ACCEPTED (fixed IPs for fresh instances of
 * the corpus-ok projects), in transactions of seeded sizes. Everything sent is in the {@link SentLog}
 * and in the returned list with its expectation, for {@code VerdictCheck} once the answers are in.
 */
public final class CorpusPlayer {
    /** The controller's answer to one request, waited for (the setup needs it before going on). */
    public interface Answers {
        Result await(RequestKey key, Duration timeout);
    }

    /** A record that was sent and committed, what it is, and what must come of it. */
    public record Played(String name, String family, Sent sent, Expectation expect) {
        /** The request it carries (null for unreadable bytes). */
        public RequestKey key() {
            return sent.request() == null ? null : RequestKey.of(sent.request());
        }
    }

    public static final String VALID_FAMILY = "valid requests between the bad ones";
    public static final String SETUP_FAMILY = "setup";
    /** Instances per corpus-ok project: well inside its default group's /24. */
    private static final int INSTANCES_PER_PROJECT = 150;

    private final Corpus corpus;
    private final long seed;
    private final Clock clock;
    private final String idPrefix;
    private final AvroSerializer<Request> requests;
    private final AvroSerializer<Result> results;
    private final SentLog sentLog;
    private int validCount;

    public CorpusPlayer(Corpus corpus, long seed, SchemaRegistryClient registry, SentLog sentLog, Clock clock) {
        this.corpus = corpus;
        this.seed = seed;
        this.clock = clock;
        this.idPrefix = "c" + Long.toHexString(seed);
        this.requests = new AvroSerializer<>(registry, true);
        this.results = new AvroSerializer<>(registry, true);
        this.sentLog = sentLog;
    }

    /** The request id of a setup step or entry: the run's prefix and the (unique) name. */
    public String requestId(String name) {
        return idPrefix + "-" + name;
    }

    /**
     * Runs the setup, each step answered before the next; a step whose answer is not the one it expects
     * fails the run (the corpus's expectations assume its world). Returns the constants and what was learned.
     */
    public Map<String, String> setUp(TransactionalSender sender, Answers answers, Duration timeout, List<Played> played) {
        Map<String, String> refs = new LinkedHashMap<>(corpus.constants());
        for (SetupStep step : corpus.setup()) {
            Request request = step.request().build(requestId(step.name()), new Values(refs, seed), clock);
            Sent sent = sendOne(sender, Outgoing.of(request, requests, step.name(), step.request().effectiveRoute()));
            played.add(new Played(step.name(), SETUP_FAMILY, sent, step.expect()));
            Result answer = answers.await(RequestKey.of(request), timeout);
            String problem = step.expect().problemWith(answer);
            if (problem != null) {
                throw new IllegalStateException("corpus setup step " + step.name() + ": " + problem);
            }
            step.learn().forEach((name, field) -> refs.put(name, allocated(answer, field, step.name())));
        }
        return refs;
    }

    /** What a setup step learns from its answer: a field of the allocation, or ("touched:ROLE") the node of that role it touched. */
    public static String allocated(Result answer, String field, String step) {
        if (field.startsWith("touched:")) {
            io.factnet.model.NodeRole role = io.factnet.model.NodeRole.valueOf(field.substring("touched:".length()));
            return answer.getTouched().stream().filter(ref -> ref.getRole() == role).map(io.factnet.model.NodeRef::getNodeId)
                    .findFirst().orElseThrow(() -> new IllegalStateException("corpus setup step " + step + ": its result touched no "
                            + role + " node: " + answer));
        }
        Allocation allocation = answer.getAllocated();
        Object value = allocation == null || allocation.getSchema().getField(field) == null ? null
                : allocation.get(allocation.getSchema().getField(field).pos());
        if (value == null) {
            throw new IllegalStateException("corpus setup step " + step + ": its result has no allocated " + field + ": " + answer);
        }
        return value.toString();
    }

    /** Sends every entry, each after one to three valid requests, in a seeded order and seeded transactions. */
    public List<Played> play(TransactionalSender sender, Map<String, String> refs) {
        SplittableRandom random = new SplittableRandom(seed);
        Values values = new Values(refs, seed);
        List<CorpusEntry> order = new ArrayList<>(corpus.entries());
        for (int i = order.size() - 1; i > 0; i--) {
            java.util.Collections.swap(order, i, random.nextInt(i + 1));
        }
        List<Outgoing> outgoing = new ArrayList<>();
        // identity maps: the sender hands back the very records it was given
        Map<Outgoing, String[]> what = new IdentityHashMap<>();
        Map<Outgoing, Expectation> expected = new IdentityHashMap<>();
        for (CorpusEntry entry : order) {
            for (int v = 1 + random.nextInt(3); v > 0; v--) {
                Outgoing valid = Outgoing.of(validRequest(), requests, "valid");
                outgoing.add(valid);
                what.put(valid, new String[] {valid.request().getRequestId(), VALID_FAMILY});
                expected.put(valid, Expectation.ACCEPTED);
            }
            Outgoing bad = outgoing(entry, values, random);
            outgoing.add(bad);
            what.put(bad, new String[] {entry.name(), entry.family()});
            expected.put(bad, entry.expect());
        }
        List<Played> played = new ArrayList<>();
        for (int from = 0; from < outgoing.size(); ) {
            int to = Math.min(outgoing.size(), from + 1 + random.nextInt(20));
            for (Sent sent : send(sender, outgoing.subList(from, to))) {
                String[] it = what.get(sent.record());
                played.add(new Played(it[0], it[1], sent, expected.get(sent.record())));
            }
            from = to;
        }
        return played;
    }

    private Outgoing outgoing(CorpusEntry entry, Values values, SplittableRandom random) {
        String id = entry.requestId() != null ? entry.requestId()
                : requestId(entry.reuseIdOf() != null ? entry.reuseIdOf() : entry.name());
        Request request = entry.request().build(id, values, clock);
        RequestRoutes.Scope route = entry.request().effectiveRoute();
        if (!entry.isRaw()) {
            return Outgoing.of(request, requests, entry.name(), route);
        }
        String topic = route.topic().name();
        return new Outgoing(topic, entry.raw().key(request.getProject()),
                entry.raw().value(request, topic, requests, results, random), null, entry.name());
    }

    /** A fixed IP for a fresh instance of a corpus-ok project: must be ACCEPTED whatever the bad records did. */
    private Request validRequest() {
        int n = validCount++;
        String project = String.format(Locale.ROOT, "corpus-ok-%d", n / INSTANCES_PER_PROJECT);
        return Requests.envelope(requestId("valid-" + n), project,
                AllocateFixedIp.newBuilder().setInstance("vm-" + n).build(), clock);
    }

    private Sent sendOne(TransactionalSender sender, Outgoing record) {
        return send(sender, List.of(record)).get(0);
    }

    private List<Sent> send(TransactionalSender sender, List<Outgoing> records) {
        TransactionalSender.Batch batch = sender.send(List.copyOf(records));
        if (batch.outcome() != TransactionalSender.Delivery.COMMITTED) {
            sentLog.unknown(records);
            throw new IllegalStateException("a corpus transaction's outcome is unknown: the corpus cannot be judged");
        }
        sentLog.committed(batch.sent());
        return batch.sent();
    }
}
