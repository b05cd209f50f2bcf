package io.factnet.cli.api;

import io.factnet.model.Reason;
import java.util.Set;

/** The HTTP status of each reason code, and the gateway's own refusal codes (ADR 0029). */
final class Problems {
    private Problems() {
    }

    static final String UNAUTHENTICATED = "UNAUTHENTICATED";
    static final String FORBIDDEN = "FORBIDDEN";
    static final String TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS";
    static final String BAD_REQUEST = "BAD_REQUEST";
    static final String NO_SUCH_PATH = "NO_SUCH_PATH";
    static final String METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED";
    static final String TOO_LARGE = "TOO_LARGE";
    static final String TIMEOUT = "TIMEOUT";
    static final String UNAVAILABLE = "UNAVAILABLE";
    static final String GATEWAY_ERROR = "GATEWAY_ERROR";
    static final Set<String> GATEWAY_REASONS = Set.of(UNAUTHENTICATED, FORBIDDEN, TOO_MANY_REQUESTS, BAD_REQUEST, NO_SUCH_PATH,
            METHOD_NOT_ALLOWED, TOO_LARGE, TIMEOUT, UNAVAILABLE, GATEWAY_ERROR);

    /** The status of a REJECTED result with this reason. */
    static int status(Reason reason) {
        return switch (reason) {
            case OK -> 200;
            case INVALID_ARGUMENT -> 400;
            case UNAUTHORIZED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, IN_USE, CONFLICT, POOL_EXHAUSTED, NOT_CONFIGURED, NO_NODE -> 409;
            case QUOTA_EXCEEDED -> 403;
            case INTERNAL, UNKNOWN -> 500;
        };
    }
}
