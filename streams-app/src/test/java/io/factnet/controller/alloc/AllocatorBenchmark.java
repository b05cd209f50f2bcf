package io.factnet.controller.alloc;

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
 * in steady state: each operation allocates one index and releases the oldest one still held (FIFO
 * churn, as instances come and go), so the fill level stays put and the free indexes are scattered.
 * Also the cost of the store round trip (state record out and back) that the controller pays per write.
 * Run: see docs/BENCHMARKS.md. Not a test: surefire never runs it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class AllocatorBenchmark {

    static final int POOL = 1 << 20;

    @Param({"0.5", "0.9", "0.99"})
    double fill;

    Bitmap bitmap;
    int[] held;
    int head;
    int tail;
    Bitmap floatingPool;

    @Setup(Level.Trial)
    public void fill() {
        bitmap = Bitmap.empty(POOL);
        int count = (int) (POOL * fill);
        held = new int[count + 1];
        java.util.Random random = new java.util.Random(42);
        // Take a random subset, so the free indexes are scattered over the whole pool.
        while (bitmap.used() < count) {
            bitmap.take(random.nextInt(POOL));
        }
        for (int i = 0; i < POOL && tail < count; i++) {
            if (bitmap.isTaken(i)) {
                held[tail++] = i;
            }
        }
        floatingPool = Bitmap.empty(1 << 16);
        for (int i = 0; i < (1 << 15); i++) {
            floatingPool.allocate();
        }
    }

    @Benchmark
    public int allocateAndReleaseOldest() {
        int index = bitmap.allocate();
        held[tail] = index;
        tail = tail + 1 == held.length ? 0 : tail + 1;
        bitmap.release(held[head]);
        head = head + 1 == held.length ? 0 : head + 1;
        return index;
    }

    /** What the pool stage pays per floating-IP allocation on a /16 pool: read the record, allocate, write it. */
    @Benchmark
    public int storeRoundTripOfASlash16Pool() {
        Bitmap read = Bitmap.of(floatingPool.toState());
        int index = read.allocate();
        read.release(index);
        return index;
    }
}
