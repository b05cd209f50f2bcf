package io.factnet.reliability.process;

import io.factnet.cli.process.ChildJvm;
import io.factnet.cli.process.ChildProcesses;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVMs of one test (or one chaos run): {@link #close()} kills every one of them and whatever
 * they started, whether the test passed or not. Use it in try-with-resources or close it in
 * {@code @AfterEach}; the JVM's shutdown hook kills anything still alive at exit as well.
 */
public final class Children implements AutoCloseable {
    private final List<ChildJvm> started = new ArrayList<>();

    /** Starts the command; wait for it with {@link ChildJvm#awaitLine}. */
    public synchronized ChildJvm start(ChildJvm.Spec spec) {
        ChildJvm child = ChildJvm.start(spec);
        started.add(child);
        return child;
    }

    /** How many of the processes this JVM started are alive, in any group. */
    public static int liveInThisJvm() {
        return ChildProcesses.liveCount();
    }

    @Override
    public synchronized void close() {
        RuntimeException first = null;
        for (ChildJvm child : started) {
            try {
                child.destroy();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        started.clear();
        if (first != null) {
            throw first;
        }
    }
}
