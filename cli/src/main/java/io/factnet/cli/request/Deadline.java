package io.factnet.cli.request;

import java.time.Duration;

/** One time budget for a whole command: producing, the result and the node acks share it. */
record Deadline(long endNanos, Duration total) {

    static Deadline after(Duration timeout) {
        return new Deadline(System.nanoTime() + timeout.toNanos(), timeout);
    }

    Duration remaining() {
        return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
    }

    boolean passed() {
        return System.nanoTime() - endNanos >= 0;
    }

    /** The smaller of the remaining time and {@code cap}, at least one millisecond. */
    Duration remainingAtMost(Duration cap) {
        Duration left = remaining();
        Duration chosen = left.compareTo(cap) < 0 ? left : cap;
        return chosen.isZero() ? Duration.ofMillis(1) : chosen;
    }
}
