package io.factnet.reliability.load;

import io.factnet.model.Request;
import io.factnet.model.Result;

/** A request's identity: request ids are per project (two projects may use the same id). */
public record RequestKey(String project, String requestId) {

    public static RequestKey of(Request request) {
        return new RequestKey(request.getProject(), request.getRequestId());
    }

    public static RequestKey of(Result result) {
        return new RequestKey(result.getProject(), result.getRequestId());
    }

    @Override
    public String toString() {
        return project + "/" + requestId;
    }
}
