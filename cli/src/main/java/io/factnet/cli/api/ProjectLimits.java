package io.factnet.cli.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests in flight at the gateway, per project: past {@code limit} a project's next call is a 429 at once, so one
 * project's flood holds at most {@code limit} of the gateway's threads and its own place in Kafka, never another's.
 * A change is in flight from its admission until its result (or the wait's end); an async one until its result too.
 */
final class ProjectLimits {
    private final int limit;
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    ProjectLimits(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the limit of requests in flight per project must be at least 1, not " + limit);
        }
        this.limit = limit;
    }

    /** Takes a place for the project; false when it has {@code limit} in flight already. */
    boolean tryAcquire(String project) {
        AtomicInteger count = inFlight.computeIfAbsent(project, p -> new AtomicInteger());
        while (true) {
            int now = count.get();
            if (now >= limit) {
                return false;
            }
            if (count.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    void release(String project) {
        // the counter stays in the map (one small entry per project that called): removing it could race a tryAcquire
        inFlight.get(project).decrementAndGet();
    }

    int inFlight(String project) {
        AtomicInteger count = inFlight.get(project);
        return count == null ? 0 : count.get();
    }

    int limit() {
        return limit;
    }
}
