package io.factnet.controller.alloc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HoldDownPoolTest {

    @Test
    void aReleasedIndexIsHeldUntilItsHoldEnds() {
        HoldDownPool pool = HoldDownPool.empty(4);
        pool.reserve(0);
        pool.reserve(3);
        assertThat(pool.allocate(0)).isEqualTo(1);
        assertThat(pool.allocate(0)).isEqualTo(2);
        pool.release(1, 600_000);
        assertThat(pool.allocate(599_999)).as("still held").isEqualTo(-1);
        assertThat(pool.allocate(600_000)).isEqualTo(1);
        assertThat(pool.allocate(10_000_000)).as("reserved indexes are never given").isEqualTo(-1);
    }

    @Test
    void holdsSurviveTheStoredState() {
        HoldDownPool pool = HoldDownPool.empty(8);
        pool.allocate(0);
        pool.release(0, 1000);
        HoldDownPool read = HoldDownPool.of(pool.toState());
        assertThat(read.holds()).hasSize(1);
        for (int i = 1; i < 8; i++) {
            assertThat(read.allocate(999)).isEqualTo(i);
        }
        assertThat(read.allocate(999)).isEqualTo(-1);
        assertThat(read.allocate(1000)).isZero();
        assertThat(read.holds()).isEmpty();
    }
}
