package io.factnet.registry;

/**
 * A registry call that failed; {@code errorCode} is the Confluent error code (40403 unknown id, 409 incompatible, ...) or -1.
 * {@link #unavailable()} tells the two kinds apart: the registry answered the question (the schema id is unknown, the
 * schema is incompatible), or it did not (unreachable, timed out, a 5xx, refused our credentials). Only an answer says
 * something about a record; a record read while the registry is unavailable must be retried, never dead-lettered.
 */
public class SchemaRegistryException extends RuntimeException {
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int INCOMPATIBLE = 409;

    private final int errorCode;
    private final boolean unavailable;

    /** The registry's answer to the question asked: not retriable. */
    public SchemaRegistryException(int errorCode, String message) {
        this(errorCode, message, false);
    }

    public SchemaRegistryException(int errorCode, String message, boolean unavailable) {
        super(message);
        this.errorCode = errorCode;
        this.unavailable = unavailable;
    }

    /** The registry could not be asked (I/O error, timeout, interrupted): retriable. */
    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.errorCode = -1;
        this.unavailable = true;
    }

    public int errorCode() {
        return errorCode;
    }

    /** True when the registry gave no answer (I/O error, timeout, 5xx, 401/403/408/429): the same call may work later. */
    public boolean unavailable() {
        return unavailable;
    }

    /** Whether this failure, or one of its causes, is a registry that could not answer. */
    public static boolean unavailableIn(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SchemaRegistryException e && e.unavailable()) {
                return true;
            }
        }
        return false;
    }
}
