package io.factnet.client;

import io.factnet.model.Result;
import io.factnet.model.Status;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One request on its way: when it was sent, its result, and when every watched node it touched has
 * applied it. Times are {@link System#nanoTime()} readings of this JVM, taken when the tracker saw
 * the record, so latencies include the reader's own delay (as a client's would).
 */
public final class Tracked {
    private final String requestId;
    private final long sentNanos;
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private final CompletableFuture<Tracked> applied = new CompletableFuture<>();
    /** Nodes still to apply it, and what is awaited of each (for a clear message when it never comes). */
    final Map<NodeTarget, String> waitingFor = new ConcurrentHashMap<>();
    /** The last offset this request wrote in each node's partition (tracker thread only). */
    final Map<NodeTarget, Long> lastOffsets = new ConcurrentHashMap<>(2);
    /** Each node's ack that covered it, as {@link Applied} (tracker thread writes, others read once applied). */
    final Map<NodeTarget, Applied> appliedOn = new ConcurrentHashMap<>(2);
    /** The resources this request wrote on each node (tracker thread only): an ack may hold back just those. */
    final Map<NodeTarget, Set<String>> resources = new ConcurrentHashMap<>(2);
    private volatile long resultNanos = -1;
    private volatile long appliedNanos = -1;
    private volatile boolean touchedWatchedNodes;

    Tracked(String requestId, long sentNanos) {
        this.requestId = requestId;
        this.sentNanos = sentNanos;
    }

    public String requestId() {
        return requestId;
    }

    public long sentNanos() {
        return sentNanos;
    }

    /** Completes with the result, ACCEPTED or REJECTED. */
    public CompletableFuture<Result> result() {
        return result;
    }

    /**
     * Completes when every watched node the request touched has acked its records (at once for a
     * request that touched none, or was rejected); fails when its records cannot be found.
     */
    public CompletableFuture<Tracked> applied() {
        return applied;
    }

    /** Where it was applied: one entry per watched node it touched, once {@link #applied()} completed. */
    public List<Applied> appliedOn() {
        return List.copyOf(appliedOn.values());
    }

    public long resultNanos() {
        return resultNanos;
    }

    public long appliedNanos() {
        return appliedNanos;
    }

    /** True when the result named a watched node: only then does request-to-applied mean something. */
    public boolean touchedWatchedNodes() {
        return touchedWatchedNodes;
    }

    public boolean accepted() {
        return result.isDone() && !result.isCompletedExceptionally() && result.join().getStatus() == Status.ACCEPTED;
    }

    /** What it still waits for, e.g. {@code router-1 routing: an ack of offset 57}. */
    public String waitingFor() {
        if (!result.isDone()) {
            return "its result";
        }
        return waitingFor.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).sorted()
                .reduce((a, b) -> a + "; " + b).orElse("nothing");
    }

    void resultSeen(Result value, long nanos, boolean touchesWatched) {
        resultNanos = nanos;
        touchedWatchedNodes = touchesWatched;
        result.complete(value);
    }

    void appliedAt(long nanos) {
        appliedNanos = nanos;
        applied.complete(this);
    }

    void failed(Throwable error) {
        result.completeExceptionally(error);
        applied.completeExceptionally(error);
    }
}
