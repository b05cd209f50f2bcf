package io.factnet.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A one-line progress bar on stderr ({@code \r} redraws it), at most ten times a second and always at the
 * end. Off unless stderr is a terminal or the user asked for it: a log file must not fill with bars.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final boolean enabled;
    private long lastDrawn;
    private boolean onLine;

    ProgressBar(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /** True when this process's stderr is a terminal (Linux: fd 2 links to a tty). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    void update(String label, long done, long total, String unit) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        boolean last = done >= total;
        if (!last && onLine && now - lastDrawn < REDRAW_NANOS) {
            return;
        }
        lastDrawn = now;
        int filled = total <= 0 ? WIDTH : (int) Math.min(WIDTH, done * WIDTH / total);
        err.print("\r" + label + " [" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] " + done + "/" + total + " " + unit);
        onLine = true;
        if (last) {
            err.println();
            onLine = false;
        }
        err.flush();
    }

    /** A line of its own, below a bar being drawn. */
    void message(String line) {
        if (onLine) {
            err.println();
            onLine = false;
        }
        err.println(line);
        err.flush();
    }
}
