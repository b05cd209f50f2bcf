package io.factnet.node.exec;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs real programs with {@link ProcessBuilder} (an argument vector, no shell), optionally inside
 * a network namespace through {@code ip netns exec <ns>}. Output goes to files, not pipes, because
 * daemons (dnsmasq, wireguard-go) fork and a child holding a pipe would block the read.
 */
public final class ProcessCommandRunner implements CommandRunner {
    private static final Logger log = LoggerFactory.getLogger(ProcessCommandRunner.class);

    private final Optional<String> netns;
    private final Duration timeout;

    public ProcessCommandRunner(Optional<String> netns, Duration timeout) {
        netns.ifPresent(ns -> {
            if (!ns.matches("[A-Za-z0-9_.-]{1,64}") || ns.startsWith("-")) {
                throw new IllegalArgumentException("network namespace name " + ns + " is not [A-Za-z0-9_.-]{1,64}");
            }
        });
        this.netns = netns;
        this.timeout = timeout;
    }

    public Optional<String> netns() {
        return netns;
    }

    @Override
    public CommandResult run(Command command) {
        List<String> argv = new ArrayList<>();
        netns.ifPresent(ns -> argv.addAll(List.of("ip", "netns", "exec", ns)));
        argv.addAll(command.argv());
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("factnet-cmd-", ".out");
            err = Files.createTempFile("factnet-cmd-", ".err");
            Process process = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new CommandFailedException(new CommandResult(command, -1, "",
                        "timed out after " + timeout.toMillis() + " ms"));
            }
            CommandResult result = new CommandResult(command, process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            log.debug("{} -> {}", command.display(), result.exitCode());
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.display() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command.display(), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }
}
