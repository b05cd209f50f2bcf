package io.factnet.node.runtime;

import java.time.Duration;

/**
 * When to sync, as a pure function of the clock (tests drive it with made-up times):
 * the first sync as soon as the replay caught up; changes after a quiet period (debounce), or at
 * the latest {@code maxBatchDelay} after the first pending change, so a burst is one apply; a full
 * resync every {@code resyncInterval}; after a failure a full retry with exponential backoff.
 */
public final class ApplySchedule {

    public enum Sync { NONE, CHANGES, FULL }

    private final long debounce;
    private final long maxBatchDelay;
    private final long resyncInterval;
    private final long retryMin;
    private final long retryMax;

    private boolean synced;
    private long pendingSince = -1;
    private long lastChange = -1;
    private long nextResync;
    private long retryAt = -1;
    private int failures;

    public ApplySchedule(Duration debounce, Duration maxBatchDelay, Duration resyncInterval, Duration retryMin,
                         Duration retryMax) {
        this.debounce = debounce.toMillis();
        this.maxBatchDelay = Math.max(this.debounce, maxBatchDelay.toMillis());
        this.resyncInterval = resyncInterval.toMillis();
        this.retryMin = retryMin.toMillis();
        this.retryMax = Math.max(this.retryMin, retryMax.toMillis());
    }

    /** A record of this node arrived (changed or not: its writer waits for an ack either way). */
    public void changed(long now) {
        if (pendingSince < 0) {
            pendingSince = now;
        }
        lastChange = now;
    }

    public Sync due(long now) {
        if (!synced) {
            return Sync.FULL;
        }
        if (retryAt >= 0) {
            return now >= retryAt ? Sync.FULL : Sync.NONE;
        }
        if (now >= nextResync) {
            return Sync.FULL;
        }
        if (pendingSince >= 0 && (now - lastChange >= debounce || now - pendingSince >= maxBatchDelay)) {
            return Sync.CHANGES;
        }
        return Sync.NONE;
    }

    /** How long the caller may wait before {@link #due} can say something else (absent new changes). */
    public long millisUntilDue(long now) {
        if (!synced) {
            return 0;
        }
        long next = retryAt >= 0 ? retryAt : nextResync;
        if (retryAt < 0 && pendingSince >= 0) {
            next = Math.min(next, Math.min(lastChange + debounce, pendingSince + maxBatchDelay));
        }
        return Math.max(0, next - now);
    }

    public void succeeded(long now) {
        synced = true;
        failures = 0;
        retryAt = -1;
        pendingSince = -1;
        lastChange = -1;
        nextResync = now + resyncInterval;
    }

    /** A failed sync: the next one is a full retry after the backoff; changes meanwhile ride along. */
    public long failed(long now) {
        synced = true;
        failures++;
        long backoff = retryMin << Math.min(failures - 1, 20);
        retryAt = now + Math.min(retryMax, backoff);
        pendingSince = -1;
        lastChange = -1;
        return retryAt - now;
    }

    /** The pending retry is due now (what it waited for came: a record that makes the desired state whole). */
    public void retryNow(long now) {
        if (retryAt > now) {
            retryAt = now;
        }
    }

    public boolean retryPending() {
        return retryAt >= 0;
    }
}
