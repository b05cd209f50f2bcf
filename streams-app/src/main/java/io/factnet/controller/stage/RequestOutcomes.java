package io.factnet.controller.stage;

import io.factnet.model.Reason;
import io.factnet.model.Result;
import io.factnet.model.Status;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Results the project stage emitted, counted by command, status and reason: the requests-by-outcome
 * counter of {@code /metrics}. Shared by the stream threads of one controller. Counted when the result
 * is forwarded, before its transaction commits: a task that is retried after a crash counts its
 * results again, as every Kafka Streams processing metric does.
 */
public final class RequestOutcomes {

    /** One label set; {@code command} is the command record's name (a bounded set: the schema's commands). */
    public record Outcome(String command, Status status, Reason reason) {
        static final Comparator<Outcome> ORDER = Comparator.comparing(Outcome::command)
                .thenComparing(Outcome::status).thenComparing(Outcome::reason);
    }

    private final Map<Outcome, LongAdder> counts = new ConcurrentHashMap<>();

    public void record(Result result) {
        counts.computeIfAbsent(new Outcome(result.getCommand(), result.getStatus(), result.getReason()), o -> new LongAdder())
                .increment();
    }

    /** The counts so far, in a stable order. */
    public Map<Outcome, Long> snapshot() {
        Map<Outcome, Long> snapshot = new TreeMap<>(Outcome.ORDER);
        counts.forEach((outcome, count) -> snapshot.put(outcome, count.sum()));
        return snapshot;
    }
}
