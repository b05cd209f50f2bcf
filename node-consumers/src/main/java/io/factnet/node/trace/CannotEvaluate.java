package io.factnet.node.trace;

/**
 * A rule or a state the tracer does not know how to evaluate: it says so rather than guess a verdict (a false
 * "allowed" or "dropped" is worse than none).
 */
public final class CannotEvaluate extends RuntimeException {
    public CannotEvaluate(String message) {
        super(message);
    }
}
