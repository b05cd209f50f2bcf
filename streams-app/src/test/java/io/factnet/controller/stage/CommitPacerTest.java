package io.factnet.controller.stage;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.ControllerConfig;
import org.junit.jupiter.api.Test;

/** The adaptive commit (ADR 0045): a quick commit per tick while the thread is light, the interval's when busy. */
class CommitPacerTest {
    static final long MS = 1_000_000;
    /** 20 ms ticks, busy above half a tick, commit.interval.ms 100. */
    final CommitPacer pacer = new CommitPacer(20, 0.5, 100, 0);

    @Test
    void aLightThreadCommitsAtEveryTickWhatItProcessed() {
        long generation = pacer.processed(1 * MS, 2 * MS);
        assertThat(pacer.commitNow(generation, 2 * MS, 20 * MS)).as("1 ms busy of 20").isTrue();
        assertThat(pacer.commitNow(generation, 2 * MS, 21 * MS)).as("committed already (by the first ask)").isFalse();
        assertThat(pacer.commitNow(-1, 0, 40 * MS)).as("a task that processed nothing does not ask").isFalse();
    }

    @Test
    void oneAskCommitsEveryTaskOfTheThread() {
        long a = pacer.processed(1 * MS, 2 * MS);
        long b = pacer.processed(3 * MS, 4 * MS);
        assertThat(pacer.commitNow(a, 2 * MS, 20 * MS)).isTrue();
        assertThat(pacer.commitNow(b, 4 * MS, 25 * MS)).as("b's records went with a's commit").isFalse();
        long c = pacer.processed(26 * MS, 27 * MS);
        assertThat(pacer.commitNow(c, 27 * MS, 30 * MS)).as("processed after that commit: at the next tick, not in this one").isFalse();
        assertThat(pacer.commitNow(c, 27 * MS, 40 * MS)).isTrue();
    }

    @Test
    void aBusyThreadWaitsForTheIntervalAndCommitsQuicklyAgainOnceLight() {
        long generation = 0;
        for (long t = 0; t < 20; t++) { // busy 15 ms of the first 20
            generation = t < 15 ? pacer.processed(t * MS, (t + 1) * MS) : generation;
        }
        assertThat(pacer.commitNow(generation, 15 * MS, 20 * MS)).as("15 ms busy of 20").isFalse();
        assertThat(pacer.light()).isFalse();
        assertThat(pacer.commitNow(generation, 15 * MS, 30 * MS)).as("within the busy tick's decision").isFalse();
        generation = pacer.processed(40 * MS, 41 * MS);
        assertThat(pacer.commitNow(generation, 41 * MS, 42 * MS)).as("1 ms of the 22 since: light again").isTrue();
    }

    @Test
    void whatTheIntervalCommitTookIsNotAskedForAgain() {
        long generation = pacer.processed(0, 1 * MS);
        for (long t = 20; t <= 100; t += 20) { // busy: the interval commit at 100 ms takes it
            pacer.processed(t * MS - 15 * MS, t * MS - 1 * MS);
            assertThat(pacer.commitNow(-1, 0, t * MS)).isFalse();
        }
        assertThat(pacer.commitNow(generation, 1 * MS, 125 * MS)).as("light again, but processed before the interval").isFalse();
    }

    @Test
    void theControllerPacesUnlessTheQuickCommitIsOffOrNotQuicker() {
        assertThat(new CommitPacing(20, 0.5, 100).adaptive()).isTrue();
        assertThat(new CommitPacing(0, 0.5, 100).adaptive()).isFalse();
        assertThat(new CommitPacing(100, 0.5, 100).adaptive()).isFalse();
        assertThat(CommitPacer.perThread(new CommitPacing(0, 0.5, 100))).isNull();
    }
}
