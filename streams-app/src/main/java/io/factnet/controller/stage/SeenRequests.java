package io.factnet.controller.stage;

import io.factnet.model.Reason;
import io.factnet.model.Result;
import io.factnet.model.SeenRequest;
import java.time.Instant;
import java.util.ArrayList;

/**
 * What the project stage remembers of a decided request (store "requests-seen", key {@code project/requestId}), and
 * the answer a repeat of it gets (ADR 0045). The record keeps what a client needs from a repeated answer: the reason,
 * the sequence, what was allocated, the nodes touched (a retry with --wait-applied waits for them), the command, who
 * asked first, when it completed, and a refusal's message. It leaves out what the key or the reason already say (request id, project,
 * status) and an accepted request's message, which is prose about its allocation: a repeat's message says that it
 * is one. Records written before ADR 0045 hold the whole first result and are answered with it as they were.
 */
public final class SeenRequests {
    private SeenRequests() {
    }

    /** The record of a request decided at {@code decidedAt} (the project's clock) with this result. */
    public static SeenRequest of(long decidedAt, Result result) {
        return SeenRequest.newBuilder()
                .setTimestamp(decidedAt)
                .setReason(result.getReason())
                .setSequence(result.getSequence())
                .setCommand(result.getCommand())
                .setRefusal(result.getReason() == Reason.OK ? null : result.getMessage())
                .setAllocated(result.getAllocated())
                .setTouched(result.getTouched())
                .setRequestedBy(result.getRequestedBy())
                .setCompletedAt(result.getCompletedAt())
                .build();
    }

    /** Whether the record holds an answer (every record written since issue 6 does). */
    public static boolean answers(SeenRequest seen) {
        return seen != null && (seen.getFirstResult() != null || seen.getReason() != null);
    }

    /**
     * The answer to a repeat of request {@code requestId} of {@code project}: the first answer's reason, sequence,
     * allocation, touched nodes, command, asker and completedAt. A new result object
     * each time (the caller may emit it).
     */
    public static Result answer(String project, String requestId, SeenRequest seen) {
        return answer(project, requestId, seen, "accepted before: " + requestId
                + " is a repeated request id, answered with its first decision (sequence " + seen.getSequence() + ")");
    }

    /** The first answer as a listing shows it ({@code GET /v1/projects/{project}/requests}): an accepted one's message is "accepted". */
    public static Result listed(String storeKey, SeenRequest seen) {
        int slash = storeKey.indexOf('/');
        return answer(storeKey.substring(0, slash), storeKey.substring(slash + 1), seen, "accepted");
    }

    private static Result answer(String project, String requestId, SeenRequest seen, String accepted) {
        if (seen.getFirstResult() != null) {
            return Result.newBuilder(seen.getFirstResult()).build();
        }
        Reason reason = seen.getReason();
        String message = reason == Reason.OK ? accepted : seen.getRefusal();
        Result result = Results.of(requestId, project, seen.getCommand(), reason, message, seen.getAllocated(),
                new ArrayList<>(seen.getTouched()),
                seen.getCompletedAt() != null ? seen.getCompletedAt() : Instant.ofEpochMilli(seen.getTimestamp()));
        result.setSequence(seen.getSequence());
        result.setRequestedBy(seen.getRequestedBy());
        return result;
    }
}
