package io.factnet.node.runtime;

/**
 * A sync cannot finish yet because something another agent of this node makes is not there yet (the
 * bridge a network's dnsmasq binds to). Not a fault: the sync fails, is acked as failed, and the full
 * retry finds it there. Logged as one line, without a stack trace.
 */
public final class NotReadyException extends RuntimeException {
    public NotReadyException(String message) {
        super(message);
    }
}
