package io.factnet.controller.http;

/** An answer other than 200: its HTTP status and the one-line reason, sent as {@code {"error": ..., "status": ...}}. */
final class ApiException extends RuntimeException {
    private final int status;

    ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    /** Try again soon: the controller is starting or rebalancing, a store is moving, or a peer did not answer. */
    static ApiException unavailable(String message) {
        return new ApiException(503, message);
    }
}
