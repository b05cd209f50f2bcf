package io.factnet.controller.stage;


/**
 * The adaptive commit of one stream thread (ADR 0045). Kafka Streams commits a thread's tasks every
 * {@code commit.interval.ms}; a task may ask for an earlier commit ({@code ProcessorContext.commit()}), and then the
 * thread commits all its tasks that processed something, in one transaction. The controller sets the interval long
 * (the most a commit waits under load) and asks for a commit at every quick tick (20 ms) while the thread is lightly
 * loaded: a result, a claim or a grant becomes visible one tick after it was processed, as with ADR 0016's 20 ms
 * interval. When the thread was busy for more than {@code busyShare} of the last tick, it is falling behind, and a
 * commit per tick would cost it (and the broker) the most exactly when it has the least to spare (a commit costs
 * about 3 ms of the controller's CPU and 6 ms of the broker's): it commits at the interval then, with more requests in
 * each transaction.
 * <p>
 * Busy is the wall time spent processing records (from the stage's decode node down to its sinks), so it measures
 * the thread, not the machine: a thread that waits for a core while processing counts as busy, as it should (a
 * loaded machine is when commits cost most). One pacer per stream thread, used by that thread only: every task of
 * a thread commits together, so the decision is the thread's.
 */
public final class CommitPacer {
    private final long tickNanos;
    private final double busyShare;
    private final long intervalNanos;
    private long windowStart;
    private long busyNanos;
    private boolean light = true;
    /** When the thread last asked for a commit: at most one ask per tick. */
    private long lastAskNanos;
    /** Bumped when a commit is asked for: a task that processed in an earlier generation has been committed. */
    private long generation;

    /**
     * @param tickMillis     how often a lightly loaded thread commits (20 ms)
     * @param busyShare      the share of a tick spent processing above which the thread waits for the interval (0.5)
     * @param intervalMillis {@code commit.interval.ms}: the thread commits every task at least this often
     */
    public CommitPacer(long tickMillis, double busyShare, long intervalMillis, long nowNanos) {
        this.tickNanos = tickMillis * 1_000_000;
        this.busyShare = busyShare;
        this.intervalNanos = intervalMillis * 1_000_000;
        this.windowStart = nowNanos;
        this.lastAskNanos = nowNanos - tickNanos;
    }

    /** Counts one record's processing, which began at {@code startNanos}; returns the generation it belongs to. */
    public long processed(long startNanos, long endNanos) {
        busyNanos += endNanos - startNanos;
        return generation;
    }

    /**
     * A task's tick: whether it should ask for a commit now. It should if it processed something that is not
     * committed yet (in this generation, and more recently than one interval ago: the interval commit took the
     * older), the thread was lightly loaded over its last tick, and it has not asked within the last tick. The first
     * task that asks starts a new generation: its commit takes the others' records too, so they do not ask again (a
     * task that asks with nothing to commit would keep its request open and commit early at its next record). At most
     * one ask per tick: every decode node of every task ticks at its own phase, and without the bound each of them
     * that processed a record since the last ask would commit again within the same tick (the first measurement had
     * three times as many transactions as the fixed 20 ms).
     */
    public boolean commitNow(long dirtyGeneration, long lastProcessedNanos, long nowNanos) {
        if (nowNanos - windowStart >= tickNanos) {
            light = busyNanos < busyShare * (nowNanos - windowStart);
            windowStart = nowNanos;
            busyNanos = 0;
        }
        boolean uncommitted = dirtyGeneration == generation && nowNanos - lastProcessedNanos < intervalNanos;
        if (light && uncommitted && nowNanos - lastAskNanos >= tickNanos) {
            generation++;
            lastAskNanos = nowNanos;
            return true;
        }
        return false;
    }

    /**
     * The pacers of a topology's stream threads, one per thread (made on first use, on that thread), or none when the
     * pacing is not adaptive.
     */
    public static ThreadLocal<CommitPacer> perThread(CommitPacing pacing) {
        return pacing.adaptive() ? ThreadLocal.withInitial(() -> new CommitPacer(pacing.quickMillis(), pacing.busyShare(),
                pacing.intervalMillis(), System.nanoTime())) : null;
    }

    /** Whether the thread counted as lightly loaded at its last tick. */
    public boolean light() {
        return light;
    }
}
