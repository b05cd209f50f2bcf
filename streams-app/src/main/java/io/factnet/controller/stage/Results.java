package io.factnet.controller.stage;

import io.factnet.model.Allocation;
import io.factnet.model.NodeRef;
import io.factnet.model.Reason;
import io.factnet.model.Result;
import io.factnet.model.Status;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/** Builds the one result of a request: ACCEPTED for reason OK, REJECTED with the reason otherwise. */
public final class Results {
    private Results() {
    }

    public static Result of(String requestId, String project, String command, Reason reason, String message,
                            Allocation allocation, List<NodeRef> touched, Instant completedAt) {
        return Result.newBuilder().setRequestId(requestId).setProject(project).setCommand(command)
                .setStatus(reason == Reason.OK ? Status.ACCEPTED : Status.REJECTED).setReason(reason)
                .setMessage(message).setCompletedAt(completedAt)
                .setAllocated(allocation).setTouched(touched).build();
    }

    public static Result of(String requestId, String project, String command, Reason reason, String message, Instant completedAt) {
        return of(requestId, project, command, reason, message, null, List.of(), completedAt);
    }

    /** Copies who asked from the request into its result (the audit trail, ADR 0029); returns the result. */
    public static Result askedBy(Result result, io.factnet.model.Request request) {
        result.setRequestedBy(request.getRequestedBy());
        return result;
    }

    /** The command's record name (AllocateFloatingIp): a result's {@code command}. */
    public static String commandName(Object command) {
        return command instanceof SpecificRecord record ? record.getSchema().getName() : String.valueOf(command);
    }
}
