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
    public record Decision(String command, Status status, Reason reason) {
        static final Comparator<Decision> ORDER = Comparator.comparing(Decision::command)
                .thenComparing(Decision::status).thenComparing(Decision::reason);
    }

    private final Map<Decision, LongAdder> counts = new ConcurrentHashMap<>();

    public void record(Result result) {
        counts.computeIfAbsent(new Decision(result.getCommand(), result.getStatus(), result.getReason()), o -> new LongAdder())
                .increment();
    }

    /** The counts so far, in a stable order. */
    public Map<Decision, Long> snapshot() {
        Map<Decision, Long> snapshot = new TreeMap<>(Decision.ORDER);
        counts.forEach((outcome, count) -> snapshot.put(outcome, count.sum()));
        return snapshot;
    }
}
