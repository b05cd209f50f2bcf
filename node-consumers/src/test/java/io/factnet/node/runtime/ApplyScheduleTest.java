package io.factnet.node.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.node.runtime.ApplySchedule.Sync;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApplyScheduleTest {
    final ApplySchedule schedule = new ApplySchedule(Duration.ofMillis(100), Duration.ofSeconds(1),
            Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(8));

    /** Runs the agent's loop on made-up time: one check per millisecond, changes where given. */
    List<Long> run(long from, long to, java.util.function.LongToIntFunction changesAt) {
        List<Long> applies = new ArrayList<>();
        for (long now = from; now <= to; now++) {
            for (int i = changesAt.applyAsInt(now); i > 0; i--) {
                schedule.changed(now);
            }
            if (schedule.due(now) != Sync.NONE) {
                applies.add(now);
                schedule.succeeded(now);
            }
        }
        return applies;
    }

    @Test
    void theFirstSyncIsFullAndImmediate() {
        assertThat(schedule.due(0)).isEqualTo(Sync.FULL);
        assertThat(schedule.millisUntilDue(0)).isZero();
    }

    @Test
    void aBurstOfAThousandChangesIsOneApplyAfterTheQuietPeriod() {
        schedule.succeeded(0);
        // two changes per millisecond from 10 to 509: 1000 changes, never 100 ms apart
        List<Long> applies = run(1, 5_000, now -> now >= 10 && now < 510 ? 2 : 0);
        assertThat(applies).as("one apply, 100 ms after the last change").containsExactly(609L);
    }

    @Test
    void changesThatNeverStopAreAppliedAtLeastEveryMaxBatchDelay() {
        schedule.succeeded(0);
        List<Long> applies = run(1, 3_500, now -> now % 50 == 0 ? 1 : 0);
        assertThat(applies).containsExactly(1050L, 2100L, 3150L);
    }

    @Test
    void aFailureIsRetriedInFullWithExponentialBackoffCappedAtTheMaximum() {
        schedule.succeeded(0);
        schedule.changed(10);
        assertThat(schedule.due(110)).isEqualTo(Sync.CHANGES);
        assertThat(schedule.failed(110)).isEqualTo(1_000);
        schedule.changed(200);
        assertThat(schedule.due(1_109)).as("changes wait for the retry").isEqualTo(Sync.NONE);
        assertThat(schedule.millisUntilDue(1_000)).isEqualTo(110);
        assertThat(schedule.due(1_110)).isEqualTo(Sync.FULL);
        assertThat(schedule.failed(1_110)).isEqualTo(2_000);
        assertThat(schedule.failed(3_110)).isEqualTo(4_000);
        assertThat(schedule.failed(7_110)).isEqualTo(8_000);
        assertThat(schedule.failed(15_110)).isEqualTo(8_000);
        schedule.succeeded(23_110);
        assertThat(schedule.retryPending()).isFalse();
        assertThat(schedule.failed(24_000)).as("backoff starts over after a success").isEqualTo(1_000);
    }

    @Test
    void aFullResyncComesEveryResyncInterval() {
        schedule.succeeded(0);
        assertThat(schedule.due(29_999)).isEqualTo(Sync.NONE);
        assertThat(schedule.millisUntilDue(20_000)).isEqualTo(10_000);
        assertThat(schedule.due(30_000)).isEqualTo(Sync.FULL);
    }
}
