package io.factnet.controller.alloc;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Allocation cost of the bitmap allocator on a 1M-address pool (2^20, a /12) at several fill levels,
 * in steady state: each operation allocates one index and releases one held index, so the fill level
 * stays put. "Oldest" releases in FIFO order (instances come and go), "random" releases any held index
 * (free indexes scattered all over the pool: the worst case for the search). Also the store round trip
 * (state record out and back) of a /16 floating pool, which the pool stage pays per allocation.
 * Run: see docs/BENCHMARKS.md. Not a test: surefire never runs it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AllocatorBenchmark {

    static final int POOL = 1 << 20;

    @State(Scope.Thread)
    public static class FilledPool {
        @Param({"0.5", "0.9", "0.99"})
        double fill;

        Bitmap bitmap;
        int[] held;
        int count;
        int head;
        Random random;

        @Setup(Level.Trial)
        public void fill() {
            bitmap = Bitmap.empty(POOL);
            random = new Random(42);
            int target = (int) (POOL * fill);
            while (bitmap.used() < target) { // a random subset: free indexes scattered over the pool
                bitmap.take(random.nextInt(POOL));
            }
            held = new int[target];
            for (int i = 0; i < POOL; i++) {
                if (bitmap.isTaken(i)) {
                    held[count++] = i;
                }
            }
        }
    }

    @State(Scope.Thread)
    public static class FloatingPool {
        Bitmap pool;

        @Setup(Level.Trial)
        public void fill() {
            pool = Bitmap.empty(1 << 16);
            for (int i = 0; i < (1 << 15); i++) {
                pool.allocate();
            }
        }
    }

    @Benchmark
    public int allocateAndReleaseOldest(FilledPool s) {
        int index = s.bitmap.allocate();
        s.bitmap.release(s.held[s.head]);
        s.held[s.head] = index; // the ring's head is now its newest entry
        s.head = s.head + 1 == s.count ? 0 : s.head + 1;
        return index;
    }

    @Benchmark
    public int allocateAndReleaseRandom(FilledPool s) {
        int index = s.bitmap.allocate();
        int victim = s.random.nextInt(s.count);
        s.bitmap.release(s.held[victim]);
        s.held[victim] = index;
        return index;
    }

    /** Read the record, allocate, write the record: what the pool stage does per floating IP of a /16 pool. */
    @Benchmark
    public int storeRoundTripOfASlash16Pool(FloatingPool s) {
        Bitmap read = Bitmap.of(s.pool.toState());
        int index = read.allocate();
        read.release(index);
        return index;
    }
}
