package io.factnet.controller.stage;

import io.factnet.model.Reason;

/** A request refused for a reason the requester can act on; thrown by a handler, it rolls its changes back. */
public final class Rejected extends RuntimeException {
    private final Reason reason;

    public Rejected(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    public static Rejected invalid(String message) {
        return new Rejected(Reason.INVALID_ARGUMENT, message);
    }

    public static Rejected notFound(String message) {
        return new Rejected(Reason.NOT_FOUND, message);
    }
}
