package io.factnet.controller.alloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class BitmapTest {

    @Test
    void givesEveryIndexOnceInOrderThenReportsFull() {
        Bitmap bitmap = Bitmap.empty(130);
        for (int i = 0; i < 130; i++) {
            assertThat(bitmap.allocate()).isEqualTo(i);
        }
        assertThat(bitmap.allocate()).isEqualTo(-1);
        assertThat(bitmap.used()).isEqualTo(130);
        assertThat(bitmap.free()).isZero();
    }

    @Test
    void nextFitContinuesFromTheCursorAndWrapsToReleasedIndexes() {
        Bitmap bitmap = Bitmap.empty(10);
        for (int i = 0; i < 6; i++) {
            bitmap.allocate();
        }
        bitmap.release(2);
        assertThat(bitmap.allocate()).as("continues after the last given index").isEqualTo(6);
        assertThat(bitmap.allocate()).isEqualTo(7);
        assertThat(bitmap.allocate()).isEqualTo(8);
        assertThat(bitmap.allocate()).isEqualTo(9);
        assertThat(bitmap.allocate()).as("wraps round to the released index").isEqualTo(2);
        assertThat(bitmap.allocate()).isEqualTo(-1);
    }

    @Test
    void takeAndReleaseReportWhetherTheyChangedAnything() {
        Bitmap bitmap = Bitmap.empty(70);
        assertThat(bitmap.take(65)).isTrue();
        assertThat(bitmap.take(65)).isFalse();
        assertThat(bitmap.isTaken(65)).isTrue();
        assertThat(bitmap.release(65)).isTrue();
        assertThat(bitmap.release(65)).isFalse();
        assertThat(bitmap.used()).isZero();
        assertThatThrownBy(() -> bitmap.take(70)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> bitmap.release(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void storedStateKeepsBitsCursorAndCountInOneBitPerIndex() {
        Bitmap bitmap = Bitmap.empty(1_000_003);
        for (int i = 0; i < 777; i++) {
            bitmap.allocate();
        }
        bitmap.release(5);
        bitmap.take(999_999);
        var state = bitmap.toState();
        assertThat(state.getBits().remaining()).isEqualTo((1_000_003 + 7) / 8);
        Bitmap read = Bitmap.of(state);
        assertThat(read.used()).isEqualTo(bitmap.used());
        assertThat(read.isTaken(5)).isFalse();
        assertThat(read.isTaken(999_999)).isTrue();
        assertThat(read.allocate()).isEqualTo(bitmap.allocate()).isEqualTo(777);
    }

    @Test
    void behavesLikeANaiveNextFitOverASortedSet() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        for (int round = 0; round < 50; round++) {
            int size = 1 + random.nextInt(300);
            Bitmap bitmap = Bitmap.empty(size);
            TreeSet<Integer> taken = new TreeSet<>();
            int cursor = 0;
            List<Integer> order = new ArrayList<>();
            for (int step = 0; step < 2000; step++) {
                if (random.nextInt(3) > 0) {
                    int expected = -1;
                    for (int k = 0; k < size; k++) {
                        int candidate = (cursor + k) % size;
                        if (!taken.contains(candidate)) {
                            expected = candidate;
                            break;
                        }
                    }
                    if (expected >= 0) {
                        taken.add(expected);
                        cursor = (expected + 1) % size;
                        order.add(expected);
                    }
                    assertThat(bitmap.allocate()).as("seed %d round %d step %d", seed, round, step).isEqualTo(expected);
                } else if (!order.isEmpty()) {
                    int index = order.remove(random.nextInt(order.size()));
                    taken.remove(index);
                    assertThat(bitmap.release(index)).isTrue();
                }
                if (step % 500 == 0) {
                    bitmap = Bitmap.of(bitmap.toState());
                }
            }
            assertThat(bitmap.used()).as("seed %d", seed).isEqualTo(taken.size());
        }
    }
}
