package io.factnet.controller.stage;

import org.apache.kafka.streams.StreamsConfig;

/**
 * The adaptive commit (ADR 0045): a stream thread asks for a commit every {@code quickMillis} while it spent less
 * than {@code busyShare} of that time processing; otherwise it commits every {@code intervalMillis}
 * ({@code commit.interval.ms}). A quick commit of 0, or one not below the interval, turns it off: every
 * {@code commit.interval.ms} then, as Kafka Streams does.
 */
public record CommitPacing(long quickMillis, double busyShare, long intervalMillis) {
    /** The setting. */
    public static final String QUICK_MS = "factnet.commit.quick.ms";
    /** The setting. */
    public static final String BUSY_SHARE = "factnet.commit.busy-share";

    public CommitPacing {
        if (quickMillis < 0 || intervalMillis < 1 || !(busyShare >= 0 && busyShare <= 1)) {
            throw new IllegalArgumentException(QUICK_MS + " must be >= 0, " + BUSY_SHARE + " 0-1 and "
                    + StreamsConfig.COMMIT_INTERVAL_MS_CONFIG + " positive: " + quickMillis + ", " + busyShare + ", " + intervalMillis);
        }
    }

    /** Whether a quick commit is asked for at all. */
    public boolean adaptive() {
        return quickMillis > 0 && quickMillis < intervalMillis;
    }
}
