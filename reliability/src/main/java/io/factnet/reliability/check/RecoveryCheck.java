package io.factnet.reliability.check;

import io.factnet.model.Result;
import io.factnet.reliability.load.RequestKey;
import io.factnet.reliability.read.Decoded;
import io.factnet.reliability.send.Sent;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Check 5: how long the system took to recover from a fault, from the results' own times: until the
 * first request was answered after the fault, and until every request committed before the fault was
 * answered (the backlog the fault left). Both are measured from the moment the fault was injected.
 */
public final class RecoveryCheck {
    private RecoveryCheck() {
    }

    /**
     * @param firstAnswer   fault to the first result completed after it (empty: none came)
     * @param backlogDone   fault to the last result of a request committed before the fault (zero if all
     *                      were answered before it; empty: some never were)
     * @param backlog       requests committed before the fault and not answered by then
     */
    public record Recovery(Instant fault, Optional<Duration> firstAnswer, Optional<Duration> backlogDone, int backlog) {
    }

    public static Recovery after(Instant fault, List<Sent> committed, List<Decoded<Result>> results) {
        Map<RequestKey, Instant> answered = new HashMap<>();
        Instant first = null;
        for (Decoded<Result> decoded : results) {
            if (!decoded.readable() || decoded.value() == null) {
                continue;
            }
            Instant completed = decoded.value().getCompletedAt();
            answered.merge(RequestKey.of(decoded.value()), completed, (a, b) -> a.isBefore(b) ? a : b);
            if (completed.isAfter(fault) && (first == null || completed.isBefore(first))) {
                first = completed;
            }
        }
        Instant lastOfBacklog = fault;
        int backlog = 0;
        boolean allAnswered = true;
        for (Sent sent : committed) {
            if (sent.request() == null || sent.committedAtMillis() > fault.toEpochMilli()) {
                continue;
            }
            Instant done = answered.get(RequestKey.of(sent.request()));
            if (done == null) {
                allAnswered = false;
            } else if (done.isAfter(fault)) {
                backlog++;
                lastOfBacklog = done.isAfter(lastOfBacklog) ? done : lastOfBacklog;
            }
        }
        return new Recovery(fault, Optional.ofNullable(first).map(f -> Duration.between(fault, f)),
                allAnswered ? Optional.of(Duration.between(fault, lastOfBacklog)) : Optional.empty(), backlog);
    }
}
