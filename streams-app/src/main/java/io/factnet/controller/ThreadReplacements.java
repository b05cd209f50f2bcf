package io.factnet.controller;

import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.PoisonRecords;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * The stream threads this controller replaced after they died (its uncaught-exception handler answers
 * REPLACE_THREAD). A replaced thread reads its tasks' uncommitted records again; a failure that repeats kills
 * it again, so Kafka Streams stays RUNNING while a partition makes no progress. A death blamed on a record
 * ({@code PoisonRecords}) ends by itself: the record is skipped after its second. Any other death (a registry
 * without an answer, a failure outside a record's processing) may repeat for ever: {@link #health()} says
 * unhealthy from the {@value #UNHEALTHY_AT}th such within {@link #WINDOW}, and {@link #pauseBeforeReplacing()}
 * spaces them out. Deaths blamed on records do not count, so that a probe that restarts an unhealthy controller
 * (which forgets the failures it saw) cannot turn a few poison records into a restart loop.
 */
public final class ThreadReplacements {
    static final int UNHEALTHY_AT = 3;
    static final Duration WINDOW = Duration.ofMinutes(1);
    static final Duration FIRST_PAUSE = Duration.ofMillis(250);
    static final Duration MAX_PAUSE = Duration.ofSeconds(5);

    /** Whether the threads are healthy, replacements not blamed on a record in the window, all replacements, and why not. */
    public record Health(boolean healthy, int recent, long total, String reason) {
    }

    private final LongSupplier nanoClock;
    /** When the deaths not blamed on a record happened (within the window). */
    private final Deque<Long> recent = new ArrayDeque<>();
    private long total;
    private String lastCause = "";

    public ThreadReplacements() {
        this(System::nanoTime);
    }

    ThreadReplacements(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Counts one replacement, for the failure that ended the thread; blamedOnARecord: one that ends by itself. */
    public synchronized void record(Throwable cause, boolean blamedOnARecord) {
        long now = nanoClock.getAsLong();
        forgetBefore(now);
        total++;
        if (blamedOnARecord) {
            return;
        }
        recent.addLast(now);
        Throwable root = PoisonRecords.root(cause);
        lastCause = root.getClass().getName() + ": " + Check.quote(String.valueOf(root.getMessage()));
    }

    public synchronized Health health() {
        forgetBefore(nanoClock.getAsLong());
        boolean healthy = recent.size() < UNHEALTHY_AT;
        String reason = healthy ? "" : "stream threads died and were replaced " + recent.size() + " times in the last "
                + WINDOW.toSeconds() + " s (last: " + lastCause + "): some partitions make no progress";
        return new Health(healthy, recent.size(), total, reason);
    }

    /** How long to wait before the next replacement: 250 ms, doubling with each unblamed one in the window, at most 5 s. */
    public synchronized Duration pauseBeforeReplacing() {
        forgetBefore(nanoClock.getAsLong());
        int n = Math.max(0, Math.min(recent.size() - 1, 10));
        Duration pause = FIRST_PAUSE.multipliedBy(1L << n);
        return pause.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause;
    }

    private void forgetBefore(long now) {
        while (!recent.isEmpty() && now - recent.peekFirst() > WINDOW.toNanos()) {
            recent.removeFirst();
        }
    }
}
