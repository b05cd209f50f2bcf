package io.factnet.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bench JVM's CPU is split by thread: the load driver's threads apart from the broker's. */
class ThreadCpuTest {

    @Test
    void aThreadsCpuGoesToItsSideAndTheProcessTotalCoversBothSides() throws Exception {
        ThreadCpu.Snapshot before = ThreadCpu.take();
        CountDownLatch spun = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread spinner = new Thread(() -> {
            long until = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() + TimeUnit.MILLISECONDS.toNanos(50);
            long sink = 0;
            while (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() < until) {
                sink += System.nanoTime() % 7;
            }
            if (sink == 42) {
                System.out.print("");
            }
            spun.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "spinner");
        spinner.start();
        // the second reading while it is alive: a thread that ended no longer has a CPU time of its own
        assertThat(spun.await(30, TimeUnit.SECONDS)).isTrue();
        ThreadCpu.Snapshot after = ThreadCpu.take();
        release.countDown();
        spinner.join(TimeUnit.SECONDS.toMillis(30));

        ThreadCpu.Split split = ThreadCpu.between(before, after, "spinner"::equals);
        assertThat(split.selected()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50) - TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(split.processNanos()).isGreaterThanOrEqualTo(split.selected());
        assertThat(split.others()).isNotNegative();
        assertThat(split.unattributed()).isNotNegative();
    }
}
