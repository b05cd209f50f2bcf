package io.factnet.client;

import java.time.Duration;

/** One time budget for a whole exchange: producing, the result and the node acks share it. */
public record Deadline(long endNanos, Duration total) {

    public static Deadline after(Duration timeout) {
        return new Deadline(System.nanoTime() + timeout.toNanos(), timeout);
    }

    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
    }

    public boolean passed() {
        return System.nanoTime() - endNanos >= 0;
    }

    /** The smaller of the remaining time and {@code cap}, at least one millisecond. */
    public Duration remainingAtMost(Duration cap) {
        Duration left = remaining();
        Duration chosen = left.compareTo(cap) < 0 ? left : cap;
        return chosen.isZero() ? Duration.ofMillis(1) : chosen;
    }
}
