package io.factnet.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Blocks a command until the process is asked to stop (Ctrl-C, SIGTERM), then lets it close its
 * resources before the JVM exits: open it as the first resource of the try, so it closes last.
 */
final class UntilStopped implements AutoCloseable {
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread hook = new Thread(this::onShutdown, "factnet-shutdown");

    UntilStopped() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private void onShutdown() {
        stopRequested.countDown();
        try {
            closed.await(30, TimeUnit.SECONDS); // the command closes brokers and clients cleanly meanwhile
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void await() throws InterruptedException {
        stopRequested.await();
    }

    /** Waits until asked to stop or the timeout passes; true when asked to stop (lets a command watch its workers meanwhile). */
    boolean await(java.time.Duration timeout) throws InterruptedException {
        return stopRequested.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed.countDown();
        if (stopRequested.getCount() > 0) {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }
}
